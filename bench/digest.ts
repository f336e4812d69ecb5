/**
 * `npm run bench:digest [-- --subscribers 20000 --articles 400 --sample 40 --seed 7 --stores compact]`
 *
 * One week of the digest at scale, end to end in one process: plan (the real planner) → render
 * (pieces, once) → personalise → hand each email to the mailer (an in-process sink), through the
 * real sender core (ledger claims, status checks, tokens, List-Unsubscribe headers) on in-memory
 * ports. The sender takes the planner's jobs as they are enqueued, a queue batch at a time, as
 * the send Lambda would: nothing holds the week's jobs. In the same run, the naive way — one
 * whole MJML render per recipient — is timed on a sample of recipients and extrapolated. The last
 * line is one JSON object.
 *
 * `--stores compact` (the default) keeps readers and ledger rows in the bench's compact ports
 * (bench/compact-stores.ts), so that a million readers fit; `--stores testkit` uses testkit's
 * fakes, which keep whole records (the figures of earlier versions were measured on those).
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planDigest, type PlanDependencies } from '../functions/core/digest/plan-digest.ts';
import { deliverJob, digestInputsFor, unlimitedRun } from '../functions/core/delivery/deliver-job.ts';
import type { DigestJob } from '../functions/core/delivery/send-job.ts';
import { personalLinksFor } from '../functions/core/delivery/personal-links.ts';
import { createEmailRenderer } from '../functions/core/rendering/email-renderer.ts';
import { topicLabels } from '../functions/core/tagging/vocabulary.ts';
import type { TopicId } from '../functions/model/topics.ts';
import { loadTemplates, loadVocabulary } from '../functions/adapters/content/load-content.ts';
import { SEND_QUEUE } from '../functions/adapters/dynamodb/tables.ts';
import type { Mailer, OutgoingEmail } from '../functions/ports/mailer.ts';
import type { SendQueue } from '../functions/ports/send-queue.ts';
import { inMemoryDelivery, ManualClock, type FakeArticleStore } from '../testkit/fakes.ts';
import { CompactLedger, CompactReaderStore } from './compact-stores.ts';
import { makeArticles, makeSubscribers, readerProfiles, seededRandom } from './workload.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '20000' },
    articles: { type: 'string', default: '400' },
    sample: { type: 'string', default: '40' },
    seed: { type: 'string', default: '7' },
    stores: { type: 'string', default: 'compact' },
  },
});
if (args.stores !== 'compact' && args.stores !== 'testkit') throw new Error('--stores is compact or testkit');
const subscriberCount = Number(args.subscribers);
const articleCount = Number(args.articles);
const sampleSize = Number(args.sample);

/** The mailer at the end of the line: counts and measures, keeps nothing (memory stays flat). */
class SinkMailer implements Mailer {
  emails = 0;
  bytes = 0;
  async send(email: OutgoingEmail) {
    this.emails += 1;
    this.bytes += email.html.length + email.text.length;
    return { messageId: `sink-${this.emails}` };
  }
}

const mb = (kilobytes: number) => Math.round(kilobytes / 1024);
const peakRssMb = () => mb(process.resourceUsage().maxRSS);

async function main() {
  // Prepare: the content, the renderer and a seeded week.
  const labels = Object.fromEntries(
    topicLabels(await loadVocabulary(path.join(ROOT, 'content'))).map((topic) => [topic.id, topic.label]),
  ) as Record<TopicId, string>;
  const renderer = createEmailRenderer({
    templates: await loadTemplates(path.join(ROOT, 'templates')),
    topicLabels: labels,
    siteUrl: 'https://immunotherapy-digest.example.org',
    postalAddress: 'Immunotherapy Digest, 100 Example Avenue, Suite 4, Springfield, MA 01101, USA',
    mjml: { validationLevel: 'soft' },
  });
  const now = new Date('2026-11-23T09:00:00Z');
  const clock = new ManualClock(now);
  const random = seededRandom(Number(args.seed));
  const mailer = new SinkMailer();
  const memory = inMemoryDelivery({
    renderer,
    mailer,
    clock,
    settings: { siteUrl: 'https://immunotherapy-digest.example.org', leaseMs: 300_000 },
  });
  const { articles } = memory;
  let deps = memory.deps;
  let subscribers: PlanDependencies['subscribers'] = memory.subscribers;
  if (args.stores === 'compact') {
    const created = new Date(now.getTime() - 30 * 86_400_000);
    const readers = new CompactReaderStore(readerProfiles(subscriberCount, random), subscriberCount, created);
    subscribers = readers;
    deps = { ...deps, subscribers: readers, ledger: new CompactLedger(subscriberCount) };
  } else {
    for (const subscriber of makeSubscribers(subscriberCount, now, random))
      await memory.subscribers.create(subscriber);
  }
  articles.add(...makeArticles(articleCount, now, random));
  const { tokens } = deps;
  // Warm up MJML (module loading, first-render compilation) so neither side pays it in its timing.
  await renderer.renderDigestWhole(await sampleInput(makeWarmupJob(articles), articles));
  const rendersBefore = renderer.renderCount();

  // Act 1: ours, end to end. The sender works inside the planner's enqueue: its time is taken
  // out of the planner's.
  const run = unlimitedRun();
  let sent = 0;
  let sendMs = 0;
  const sampler = new JobSampler(sampleSize);
  const sendBatch = async (batch: readonly DigestJob[]) => {
    const started = performance.now();
    // As the send Lambda does: one batch of jobs, their pieces prepared together, then sent.
    const inputs = await digestInputsFor(batch, articles);
    await renderer.prepareDigests(inputs);
    const outcomes = await Promise.all(batch.map((job, index) => deliverJob(job, deps, run, inputs[index])));
    for (const outcome of outcomes) sent += outcome.sent;
    sendMs += performance.now() - started;
  };
  const waiting: DigestJob[] = [];
  const queue: SendQueue<DigestJob> = {
    async enqueue(jobs) {
      for (const job of jobs) sampler.offer(job);
      waiting.push(...jobs);
      while (waiting.length >= SEND_QUEUE.batchSize) await sendBatch(waiting.splice(0, SEND_QUEUE.batchSize));
    },
  };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const plan = await planDigest(
    { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50, ignoreSlot: true },
    { ...deps, subscribers, queue, plannerCursor: memory.plannerCursor },
  );
  const planMs = performance.now() - start - sendMs;
  while (waiting.length > 0) await sendBatch(waiting.splice(0, SEND_QUEUE.batchSize));
  const oursMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const oursCpuMs = (cpu.user + cpu.system) / 1000;
  const renders = renderer.renderCount() - rendersBefore;

  // Act 2: the naive way on a sample spread over all jobs, one whole render per recipient.
  const sample = sampler.sample();
  const naiveStart = performance.now();
  for (const job of sample) {
    const recipient = job.recipients[0]!;
    const links = personalLinksFor(
      { subscriberId: recipient.subscriberId, instance: 'bench' },
      tokens,
      deps.settings.siteUrl,
      now,
    );
    const whole = await renderer.renderDigestWhole(await sampleInput(job, articles), links);
    await mailer.send({ to: 'naive@bench.example.org', ...whole.personalise(links), headers: [], tags: {} });
  }
  const naivePerEmailMs = (performance.now() - naiveStart) / sample.length;
  const naiveMs = planMs + naivePerEmailMs * sent;

  // Assess.
  const result = {
    subscribers: subscriberCount,
    articles: articleCount,
    emails: sent,
    readersRead: plan.readersRead,
    readersDue: plan.due,
    groups: plan.groups,
    jobs: plan.jobs,
    renders,
    planMs: Math.round(planMs),
    totalMs: Math.round(oursMs),
    emailsPerSecond: Math.round((sent / oursMs) * 1000),
    cpuMsPerEmail: Number((oursCpuMs / sent).toFixed(3)),
    naiveMsPerEmail: Number(naivePerEmailMs.toFixed(2)),
    naiveRatio: Number((naiveMs / oursMs).toFixed(1)),
    peakRssMb: peakRssMb(),
    averageEmailKb: Math.round(mailer.bytes / mailer.emails / 1024),
    stores: args.stores,
    load1m: Number(loadavg()[0]!.toFixed(2)),
    cpus: cpus().length,
  };
  console.log(
    `Digest benchmark: ${subscriberCount} subscribers, ${articleCount} articles (seed ${args.seed})`,
  );
  console.log(
    `  plan       ${result.planMs} ms → read ${plan.readersRead}, ${plan.due} due, ${plan.planned} planned in ${plan.groups} groups, ${plan.jobs} jobs`,
  );
  console.log(
    `  ours       ${sent} emails in ${result.totalMs} ms: ${result.emailsPerSecond} emails/s, ${result.cpuMsPerEmail} CPU ms per email`,
  );
  console.log(`  renders    ${renders} MJML renders (pieces), vs ${sent} for one per recipient`);
  console.log(
    `  naive      ${result.naiveMsPerEmail} ms per email on ${sample.length} samples → ${Math.round(naiveMs / 1000)} s extrapolated`,
  );
  console.log(`  ratio      naive / ours = ${result.naiveRatio}×`);
  console.log(
    `  memory     peak RSS ${result.peakRssMb} MB; average email ${result.averageEmailKb} kB (html + text)`,
  );
  console.log(`  machine    load ${result.load1m} on ${result.cpus} CPUs`);
  console.log(JSON.stringify(result));
}

/**
 * Keeps a sample of the jobs spread evenly over all of them, without holding them all: every
 * stride-th job (its first recipient only), the stride doubling whenever twice the sample is kept.
 */
class JobSampler {
  private kept: DigestJob[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly size: number) {}

  offer(job: DigestJob): void {
    if (this.seen++ % this.stride !== 0) return;
    this.kept.push({ ...job, recipients: job.recipients.slice(0, 1) });
    if (this.kept.length < 2 * this.size) return;
    this.kept = this.kept.filter((_, index) => index % 2 === 0);
    this.stride *= 2;
  }

  sample(): DigestJob[] {
    const count = Math.min(this.size, this.kept.length);
    return Array.from(
      { length: count },
      (_, index) => this.kept[Math.floor((index * this.kept.length) / count)]!,
    );
  }
}

function makeWarmupJob(articles: FakeArticleStore): DigestJob {
  const [first] = articles.items.values();
  return {
    kind: 'digest',
    version: 1,
    digestId: 'weekly-2026-W48',
    groupKey: 'warmup',
    windowEnd: new Date().toISOString(),
    sections: [{ topic: 'car-t', articles: [{ articleId: first!.id, matchedTopics: ['car-t'] }] }],
    recipients: [{ subscriberId: 'warmup-subscriber', topicsKey: 'car-t' }],
  };
}

async function sampleInput(job: DigestJob, articles: FakeArticleStore) {
  return (await digestInputsFor([job], articles))[0]!;
}

await main();
