import type { DeadLetter, DeadLetterQueue, Redrive } from '../../ports/dead-letter-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { describeError } from '../errors.ts';
import { parseSendJob, type SendJob } from './send-job.ts';

/** What an operator needs to know of one dead letter before redriving it. */
export interface DeadLetterSummary {
  readonly messageId: string;
  /** The job's kind, or 'poison' for a message that is no send job (it would fail again). */
  readonly kind: SendJob['kind'] | 'poison';
  /** The digest id or send id it belongs to; for poison, what is wrong with it. */
  readonly about: string;
  /** Readers the job names (0 for a plan job, which names none yet, and for poison). */
  readonly recipients: number;
  readonly receiveCount: number;
  /** When it was first enqueued (ISO), if the queue says. */
  readonly sentAt: string | undefined;
}

export interface DeadLetterListing {
  /** Messages in the dead-letter queue (approximate). */
  readonly depth: number;
  /** Up to ten of them. */
  readonly letters: readonly DeadLetterSummary[];
}

/** The redrive's account: moved back, left in the DLQ as poison, and what is left there. */
export interface RedriveReport {
  readonly moved: number;
  readonly poison: number;
  readonly remaining: number;
}

export interface DeadLetterDependencies {
  readonly deadLetters: DeadLetterQueue;
  readonly logger: Logger;
}

/** Sums up the dead-letter queue: its depth and a look at up to ten of its messages. */
export async function listDeadLetters(
  deps: Pick<DeadLetterDependencies, 'deadLetters'>,
): Promise<DeadLetterListing> {
  const [depth, letters] = await Promise.all([deps.deadLetters.depth(), deps.deadLetters.peek(10)]);
  return { depth, letters: letters.map(summariseDeadLetter) };
}

/** A dead letter as an operator reads it. */
export function summariseDeadLetter(letter: DeadLetter): DeadLetterSummary {
  const common = {
    messageId: letter.messageId,
    receiveCount: letter.receiveCount,
    sentAt: letter.sentAt === undefined ? undefined : new Date(letter.sentAt).toISOString(),
  };
  const parsed = parseJob(letter);
  if (!parsed.job) return { ...common, kind: 'poison', about: parsed.problem, recipients: 0 };
  const { job } = parsed;
  return {
    ...common,
    kind: job.kind,
    about: job.kind === 'digest' ? job.digestId : job.sendId,
    recipients: job.kind === 'announcement-plan' ? 0 : job.recipients.length,
  };
}

/**
 * Moves every send job of the dead-letter queue back to the send queue, once the cause that put
 * it there is fixed. Redriving is always safe: the delivery ledger skips every reader a job
 * already mailed, so a job redriven twice, or redriven while a copy of it is still on the send
 * queue, mails nobody twice. A job goes back with its stall cleared, so its backoff and its day's
 * horizon start afresh. A message that is no send job (poison) stays in the DLQ: it would only
 * fail again; it is counted, and expires with the queue's retention.
 *
 * @param options.max stop after this many messages (all when absent).
 */
export async function redriveDeadLetters(
  deps: DeadLetterDependencies,
  options: { readonly max?: number } = {},
): Promise<RedriveReport> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  let poison = 0;
  while (moved + poison < max) {
    const letters = await deps.deadLetters.take();
    if (letters.length === 0) break;
    const redrives: Redrive[] = [];
    for (const letter of letters.slice(0, max - moved - poison)) {
      const parsed = parseJob(letter);
      if (!parsed.job) {
        poison += 1;
        deps.logger.warn('dead letter left in the DLQ: it is no send job', {
          messageId: letter.messageId,
          problem: parsed.problem,
        });
        continue;
      }
      const { stalled: _stalled, ...job } = parsed.job as SendJob & { stalled?: unknown };
      redrives.push({ letter, body: JSON.stringify(job) });
    }
    moved += (await deps.deadLetters.moveToSendQueue(redrives)).length;
  }
  const report = { moved, poison, remaining: await deps.deadLetters.depth() };
  deps.logger.info('dead letters redriven', { ...report });
  return report;
}

function parseJob(letter: DeadLetter): { job: SendJob; problem?: never } | { job?: never; problem: string } {
  try {
    return { job: parseSendJob(letter.body) };
  } catch (error) {
    return { problem: describeError(error) };
  }
}
