/**
 * `npm run bench:send-rate [-- --rate 20 --emails 400 --senders 3]`
 *
 * The send path against an SES that allows R emails a second and answers Throttling above it
 * (a proxy in front of aws-ses-v2-local, with the other stand-ins in a process of their own):
 * the real planner, the real send handler behind `--senders` concurrent pollers (as many
 * Lambdas), the DynamoDB rate limiter they share.
 * It reports the rate achieved at the SES door, how often SES throttled, and whether every
 * reader got exactly one email. Target: achieved ≥ 0.95 × R, nothing lost, nothing twice.
 * The last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { handleSendBatch, planDigestOnce } from '../functions/app/jobs.ts';
import { createAppContext } from '../functions/app/context.ts';
import { newSubscriber } from '../functions/core/subscribers/subscriber.ts';
import { silentLogger } from '../functions/ports/logger.ts';
import { createWorld, sentEmails } from '../testkit/test-world.ts';
import { LocalSqsPoller } from '../functions/local/sqs-poller.ts';
import { SEND_QUEUE } from '../functions/adapters/dynamodb/tables.ts';
import { aCandidate } from '../testkit/fakes.ts';
import { achievedRate, PROXY_STATS_PATH } from '../testkit/throttling-ses-proxy.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    emails: { type: 'string', default: '400' },
    senders: { type: 'string', default: '3' },
  },
});
const rate = Number(args.rate);
const emailCount = Number(args.emails);
const senderCount = Number(args.senders);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, 'stand-ins-process.ts'), '--rate', String(rate)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
const endpoints = JSON.parse(String(firstLine.value)) as {
  dynamodb: string;
  ses: string;
  sqs: string;
  sesProxy: string;
};
try {
  // Prepare: one article, `emails` readers of its topic, one week planned.
  const world = await createWorld(
    { ...endpoints, ses: endpoints.sesProxy },
    { env: { SES_MAX_SEND_RATE: String(rate) }, visibilityTimeoutSeconds: 5, mjmlValidation: 'soft' },
  );
  const firstSeenAt = new Date(Date.now() - 86_400_000);
  await world.context.articles.upsert(
    aCandidate({
      url: 'https://research.example.org/bench/car-t',
      title: 'CAR T-cell therapy in relapsed leukaemia: five-year results',
      publishedAt: firstSeenAt.toISOString(),
      studyTypes: ['phase-2'],
    }),
    firstSeenAt,
  );
  const readers = Array.from({ length: emailCount }, (_, index) =>
    newSubscriber(
      { email: world.email(`reader-${index}`), topics: ['car-t'], status: 'confirmed' },
      new Date(),
      world.context.subscriberIds,
    ),
  );
  for (const reader of readers) await world.context.subscribers.create(reader);
  const plan = await planDigestOnce(world.context, { ignoreSlot: true });

  // Act: the senders, each with its own context and limiter instance, drain the queue together.
  const senders = [
    world.context,
    ...(await Promise.all(
      Array.from({ length: senderCount - 1 }, () =>
        createAppContext(world.context.config, { clients: world.context.clients, logger: silentLogger }),
      ),
    )),
  ];
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  // Each sender polls the queue as Lambda's event source mapping would; one watcher sees it drained.
  let sent = 0;
  const pollers = senders.map(
    (context) =>
      new LocalSqsPoller(
        context.clients.sqs,
        async (event) => {
          const report = await handleSendBatch(context, event);
          sent += report.sent;
          return report.response;
        },
        {
          queueUrl: world.queues.sendUrl,
          queueArn: 'arn:aws:sqs:us-east-1:000000000000:bench-send',
          region: 'us-east-1',
          batchSize: SEND_QUEUE.batchSize,
          waitTimeSeconds: 1,
        },
      ),
  );
  for (const poller of pollers) poller.start();
  const drained = await pollers[0]!.drain(600_000);
  await Promise.all(pollers.map((poller) => poller.stop()));
  const elapsedMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuStart);

  // Assess.
  const received = await sentEmails(endpoints.ses, (to) => world.isMine(to));
  const proxy = (await (await fetch(`${endpoints.sesProxy}${PROXY_STATS_PATH}`)).json()) as {
    accepted: number[];
    throttled: number;
  };
  const perReader = new Map<string, number>();
  for (const email of received) {
    const to = email.destination.to[0]!;
    perReader.set(to, (perReader.get(to) ?? 0) + 1);
  }
  const achieved = achievedRate(proxy.accepted);
  const result = {
    rate,
    emails: emailCount,
    senders: senderCount,
    jobs: plan.jobs,
    sent,
    drained,
    achievedRate: Number(achieved.toFixed(2)),
    achievedRatio: Number((achieved / rate).toFixed(3)),
    throttled: proxy.throttled,
    lost: readers.filter((reader) => !perReader.has(reader.email)).length,
    duplicates: [...perReader.values()].filter((count) => count > 1).length,
    elapsedMs,
    senderCpuMsPerEmail: Number(((cpu.user + cpu.system) / 1000 / emailCount).toFixed(2)),
    load1m: Number(loadavg()[0]!.toFixed(2)),
    cpus: cpus().length,
  };
  console.log(`Send-rate benchmark: ${emailCount} emails, SES limited to ${rate}/s, ${senderCount} senders`);
  console.log(`  achieved   ${result.achievedRate}/s = ${result.achievedRatio} × R (target ≥ 0.95)`);
  console.log(`  throttled  ${result.throttled} SES calls answered Throttling (retried with backoff)`);
  console.log(`  delivery   ${result.sent} sent, ${result.lost} lost, ${result.duplicates} duplicated`);
  console.log(`  machine    load ${result.load1m} on ${result.cpus} CPUs`);
  console.log(JSON.stringify(result));
  world.stop();
  if (!drained || result.achievedRatio < 0.95 || result.lost > 0 || result.duplicates > 0)
    process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
