import { createInterface } from 'node:readline';
import { DEFAULT_CONTENT_DIR } from '../config/config.ts';
import { loadVocabulary } from '../adapters/content/load-content.ts';
import { ingestOnce, planDigestOnce } from '../app/jobs.ts';
import { createTagger } from '../core/tagging/tagger.ts';
import { describeError, ValidationError } from '../core/errors.ts';
import { TOPIC_IDS } from '../model/topics.ts';
import type { Clock } from '../ports/clock.ts';
import { openLocalEnvironment } from './environment.ts';
import { createLocalSender, type DrainEnding } from './local-sender.ts';

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

/**
 * `immuno-digest digest`: one planning + send cycle. Alone it sends through its own local sender and
 * waits for the queue to drain; beside a running `npm start` it enqueues and that instance sends.
 * A daily-quota stop or a problem with SES's setup ends the cycle at once: the unsent jobs stay
 * queued for a later run.
 */
export async function digestCommand(options: {
  now?: string;
  dryRun: boolean;
  ignoreSlot: boolean;
}): Promise<void> {
  const clock = options.now ? fixedClock(options.now) : undefined;
  const environment = await openLocalEnvironment({ ports: 'ephemeral', ...(clock ? { clock } : {}) });
  const { context } = environment;
  const sender = createLocalSender(environment, { waitTimeSeconds: 1 });
  const { totals } = sender;
  try {
    const plan = await planDigestOnce(context, { dryRun: options.dryRun, ignoreSlot: options.ignoreSlot });
    let ending: DrainEnding | 'not-sent' = 'not-sent';
    if (!options.dryRun && !environment.attachedTo && plan.jobs > 0) {
      sender.start();
      ending = await sender.drain(120_000);
      await sender.stop();
    }
    console.log(
      JSON.stringify({
        ...plan,
        dryRun: options.dryRun,
        sentBy: environment.attachedTo
          ? `running instance (pid ${environment.attachedTo.pid})`
          : 'this command',
        digestsSent: totals.sent,
        skipped: totals.skipped,
        failed: totals.failed,
        continued: totals.continued,
        drained: ending === 'drained' || ending === 'not-sent',
        quotaExceeded: ending === 'quota',
        sesConfigurationError: ending === 'ses-configuration',
      }),
    );
    if (ending === 'quota') {
      console.error('immuno-digest: the SES daily sending quota is used up; the unsent digests stay queued.');
      process.exitCode = 2;
    }
    if (ending === 'ses-configuration') {
      console.error(
        'immuno-digest: SES refuses to send until its setup is fixed (see the log above); the unsent digests stay queued.',
      );
      process.exitCode = 2;
    }
  } finally {
    await sender.stop();
    await environment.stop();
  }
}

/**
 * `immuno-digest tag`: JSON lines on stdin, `{"title", "summary"?}`; one JSON line out per line
 * in, same order: `{"topics": [...], "relevant": bool}`. A bad line gets `{"error": ...}` and the
 * rest carry on.
 */
export async function tagCommand(): Promise<void> {
  // Tagging needs the vocabulary and nothing else: no secret, no stand-in.
  const tagger = createTagger(await loadVocabulary(process.env.CONTENT_DIR?.trim() || DEFAULT_CONTENT_DIR));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNumber = 0;
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
    }
  }
}

function parseTagLine(line: string, lineNumber: number): { title: string; summary?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ValidationError(`line ${lineNumber}: not JSON`);
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
