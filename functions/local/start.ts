import type { Server } from 'node:http';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Cron } from 'croner';
import { createApi } from '../api/app.ts';
import { ingestOnce, planDigestOnce } from '../app/jobs.ts';
import { enqueueDueScheduledSends } from '../core/announcements/schedule-send.ts';
import type { IngestSummary } from '../core/ingest/run-ingest.ts';
import type { PlanSummary } from '../core/digest/plan-digest.ts';
import { openLocalEnvironment, type LocalEnvironment } from './environment.ts';
import { createLocalSender, type LocalSender } from './local-sender.ts';
import { seedDemoSubscribers } from './demo-subscribers.ts';
import { backfillNextSlots } from '../adapters/dynamodb/next-slot-migration.ts';
import { closeServer, listenOnLoopback } from './listen.ts';
import { PORT_VARIABLES } from './local-settings.ts';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.ts';

export interface StartOptions {
  readonly once: boolean;
  readonly demo: boolean;
  readonly live: boolean;
}

/** Counts of one local cycle, printed as the last line of `--once`. */
export interface CycleSummary {
  articlesIngested: number;
  articlesMerged: number;
  sourcesFailed: number;
  digestsPlanned: number;
  digestsSent: number;
  digestsSkipped: number;
  failures: number;
  failureDetails: string[];
}

const DRAIN_TIMEOUT_MS = 90_000;

/**
 * How often the local runtime deletes pending subscriptions nobody confirmed in time. In the cloud
 * DynamoDB's TTL does it; the DynamoDB stand-in has no TTL. (Reads never return an expired one
 * either way: the sweep only keeps the table from holding sealed addresses longer than needed.)
 */
const PENDING_SWEEP_SCHEDULE = '*/15 * * * *';
/** Sends scheduled for later are looked for every minute (and at start, for those due meanwhile). */
const SCHEDULED_SENDS_SCHEDULE = '* * * * *';

/**
 * `npm start`: the whole pipeline on the local stand-ins. With --once: one ingest and one digest
 * cycle (every confirmed reader without this week's digest is due), then exit; the last line of
 * stdout is the JSON summary. Without: serve the API, run ingest and the planner on their
 * schedules, and keep going until Ctrl+C.
 */
export async function runStart(options: StartOptions): Promise<CycleSummary | undefined> {
  const environment = await openLocalEnvironment({ live: options.live, ports: 'configured', attach: false });
  const { context, settings } = environment;
  const sender = createLocalSender(environment, {
    waitTimeSeconds: options.once ? 1 : 20,
    // Running, each batch is an event of the timeline; --once sums them up in its last lines.
    ...(options.once ? {} : { onBatch: printSends }),
  });
  const { totals } = sender;

  try {
    printEnvironment(environment, options);
    if (options.demo) {
      const seeded = await seedDemoSubscribers(
        context.subscribers,
        context.clock.now(),
        context.subscriberIds,
      );
      if (seeded > 0)
        logLine(`Seeded ${seeded} demo subscribers (turn off with --no-demo or DEMO_SUBSCRIBERS=false).`);
    }
    // Readers of a .data written before the next-slot index are filed in it, as `migrate
    // next-slots` files a deployment's: the hourly planner reads only that index.
    const backfill = await backfillNextSlots(
      context.clients.documents,
      context.config.tables.subscribers,
      context.clock.now(),
      { dryRun: false },
    );
    if (backfill.indexed > 0)
      logLine(`Filed ${backfill.indexed} readers from before the planner's next-slot index in it.`);
    sender.start();

    if (options.once) {
      const ingest = await ingestOnce(context, { fetchUrlFor: environment.fetchUrlFor });
      printIngest(ingest);
      const plan = await planDigestOnce(context, { ignoreSlot: true });
      printPlan(plan);
      const ending = await sender.drain(DRAIN_TIMEOUT_MS);
      await sender.stop();
      // The mail viewer stops with this process: point at where the emails stay instead.
      logLine(
        `Sent ${totals.sent} digests (${totals.skipped} skipped, ${totals.failed} failed). ` +
          `The emails are kept in ${path.join(settings.dataDir, 'ses-mail.json')}; \`npm start\` shows them at http://localhost:${settings.ports.ses}`,
      );
      const failureDetails = [
        ...ingest.failures.map(
          (failure) => `source ${failure.sourceId}: ${failure.kind}: ${failure.message}`,
        ),
        ...(totals.failed > 0 ? [`${totals.failed} emails rejected`] : []),
        ...(totals.poison > 0 ? [`${totals.poison} poison send jobs`] : []),
        ...(ending === 'quota' ? ['SES daily sending quota used up: the unsent digests stay queued'] : []),
        ...(ending === 'ses-configuration'
          ? ['SES refuses to send until its setup is fixed: the unsent digests stay queued']
          : []),
        ...(ending === 'not-drained'
          ? ['send queue not drained within 90 s: jobs left for the next run']
          : []),
      ];
      return {
        articlesIngested: ingest.articlesCreated,
        articlesMerged: ingest.articlesMerged,
        sourcesFailed: ingest.failures.length,
        digestsPlanned: plan.planned,
        digestsSent: totals.sent,
        digestsSkipped: plan.skippedNoArticles,
        failures: failureDetails.length,
        failureDetails,
      };
    }

    await serveForever(environment, sender);
    return undefined;
  } finally {
    await sender.stop();
    await environment.stop();
  }
}

async function serveForever(environment: LocalEnvironment, sender: LocalSender): Promise<void> {
  const { context, settings, config } = environment;
  const api = createApi(context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' });
  // api.fetch itself, so the node server hands the socket to the app (getConnInfo reads it from there).
  const server = createAdaptorServer({ fetch: api.fetch }) as Server;
  const apiPort = await listenOnLoopback(server, settings.ports.api, 'HTTP API', PORT_VARIABLES.api);
  await writeRuntimeInfo(settings.dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    siteUrl: config.siteUrl,
    endpoints: { ...environment.endpoints, api: `http://127.0.0.1:${apiPort}` },
  });

  let running: Promise<unknown> = Promise.resolve();
  const exclusive = (name: string, job: () => Promise<void>) => {
    // One job at a time: an ingest that overruns its period delays the next instead of overlapping.
    running = running.then(job).catch((error: unknown) => context.logger.error(`${name} failed`, { error }));
    return running;
  };
  const ingest = () =>
    exclusive('ingest', async () =>
      printIngest(await ingestOnce(context, { fetchUrlFor: environment.fetchUrlFor })),
    );
  const plan = () => exclusive('digest planner', async () => printPlan(await planDigestOnce(context)));
  const sweep = () =>
    context.subscribers
      .sweepExpiredPending(context.clock.now())
      .then((swept) => swept > 0 && logLine(`Deleted ${swept} expired pending subscriptions.`))
      .catch((error: unknown) => context.logger.error('pending sweep failed', { error }));
  const startDueSends = () =>
    enqueueDueScheduledSends(context)
      .then((due) => due.length > 0 && logLine(`Scheduled sends due, now sending: ${due.join(', ')}.`))
      .catch((error: unknown) => context.logger.error('scheduled sends check failed', { error }));
  const jobs = [
    new Cron(SCHEDULED_SENDS_SCHEDULE, () => void startDueSends()),
    new Cron(config.schedules.ingest, () => void ingest()),
    new Cron(config.schedules.digest, () => void plan()),
    new Cron(PENDING_SWEEP_SCHEDULE, () => void sweep()),
  ];

  console.log('');
  console.log('Open:');
  console.log(`  Subscribe page        ${config.siteUrl}`);
  console.log(`  Emails sent (SES)     http://localhost:${settings.ports.ses}`);
  console.log(
    `  Admin sends           ${config.siteUrl}/admin  (admin token: ${environment.adminTokenFile ?? 'the ADMIN_TOKEN you set'})`,
  );
  console.log(
    `Schedules: ingest "${config.schedules.ingest}", digest planner "${config.schedules.digest}". Ctrl+C to stop.`,
  );
  console.log('');
  await sweep();
  await startDueSends();
  await ingest();
  await plan();

  await new Promise<void>((resolve) => {
    const shutdown = () => {
      console.log('');
      logLine('Stopping…');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  for (const job of jobs) job.stop();
  await sender.stop();
  await running;
  await closeServer(server);
  await removeRuntimeInfo(settings.dataDir);
}

function printEnvironment(environment: LocalEnvironment, options: StartOptions): void {
  console.log('Immunotherapy Digest — local runtime (no AWS account, no network)');
  console.log(`  Data folder           ${environment.settings.dataDir}`);
  console.log(`  DynamoDB (dynalite)   ${environment.endpoints.dynamodb}`);
  console.log(`  SQS (fauxqs)          ${environment.endpoints.sqs}`);
  console.log(`  SES (aws-ses-v2-local) ${environment.endpoints.ses}`);
  console.log(
    `  Feeds                 ${options.live ? 'live URLs (--live)' : `snapshots served at ${environment.snapshots.baseUrl}`}`,
  );
}

function printIngest(summary: IngestSummary): void {
  logLine(
    `Ingest: ${summary.sourcesFetched} sources fetched, ${summary.sourcesNotModified} not modified, ${summary.itemsSeen} items → ` +
      `${summary.articlesCreated} new articles, ${summary.articlesMerged} merged, ${summary.itemsRejected} rejected, ${summary.failures.length} failed sources`,
  );
  for (const failure of summary.failures) {
    logLine(
      `  ✗ ${failure.sourceId}: ${failure.kind}: ${failure.message} (${failure.consecutiveFailures} in a row)`,
    );
  }
}

/** What one batch of the send queue came to, when it mailed (or refused to mail) anyone. */
function printSends(batch: { sent: number; skipped: number; failed: number; continued: number }): void {
  if (batch.sent + batch.skipped + batch.failed + batch.continued === 0) return;
  const handedOn = batch.continued > 0 ? `, ${batch.continued} jobs handed on for later` : '';
  logLine(
    `Sent ${batch.sent} ${batch.sent === 1 ? 'email' : 'emails'} (${batch.skipped} skipped, ${batch.failed} failed${handedOn})`,
  );
}

/**
 * What a planner run came to. Readers read is what the run looked at: the readers whose next slot
 * fell in the hours since the last run (everyone with --once), not the size of the list.
 */
function printPlan(summary: PlanSummary): void {
  logLine(
    `Digest: ${summary.readersRead} readers read, ${summary.due} due → ${summary.planned} planned in ${summary.groups} groups ` +
      `(${summary.jobs} send jobs), ${summary.skippedNoArticles} with nothing new`,
  );
}

/**
 * A line of what the runtime did (a run, a send, a stop) on stdout, stamped with the wall-clock
 * time like the logger's lines on stderr, so the two read as one timeline. The banner and the
 * JSON summary of --once are not events and stay bare.
 */
function logLine(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}
