import type { JobOutcome } from './deliver-job.ts';
import type { DeliveryJob } from './send-job.ts';
import { continuationDelaySeconds, outlivedStallHorizon, stallAfter, type Stall } from './send-policy.ts';

/**
 * What becomes of a job that ended early: nothing (it did not), a continuation of its unsent
 * recipients enqueued after a delay, or — once SES has taken none of its emails for
 * STALL_HORIZON_MS — its message back on the queue whole, on its way to the dead-letter queue.
 */
export type HandOn =
  | { readonly action: 'done' }
  | { readonly action: 'continue'; readonly job: DeliveryJob; readonly delaySeconds: number }
  | { readonly action: 'give-up'; readonly stalled: Stall };

/**
 * The send policy applied to one job's outcome (send-policy.ts says why each delay is what it
 * is). A continuation is a new message: it carries its stall in its body, so the backoff keeps
 * growing and the horizon is kept across hand-ons although SQS counts its receives afresh.
 *
 * @param random the jitter of the delay (Math.random unless a test fixes it).
 */
export function handOn(
  job: DeliveryJob,
  outcome: JobOutcome,
  now: Date,
  random: () => number = Math.random,
): HandOn {
  if (!outcome.remaining || !outcome.interruption) return { action: 'done' };
  const stalled = stallAfter(job.stalled, outcome.interruption, outcome.sent > 0, now);
  if (stalled && outlivedStallHorizon(stalled, outcome.interruption, now))
    return { action: 'give-up', stalled };
  const { stalled: _previous, ...remaining } = outcome.remaining;
  return {
    action: 'continue',
    job: stalled ? { ...remaining, stalled } : remaining,
    delaySeconds: continuationDelaySeconds(outcome.interruption, stalled?.handOns ?? 1, random),
  };
}
