/**
 * `npm run bench:send-rate [-- --rate 20 --emails 400 --senders 3]`
 *
 * The send path against an SES that allows R emails a second and answers Throttling above it
 * (a proxy in front of aws-ses-v2-local): the real planner, the real send handler behind
 * `--senders` concurrent pollers (as many Lambdas), the DynamoDB rate limiter they share.
 * It reports the rate achieved at the SES door, how often SES throttled, and whether every
 * reader got exactly one email. Target: achieved ≥ 0.95 × R, nothing lost, nothing twice.
 * The last line is one JSON object.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { planDigestOnce } from '../functions/app/jobs.ts';
import { createAppContext } from '../functions/app/context.ts';
import { startStandIns } from '../functions/local/stand-ins.ts';
import { newSubscriber } from '../functions/core/subscribers/subscriber.ts';
import { silentLogger } from '../functions/ports/index.ts';
import { createWorld, sentEmails } from '../test/helpers/test-context.ts';
import { drainSendQueue } from '../test/helpers/drain.ts';
import { aCandidate } from '../test/helpers/fakes.ts';
import { achievedRate, startThrottlingSesProxy } from '../test/helpers/throttling-ses-proxy.ts';

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

const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
const proxy = await startThrottlingSesProxy(standIns.endpoints.ses, rate);
try {
  // Prepare: one article, `emails` readers of its topic, one week planned.
  const world = await createWorld(
    { ...standIns.endpoints, ses: proxy.endpoint },
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
  const totals = await Promise.all(
    senders.map((context) => drainSendQueue(context, world.queues.sendUrl, { timeoutMs: 600_000 })),
  );
  const elapsedMs = Date.now() - started;

  // Assess.
  const received = await sentEmails(standIns.endpoints.ses, (to) => world.isMine(to));
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
    sent: totals.reduce((sum, total) => sum + total.sent, 0),
    achievedRate: Number(achieved.toFixed(2)),
    achievedRatio: Number((achieved / rate).toFixed(3)),
    throttled: proxy.throttled,
    lost: readers.filter((reader) => !perReader.has(reader.email)).length,
    duplicates: [...perReader.values()].filter((count) => count > 1).length,
    elapsedMs,
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
  if (result.achievedRatio < 0.95 || result.lost > 0 || result.duplicates > 0) process.exitCode = 1;
} finally {
  await proxy.stop();
  await standIns.stop();
}
