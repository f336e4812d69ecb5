import type { Clock } from '../../ports/clock.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import { SealedValueError } from '../errors.ts';
import type { AccountEmailJob } from '../delivery/send-job.ts';
import type { DeliveryRun } from '../delivery/deliver-job.ts';
import type { Sealer } from '../tokens/sealed-values.ts';
import { normaliseEmail } from './subscriber-ids.ts';
import { processSubscriptionRequest, type SubscriptionRequest } from './lifecycle.ts';
import { processManageLinkRequest, type AccountRequestDependencies } from './account.ts';

/**
 * The two requests anyone can make by typing an address: "subscribe me" and "email me a link".
 * The API only seals the address and puts the request on the send queue: the same work, the
 * same calls, the same answer whatever the address is (unknown, pending, confirmed, unsubscribed,
 * erased, bounced), so nobody can tell from the answer or from a stopwatch who reads the digest.
 * The sender carries the request out (reads, conditional writes, the email through the rate
 * limiter and retries of every email), where nobody is waiting on it.
 */

export interface RequestQueueDependencies {
  readonly queue: SendQueue<AccountEmailJob>;
  readonly sealer: Sealer;
  readonly clock: Clock;
}

function jobFor(
  email: string,
  request: AccountEmailJob['request'],
  deps: RequestQueueDependencies,
): AccountEmailJob {
  return {
    kind: 'account-email',
    version: 1,
    // Sealed: the queue, its DLQ and anything that logs a job never hold an address in clear.
    address: deps.sealer.seal(normaliseEmail(email), 'queued-address'),
    request,
    requestedAt: deps.clock.now().toISOString(),
  };
}

export async function queueSubscriptionRequest(
  request: SubscriptionRequest,
  deps: RequestQueueDependencies,
): Promise<void> {
  const job = jobFor(
    request.email,
    {
      type: 'subscribe',
      topics: [...request.topics],
      delivery: request.delivery,
      ...(request.country ? { country: request.country } : {}),
    },
    deps,
  );
  await deps.queue.enqueue([job]);
}

export async function queueManageLinkRequest(email: string, deps: RequestQueueDependencies): Promise<void> {
  await deps.queue.enqueue([jobFor(email, { type: 'manage-link' }, deps)]);
}

/** What the sender made of one account-email job. */
export interface AccountEmailResult {
  readonly sent: number;
  /** Not done for a reason that may pass (SES, the quota): the message must come back. */
  readonly retry: boolean;
  /** Its address does not open (altered, or sealed under a secret we no longer hold): drop it. */
  readonly poison: boolean;
}

/**
 * Carries out one queued request on the sender. `run.stoppedBy` is the batch's stop (the daily
 * quota, or SES unavailable or misconfigured for every send): once set, no request sends, and
 * each comes back later like the digests it shares the quota with.
 */
export async function deliverAccountEmail(
  job: AccountEmailJob,
  deps: AccountRequestDependencies,
  run: Pick<DeliveryRun, 'stoppedBy'>,
): Promise<AccountEmailResult> {
  if (run.stoppedBy) return { sent: 0, retry: true, poison: false };
  let email: string;
  try {
    email = deps.sealer.open(job.address, 'queued-address');
  } catch (error) {
    if (!(error instanceof SealedValueError)) throw error;
    deps.logger.error('account-email job whose address does not open: dropped', { error });
    return { sent: 0, retry: false, poison: true };
  }
  const outcome =
    job.request.type === 'subscribe'
      ? await processSubscriptionRequest(
          {
            email,
            topics: job.request.topics,
            delivery: job.request.delivery,
            ...(job.request.country ? { country: job.request.country } : {}),
          },
          deps,
        )
      : await processManageLinkRequest(email, deps);
  if (outcome === 'quota') run.stoppedBy ??= 'quota';
  return {
    sent: outcome === 'sent' ? 1 : 0,
    retry: outcome === 'retry' || outcome === 'quota',
    poison: false,
  };
}
