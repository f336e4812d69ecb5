import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../functions/config/config.ts';
import { createAwsClients } from '../functions/adapters/aws-clients.ts';
import { ensureTables } from '../functions/adapters/dynamodb/create-tables.ts';
import { DynamoArticleStore } from '../functions/adapters/dynamodb/article-store.ts';
import { DynamoSourceStateStore } from '../functions/adapters/dynamodb/source-state-store.ts';
import { HttpFeedFetcher } from '../functions/adapters/http/feed-fetcher.ts';
import { loadVocabulary } from '../functions/adapters/content/load-content.ts';
import { createTagger } from '../functions/core/tagging/tagger.ts';
import { runIngest } from '../functions/core/ingest/run-ingest.ts';
import type { IngestStage, StageTimer } from '../functions/core/ingest/read-feed.ts';
import { silentLogger } from '../functions/ports/logger.ts';
import { systemClock } from '../functions/ports/clock.ts';

/**
 * `npm run bench:ingest`: 200 sources × 50 items (RSS 2.0, Atom and RDF in turn, 5 works of
 * each source also in its neighbour) served on loopback by a separate process that also runs
 * the DynamoDB stand-in; this process runs one full ingest (fetch → parse → normalise and tag
 * → dedupe and store) exactly as the Lambda does. Prints each stage's busy time and, last, one
 * JSON line with itemsPerSecond and peakRssMb. Targets: ≥ 1,000 items/s on 2 cores, < 512 MB.
 */

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

interface World {
  readonly feeds: string;
  readonly dynamodb: string;
  readonly sources: number;
  readonly itemsPerSource: number;
  readonly sharedWorks: number;
}

/** Collects stage intervals; a stage's busy time is the union of its intervals (sources overlap). */
class IntervalTimer implements StageTimer {
  readonly intervals = new Map<IngestStage, [number, number][]>();

  record(stage: IngestStage, startMs: number, endMs: number): void {
    const list = this.intervals.get(stage) ?? [];
    list.push([startMs, endMs]);
    this.intervals.set(stage, list);
  }

  busyMs(stage: IngestStage): number {
    const sorted = [...(this.intervals.get(stage) ?? [])].sort((a, b) => a[0] - b[0]);
    let total = 0;
    let [start, end] = sorted[0] ?? [0, 0];
    for (const [nextStart, nextEnd] of sorted.slice(1)) {
      if (nextStart > end) {
        total += end - start;
        [start, end] = [nextStart, nextEnd];
      } else end = Math.max(end, nextEnd);
    }
    return total + (end - start);
  }
}

async function startOutsideWorld(): Promise<{ world: World; stop: () => void; pid: number }> {
  const child = spawn(
    process.execPath,
    [
      // dynalite keeps every item as JSON in memory-level: each request parses and re-encodes items
      // and the table description, so a tenth of its CPU was young-generation GC with Node's
      // default 16 MB semi-space. A larger one is a setting of the stand-in (DynamoDB's CPU is
      // not ours in AWS), never of the ingest process, which runs with Node's defaults as in Lambda.
      '--max-semi-space-size=64',
      // e.g. BENCH_WORLD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile dynalite and the feed host.
      ...(process.env.BENCH_WORLD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'bench/outside-world.ts'),
    ],
    {
      cwd: PROJECT_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const [line] = await new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the bench's feed host and DynamoDB stand-in exited (${code})`)),
    );
    createInterface({ input: child.stdout }).once('line', (first) => resolve([first]));
  });
  return { world: JSON.parse(line!) as World, stop: () => child.stdin.end(), pid: child.pid! };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const { world, stop, pid } = await startOutsideWorld();
  try {
    const config = loadConfig(
      {
        ...process.env,
        TOKEN_SECRET: 'bench-signs-nothing-bench-signs-nothing',
        DYNAMODB_ENDPOINT: world.dynamodb,
        ARTICLES_TABLE: 'bench-articles',
        SUBSCRIBERS_TABLE: 'bench-subscribers',
        DELIVERIES_TABLE: 'bench-deliveries',
        STATE_TABLE: 'bench-state',
      },
      'local',
    );
    const clients = createAwsClients(config);
    await ensureTables(clients.dynamo, config.tables);
    // Requests by operation: the steady measure of the store's work (CPU time swings with the load).
    const requests: Record<string, number> = {};
    clients.dynamo.middlewareStack.add(
      (next, context) => (args) => {
        requests[context.commandName!] = (requests[context.commandName!] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
    const tagger = createTagger(await loadVocabulary(config.contentDir), { terms: true });
    const fetcher = new HttpFeedFetcher({
      timeoutMs: config.fetch.timeoutMs,
      maxBytes: config.fetch.maxBytes,
      userAgent: config.fetch.userAgent,
      allowedLoopbackPorts: [Number(new URL(world.feeds).port)],
    });
    let taggingMs = 0;
    const timedTagger: typeof tagger = (input) => {
      const start = performance.now();
      try {
        return tagger(input);
      } finally {
        taggingMs += performance.now() - start;
      }
    };
    const timer = new IntervalTimer();
    const sources = Array.from({ length: world.sources }, (_, index) => ({
      source: {
        id: `bench-${index}`,
        name: `Journal ${index}`,
        url: `https://journal-${index}.example.org/feed`,
        broad: index % 2 === 0,
        weight: 1,
        enabled: true,
      },
      fetchUrl: `${world.feeds}${index}`,
    }));

    for (const name of Object.keys(requests)) delete requests[name];
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const worldCpuBefore = cpuSecondsOf(pid);
    const summary = await runIngest(
      { sources, siteArticles: [], concurrency: config.fetch.concurrency, maxBytes: config.fetch.maxBytes },
      {
        fetcher,
        articles: new DynamoArticleStore(clients.documents, config.tables.articles),
        sourceState: new DynamoSourceStateStore(clients.documents, config.tables.state),
        tagger: timedTagger,
        clock: systemClock,
        logger: silentLogger,
        timer,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const ingestCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const worldCpuSeconds = cpuSecondsOf(pid) - worldCpuBefore;
    fetcher.close();
    clients.dynamo.destroy();

    const expectedItems = world.sources * world.itemsPerSource;
    if (summary.failures.length > 0 || summary.itemsSeen !== expectedItems) {
      throw new Error(`the ingest did not read every item: ${JSON.stringify(summary)}`);
    }
    if (summary.articlesCreated !== expectedItems - world.sharedWorks) {
      throw new Error(
        `expected ${expectedItems - world.sharedWorks} articles, got ${summary.articlesCreated}`,
      );
    }

    const stages = {
      fetch: timer.busyMs('fetch'),
      parse: timer.busyMs('parse'),
      'normalise (without tagging)': timer.busyMs('normalise') - taggingMs,
      tag: taggingMs,
      'dedupe + store': timer.busyMs('store'),
    };
    const total = Object.values(stages).reduce((sum, ms) => sum + ms, 0);
    console.log(
      `Ingested ${summary.itemsSeen} items from ${world.sources} sources in ${seconds.toFixed(2)} s: ` +
        `${summary.articlesCreated} articles, ${summary.articlesMerged} merged across sources.`,
    );
    console.log('Stage busy time (overlapping sources counted once) and share of the stages’ total:');
    for (const [stage, ms] of Object.entries(stages)) {
      console.log(
        `  ${stage.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${((ms / total) * 100).toFixed(1).padStart(5)} %`,
      );
    }
    const [load1] = loadavg();
    console.log(
      JSON.stringify({
        itemsPerSecond: Math.round(summary.itemsSeen / seconds),
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        items: summary.itemsSeen,
        sources: world.sources,
        seconds: Number(seconds.toFixed(2)),
        stageSeconds: Object.fromEntries(
          Object.entries(stages).map(([stage, ms]) => [stage, Number((ms / 1000).toFixed(2))]),
        ),
        concurrency: config.fetch.concurrency,
        ingestCpuSeconds: Number(ingestCpuSeconds.toFixed(2)),
        dynamoAndFeedHostCpuSeconds: Number(worldCpuSeconds.toFixed(2)),
        dynamoRequests: requests,
        loadAverage1m: Number(load1!.toFixed(2)),
      }),
    );
  } finally {
    stop();
  }
}

await main();
