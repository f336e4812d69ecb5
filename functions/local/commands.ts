import { createInterface } from 'node:readline';
import { DEFAULT_CONTENT_DIR } from '../config/config.ts';
import { loadVocabulary } from '../adapters/content/load-content.ts';
import { ingestOnce, planDigestOnce } from '../app/jobs.ts';
import { createTagger } from '../core/tagging/tagger.ts';
import { describeError, ValidationError } from '../core/errors.ts';
import { TOPIC_IDS } from '../model/topics.ts';
import type { Clock } from '../ports/clock.ts';
import type { DeliveryKey } from '../model/deliveries.ts';
import type { SendJob } from '../core/delivery/send-job.ts';
import type { SendQueue } from '../ports/send-queue.ts';
import { openLocalEnvironment } from './environment.ts';
import { createLocalSender, type DrainEnding } from './local-sender.ts';
import { followDeliveries, type DeliveryProgress } from './follow-deliveries.ts';
import { isRunning, type RuntimeInfo } from './runtime-file.ts';
import { EXIT_CODES } from './exit-codes.ts';

/** `immuno-digest ingest`: one ingest run on the local data; prints the run summary as JSON. */
export async function ingestCommand(options: { live: boolean }): Promise<void> {
  const environment = await openLocalEnvironment({ live: options.live, ports: 'ephemeral' });
  try {
    const summary = await ingestOnce(environment.context, { fetchUrlFor: environment.fetchUrlFor });
    console.log(JSON.stringify(summary));
  } finally {
    await environment.stop();
  }
}

/** How long `digest` waits for a running instance that stops making progress on its digests. */
const HAND_OVER_STALL_MS = 60_000;

/**
 * `immuno-digest digest`: one planning + send cycle. Alone it sends through its own local sender and
 * waits for the queue to drain. Beside a running `npm start` it enqueues, that instance sends, and
 * the command follows the ledger until each reader it planned has an outcome, then reports what
 * the instance sent (or, if the instance stops making progress, what is still queued and where to
 * look). A daily-quota stop or a problem with SES's setup ends the cycle at once: the unsent jobs
 * stay queued for a later run.
 */
export async function digestCommand(options: {
  now?: string;
  dryRun: boolean;
  ignoreSlot: boolean;
}): Promise<void> {
  const clock = options.now ? fixedClock(options.now) : undefined;
  const environment = await openLocalEnvironment({ ports: 'ephemeral', ...(clock ? { clock } : {}) });
  const { context, attachedTo } = environment;
  const sender = createLocalSender(environment, { waitTimeSeconds: 1 });
  const { totals } = sender;
  try {
    // The readers this run puts on the queue, as the jobs name them: the ledger says what became of each.
    const handedOver: DeliveryKey[] = [];
    const queue: SendQueue<SendJob> = {
      async enqueue(jobs, enqueueOptions) {
        await context.queue.enqueue(jobs, enqueueOptions);
        for (const job of jobs) {
          if (job.kind !== 'digest') continue;
          for (const { subscriberId } of job.recipients)
            handedOver.push({ digestId: job.digestId, subscriberId });
        }
      },
    };
    const plan = await planDigestOnce(
      { ...context, queue },
      { dryRun: options.dryRun, ignoreSlot: options.ignoreSlot },
    );
    let ending: DrainEnding | 'not-sent' = 'not-sent';
    let outcome: Omit<DeliveryProgress, 'total'> = { sent: 0, skipped: 0, failed: 0, pending: 0 };
    if (attachedTo && handedOver.length > 0) {
      const followed = await followDeliveries(context.ledger, handedOver, {
        stallMs: HAND_OVER_STALL_MS,
        pollMs: 500,
        senderAlive: () => isRunning(attachedTo),
      });
      console.log(handOverLine(attachedTo, followed, environment.endpoints.ses));
      outcome = followed;
    } else if (!options.dryRun && !attachedTo && plan.jobs > 0) {
      sender.start();
      ending = await sender.drain(120_000);
      await sender.stop();
      const done = totals.sent + totals.skipped + totals.failed;
      const pending = ending === 'drained' ? 0 : Math.max(0, plan.planned - done);
      outcome = { sent: totals.sent, skipped: totals.skipped, failed: totals.failed, pending };
    }
    const drained = attachedTo ? outcome.pending === 0 : ending === 'drained' || ending === 'not-sent';
    console.log(
      JSON.stringify({
        ...plan,
        dryRun: options.dryRun,
        sentBy: options.dryRun
          ? 'nobody (dry run)'
          : attachedTo
            ? `running instance (pid ${attachedTo.pid})`
            : 'this command',
        handedOver: attachedTo !== undefined && handedOver.length > 0,
        digestsSent: outcome.sent,
        skipped: outcome.skipped,
        failed: outcome.failed,
        pending: outcome.pending,
        continued: totals.continued,
        drained,
        quotaExceeded: ending === 'quota',
        sesConfigurationError: ending === 'ses-configuration',
      }),
    );
    if (ending === 'quota') {
      console.error('immuno-digest: the SES daily sending quota is used up; the unsent digests stay queued.');
      process.exitCode = EXIT_CODES.stoppedEarly;
    } else if (ending === 'ses-configuration') {
      console.error(
        'immuno-digest: SES refuses to send until its setup is fixed (see the log above); the unsent digests stay queued.',
      );
      process.exitCode = EXIT_CODES.stoppedEarly;
    } else if (!drained) {
      process.exitCode = EXIT_CODES.stoppedEarly;
    }
  } finally {
    await sender.stop();
    await environment.stop();
  }
}

/** What the running instance did with the digests this command handed it, in one sentence. */
function handOverLine(instance: RuntimeInfo, outcome: DeliveryProgress, mailViewer: string): string {
  const counts = `${outcome.sent} sent, ${outcome.skipped} skipped, ${outcome.failed} failed`;
  const handed = `Handed ${outcome.total} ${outcome.total === 1 ? 'digest' : 'digests'} to the running instance (pid ${instance.pid})`;
  if (outcome.pending === 0)
    return `${handed}, which is done with them: ${counts}. See them at ${mailViewer}`;
  const why = isRunning(instance)
    ? `still queued after ${HAND_OVER_STALL_MS / 1000} s without progress; it keeps sending them`
    : 'not sent: the instance stopped; they stay queued for the next `npm start`';
  return `${handed}: ${counts} so far, ${outcome.pending} ${why}. See its console and ${mailViewer}`;
}

/**
 * `immuno-digest tag`: JSON lines on stdin, `{"title", "summary"?}`; one JSON line out per line
 * in, same order: `{"topics": [...], "relevant": bool}`. A bad line gets `{"error": ...}` and the
 * rest carry on; at the end each bad line is named on stderr and the command exits 2 (bad input),
 * so a pipeline does not take a half-tagged file for a whole one.
 */
export async function tagCommand(): Promise<void> {
  // Tagging needs the vocabulary and nothing else: no secret, no stand-in.
  const tagger = createTagger(await loadVocabulary(process.env.CONTENT_DIR?.trim() || DEFAULT_CONTENT_DIR));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNumber = 0;
  const badLines: string[] = [];
  const failures: string[] = [];
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    try {
      const input = parseTagLine(line, lineNumber);
      const result = tagger({ title: input.title, ...(input.summary ? { summary: input.summary } : {}) });
      const topics = TOPIC_IDS.filter((id) => (result.topics[id] ?? 0) > 0);
      process.stdout.write(`${JSON.stringify({ topics, relevant: result.relevant })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ error: describeError(error) })}\n`);
      if (error instanceof ValidationError) badLines.push(error.message);
      else failures.push(`line ${lineNumber}: ${describeError(error)}`);
    }
  }
  for (const problem of [...badLines, ...failures]) console.error(`immuno-digest: tag: ${problem}`);
  if (badLines.length > 0) process.exitCode = EXIT_CODES.badInput;
  else if (failures.length > 0) process.exitCode = EXIT_CODES.failure;
}

function parseTagLine(line: string, lineNumber: number): { title: string; summary?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ValidationError(`line ${lineNumber}: not JSON (each line must be one JSON object)`);
  }
  const record = value as { title?: unknown; summary?: unknown };
  if (typeof record !== 'object' || record === null || typeof record.title !== 'string') {
    throw new ValidationError(`line ${lineNumber}: expected {"title": "...", "summary": "..."}`);
  }
  return { title: record.title, ...(typeof record.summary === 'string' ? { summary: record.summary } : {}) };
}

/** A clock that starts at the given instant and then runs at real speed. */
export function fixedClock(iso: string): Clock {
  const start = Date.parse(iso);
  if (Number.isNaN(start))
    throw new ValidationError(`--now: "${iso}" is not an ISO date-time such as 2026-11-30T09:00:00Z`);
  const realStart = Date.now();
  return { now: () => new Date(start + (Date.now() - realStart)) };
}
