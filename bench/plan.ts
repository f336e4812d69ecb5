/**
 * `npm run bench:plan [-- --sizes 50000,200000 --runs 6]`
 *
 * The hourly planner's reads against the size of the list. For each list size, on dynalite
 * started for it in a process of its own (a free loopback port; its memory is not ours): seed the
 * list (most readers on Monday 08:00 in a dozen zones, the rest spread over the week and more
 * zones), then run the real planner (planDigest on the real DynamoDB adapters) for consecutive
 * hourly runs on a Monday morning, counting what it reads through a wrapper on the DynamoDB
 * client: items read (ScannedCount of every Query of the subscribers table, and items of any
 * GetItem/BatchGetItem on it) and pages (Query calls on the next-slot index). Sends go to a
 * counting sink (nothing is sent). Per run: readersDue, readersRead, itemsRead, indexPages, the
 * run's own peak RSS and JS heap above what they were before it.
 *
 * ok when every run reads at most 1.5 × its due readers plus its index pages, at both sizes (the
 * cost of a run follows the readers due, not the list). `memoryOk` compares the busiest run's peak
 * heap growth per due reader between the sizes: memory that follows the list would cost four times
 * more per due reader at a list four times larger (bounded memory is the planner loop's, issue 18
 * item 2).
 * The last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { ensureTables } from '../functions/adapters/dynamodb/create-tables.ts';
import { batchPutAll } from '../functions/adapters/dynamodb/batch.ts';
import { DynamoPlannerCursor } from '../functions/adapters/dynamodb/planner-cursor.ts';
import { DynamoSubscriberStore, toItem } from '../functions/adapters/dynamodb/subscriber-store.ts';
import { SUBSCRIBERS_TABLE } from '../functions/adapters/dynamodb/tables.ts';
import type { DigestJob } from '../functions/core/delivery/send-job.ts';
import { planDigest, type PlanSummary } from '../functions/core/digest/plan-digest.ts';
import { newSubscriber } from '../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot } from '../functions/model/subscribers.ts';
import type { TopicId } from '../functions/model/topics.ts';
import { silentLogger } from '../functions/ports/logger.ts';
import type { SendQueue } from '../functions/ports/send-queue.ts';
import { anArticle, FakeArticleStore, FakeLedger, ManualClock, testSubscriberIds } from '../testkit/fakes.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50000,200000' },
    runs: { type: 'string', default: '6' },
  },
});
const sizes = String(args.sizes).split(',').map(Number);
const runCount = Number(args.runs);

/** Monday 7 December 2026: the measured runs start at 04:05 UTC, the list was seeded the day before. */
const SEEDED_AT = new Date('2026-12-06T12:00:00Z');
const FIRST_RUN = new Date('2026-12-07T04:05:00Z');
const HOUR = 3_600_000;

/** A dozen zones where most readers keep the default Monday 08:00. */
const MAIN_ZONES = [
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Amsterdam',
  'Europe/Helsinki',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
];
const OTHER_ZONES = [...MAIN_ZONES, 'Asia/Kolkata', 'America/Sao_Paulo', 'Africa/Johannesburg', 'UTC'];
const TOPICS: TopicId[][] = [
  ['car-t'],
  ['checkpoint-inhibitors', 'melanoma'],
  ['car-t', 'leukemia'],
  ['vaccines'],
];

/** A seeded generator (mulberry32): the same list for the same size, run after run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function slotOf(next: () => number): DeliverySlot {
  if (next() < 0.7)
    return { weekday: 1, hour: 8, timeZone: MAIN_ZONES[Math.floor(next() * MAIN_ZONES.length)]! };
  return {
    weekday: 1 + Math.floor(next() * 7),
    hour: 6 + Math.floor(next() * 15),
    timeZone: OTHER_ZONES[Math.floor(next() * OTHER_ZONES.length)]!,
  };
}

async function startDynalite(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(
    'nice',
    [
      '-n',
      '5',
      process.execPath,
      '-e',
      "require('dynalite')().listen(0, '127.0.0.1', function () { console.log(this.address().port); });",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
  );
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return { endpoint: `http://127.0.0.1:${String(first.value).trim()}`, stop: () => child.kill() };
}

interface Counts {
  itemsRead: number;
  indexPages: number;
  queries: number;
}

/** The document client with every read of the subscribers table counted. */
function countingClient(documents: DynamoDBDocumentClient, subscribersTable: string, counts: Counts) {
  const send = async (command: { input: Record<string, unknown> }) => {
    const output = (await documents.send(command as never)) as Record<string, unknown>;
    const input = command.input;
    const name = command.constructor.name;
    if (input.TableName === subscribersTable && name === 'QueryCommand') {
      counts.queries += 1;
      counts.itemsRead += Number(output.ScannedCount ?? output.Count ?? 0);
      if (input.IndexName === SUBSCRIBERS_TABLE.globalIndexes[1].indexName) counts.indexPages += 1;
    }
    if (input.TableName === subscribersTable && name === 'GetCommand' && output.Item) counts.itemsRead += 1;
    if (name === 'BatchGetCommand') {
      const responses = (output.Responses ?? {}) as Record<string, unknown[]>;
      counts.itemsRead += responses[subscribersTable]?.length ?? 0;
    }
    return output;
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

/** Where the jobs go: counted, then dropped. */
class CountingSink implements SendQueue<DigestJob> {
  recipients = 0;
  jobs = 0;
  async enqueue(jobs: readonly DigestJob[]) {
    this.jobs += jobs.length;
    for (const job of jobs) this.recipients += job.recipients.length;
  }
}

interface RunFigures {
  readonly at: string;
  readonly readersDue: number;
  readonly readersRead: number;
  readonly planned: number;
  readonly itemsRead: number;
  readonly indexPages: number;
  readonly ms: number;
  /** Peak RSS during the run above the RSS before it (MB): RSS never shrinks back, so a run after a bigger one shows 0. */
  readonly runPeakRssGrowthMb: number;
  /** Peak JS heap during the run above the heap before it, after a collection (MB). */
  readonly runPeakHeapGrowthMb: number;
  readonly ok: boolean;
}

async function measure(size: number) {
  const dynalite = await startDynalite();
  const dynamo = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 3,
  });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const tables = {
    articles: 'bench-articles',
    subscribers: 'bench-subscribers',
    deliveries: 'bench-deliveries',
    state: 'bench-state',
  };
  try {
    await ensureTables(dynamo, tables);

    // Prepare: the list, in batches of 25 with a few in flight (the way an import writes).
    const seedStart = performance.now();
    const next = random(size);
    const limit = pLimit(4);
    const BATCH = 500;
    const writes: Promise<void>[] = [];
    for (let first = 0; first < size; first += BATCH) {
      const items: Record<string, unknown>[] = [];
      for (let index = first; index < Math.min(size, first + BATCH); index += 1) {
        const subscriber = newSubscriber(
          {
            email: `reader-${index}@bench.example.org`,
            topics: TOPICS[index % TOPICS.length]!,
            delivery: slotOf(next),
            status: 'confirmed',
          },
          SEEDED_AT,
          testSubscriberIds,
        );
        // Confirmed before the week began: owed every slot of it, as a reader of long standing.
        items.push(toItem({ ...subscriber, scheduleFrom: SEEDED_AT.toISOString() }));
      }
      writes.push(limit(() => batchPutAll(documents, tables.subscribers, items)));
      if (writes.length >= 8) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const clock = new ManualClock(FIRST_RUN);
    const counts: Counts = { itemsRead: 0, indexPages: 0, queries: 0 };
    const articles = new FakeArticleStore();
    for (const [index, topics] of TOPICS.entries()) {
      articles.add(
        anArticle({
          id: `bench-${index}`,
          firstSeenAt: new Date(FIRST_RUN.getTime() - (index + 1) * HOUR * 20).toISOString(),
          publishedAt: new Date(FIRST_RUN.getTime() - (index + 2) * HOUR * 20).toISOString(),
          topics: Object.fromEntries(topics.map((topic) => [topic, 5])),
        }),
      );
    }
    const queue = new CountingSink();
    const deps = {
      subscribers: new DynamoSubscriberStore(
        countingClient(documents, tables.subscribers, counts),
        tables.subscribers,
      ),
      plannerCursor: new DynamoPlannerCursor(documents, tables.state),
      articles,
      ledger: new FakeLedger(),
      queue,
      clock,
      logger: silentLogger,
    };
    const options = { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50 };

    // A run before the measured ones, as the hour before would have run: the cursor is in place.
    clock.set(new Date(FIRST_RUN.getTime() - HOUR).toISOString());
    await planDigest(options, deps);

    const runs: RunFigures[] = [];
    for (let run = 0; run < runCount; run += 1) {
      clock.set(new Date(FIRST_RUN.getTime() + run * HOUR).toISOString());
      counts.itemsRead = 0;
      counts.indexPages = 0;
      global.gc?.();
      const before = process.memoryUsage();
      let peak = before.rss;
      let peakHeap = before.heapUsed;
      const sample = () => {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.rss);
        peakHeap = Math.max(peakHeap, now.heapUsed);
      };
      const sampler = setInterval(sample, 5);
      const start = performance.now();
      const summary: PlanSummary = await planDigest(options, deps);
      const ms = performance.now() - start;
      clearInterval(sampler);
      sample();
      runs.push({
        at: clock.now().toISOString(),
        readersDue: summary.due,
        readersRead: summary.readersRead,
        planned: summary.planned,
        itemsRead: counts.itemsRead,
        indexPages: counts.indexPages,
        ms: Math.round(ms),
        runPeakRssGrowthMb: Math.round((peak - before.rss) / 1_048_576),
        runPeakHeapGrowthMb: Math.round((peakHeap - before.heapUsed) / 1_048_576),
        ok: counts.itemsRead <= 1.5 * summary.due + counts.indexPages,
      });
      console.log(`  ${size} readers, run at ${clock.now().toISOString()}: ${JSON.stringify(runs.at(-1))}`);
    }
    return { size, seedSeconds: Math.round(seedSeconds), runs };
  } finally {
    dynamo.destroy();
    dynalite.stop();
  }
}

const results: Awaited<ReturnType<typeof measure>>[] = [];
for (const size of sizes) {
  console.log(`seeding ${size} readers on dynalite and planning ${runCount} hourly runs…`);
  results.push(await measure(size));
}
const perDueKb = results.map((result) => {
  const [first, ...rest] = result.runs;
  if (!first) return 0;
  const busiest = rest.reduce((top, run) => (run.readersDue > top.readersDue ? run : top), first);
  return busiest.readersDue > 0 ? (busiest.runPeakHeapGrowthMb * 1024) / busiest.readersDue : 0;
});
const ratioOk = results.every((result) => result.runs.every((run) => run.ok));
// Memory that follows the readers due costs the same per due reader at every list size; memory
// that follows the list would cost (larger size / smaller size) times more at the larger one.
const memoryOk = perDueKb.at(-1)! <= 1.5 * perDueKb[0]! + 1;
console.log(
  JSON.stringify({
    bench: 'plan',
    date: new Date().toISOString(),
    cpus: cpus().length,
    loadavg1: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    sizes: results.map((result) => ({
      size: result.size,
      seedSeconds: result.seedSeconds,
      runs: result.runs,
      itemsReadPerDue: Number(
        (
          result.runs.reduce((total, run) => total + run.itemsRead, 0) /
          Math.max(
            1,
            result.runs.reduce((total, run) => total + run.readersDue, 0),
          )
        ).toFixed(3),
      ),
      busiestRunKbPerDueReader: Number(perDueKb[results.indexOf(result)]!.toFixed(2)),
    })),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ok: ratioOk,
    memoryOk,
  }),
);
