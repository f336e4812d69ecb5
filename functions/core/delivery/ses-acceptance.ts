import type { DeliveryKey, DeliveryRecord } from '../../model/deliveries.ts';
import type { DeliveryClaims, SesAcceptances } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';

/**
 * SES's Send event for one email: SES accepted it as `messageId` at `at`. `key` is the ledger
 * item the email's tags name; undefined for an email that settles none (a confirmation, a test
 * send) or whose tags could not be read.
 */
export interface SesAcceptance {
  readonly kind: 'accepted';
  readonly key: DeliveryKey | undefined;
  readonly messageId: string;
  readonly at: Date;
}

export interface AcceptanceOutcome {
  /**
   * Recorded on its item; recorded, but the item was sent as another email (a second copy went
   * out: the event came after a takeover); no item of that key (never claimed, anonymised,
   * expired); no key at all.
   */
  readonly acceptance: 'recorded' | 'second-copy' | 'unknown-item' | 'untagged';
}

/**
 * Writes SES's acceptance on the ledger item the email names. Idempotent and order-free: the
 * first acceptance recorded stays, and it is written whatever the item's status (usually its
 * sender has marked it sent already; when the sender died first, the acceptance is what keeps the
 * next sender from mailing the reader again). An event naming no item is logged and dropped,
 * never retried: nothing could make it apply later. An item sent as another message than this
 * one means the reader got two copies (the event arrived after the claim was taken over): never
 * expected, so logged as an error for the operator.
 */
export async function recordSesAcceptance(
  event: SesAcceptance,
  deps: { readonly ledger: SesAcceptances; readonly logger: Logger },
): Promise<AcceptanceOutcome> {
  if (!event.key) return { acceptance: 'untagged' };
  const context = {
    digestId: event.key.digestId,
    subscriberId: event.key.subscriberId,
    messageId: event.messageId,
  };
  const record = await deps.ledger.recordAccepted(event.key, event.messageId, event.at);
  if (!record) {
    deps.logger.warn('SES accepted an email whose ledger item is not there: dropped', context);
    return { acceptance: 'unknown-item' };
  }
  if (record.status === 'sent' && record.messageId !== undefined && record.messageId !== event.messageId) {
    deps.logger.error('SES accepted a second copy of an email: its Send event came after the takeover', {
      ...context,
      sentAs: record.messageId,
    });
    return { acceptance: 'second-copy' };
  }
  return { acceptance: 'recorded' };
}

/**
 * A claim that could not be taken because SES had accepted its email: its sender died between
 * SES's answer and the ledger write. Recorded as sent with SES's message id and time, never sent
 * again. Only once its lease has expired: until then its sender may be alive and record it itself.
 * True when this call recorded it.
 */
export async function settleAcceptedClaim(
  existing: DeliveryRecord,
  now: Date,
  deps: { readonly ledger: DeliveryClaims; readonly logger: Logger },
): Promise<boolean> {
  const { acceptedMessageId, acceptedAt, leaseUntil } = existing;
  if (existing.status !== 'claimed' || acceptedMessageId === undefined || acceptedAt === undefined)
    return false;
  if (leaseUntil !== undefined && leaseUntil >= now.toISOString()) return false;
  const key = { digestId: existing.digestId, subscriberId: existing.subscriberId };
  const recorded = await deps.ledger.markAcceptedSent(key, acceptedMessageId, new Date(acceptedAt));
  if (recorded) {
    deps.logger.info('SES had accepted this email before its sender died: recorded as sent, not sent again', {
      ...key,
      messageId: acceptedMessageId,
    });
  }
  return recorded;
}
