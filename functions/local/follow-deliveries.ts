import type { DeliveryKey } from '../model/deliveries.ts';
import type { DeliveryReports } from '../ports/delivery-ledger.ts';

/** Where the deliveries a command handed to another process's sender stand. */
export interface DeliveryProgress {
  readonly total: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Not yet sent, skipped or failed: still queued, or being sent. */
  readonly pending: number;
}

export interface FollowOptions {
  /** Stop waiting when nothing has moved for this long (the sender may be stopped or throttled). */
  readonly stallMs: number;
  readonly pollMs: number;
  /** Stop waiting at once when this says the sender has gone. */
  readonly senderAlive: () => boolean;
}

/**
 * Follows deliveries in the ledger until each has an outcome, nothing moves for `stallMs`, or the
 * sender is gone: how `digest` beside a running `npm start` learns what that instance sent, in
 * place of its own sender's counts (which are zero, since it sent nothing itself).
 */
export async function followDeliveries(
  ledger: DeliveryReports,
  keys: readonly DeliveryKey[],
  options: FollowOptions,
): Promise<DeliveryProgress> {
  const wanted = new Map<string, Set<string>>();
  for (const { digestId, subscriberId } of keys) {
    wanted.set(digestId, (wanted.get(digestId) ?? new Set()).add(subscriberId));
  }
  let progress = await progressOf(ledger, wanted);
  let lastMove = Date.now();
  while (progress.pending > 0 && Date.now() - lastMove < options.stallMs && options.senderAlive()) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    const next = await progressOf(ledger, wanted);
    if (next.pending !== progress.pending) lastMove = Date.now();
    progress = next;
  }
  return progress;
}

async function progressOf(
  ledger: DeliveryReports,
  wanted: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<DeliveryProgress> {
  const counts = { total: 0, sent: 0, skipped: 0, failed: 0, pending: 0 };
  for (const [digestId, subscribers] of wanted) {
    const outcomes = new Map(
      (await ledger.listForDigest(digestId)).map((record) => [record.subscriberId, record.status]),
    );
    for (const subscriberId of subscribers) {
      const status = outcomes.get(subscriberId);
      counts.total += 1;
      if (status === 'sent' || status === 'skipped' || status === 'failed') counts[status] += 1;
      else counts.pending += 1;
    }
  }
  return counts;
}
