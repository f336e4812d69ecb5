import type { AdminActor } from '../../model/announcements.ts';
import type { DeliveryStatus } from '../../model/deliveries.ts';
import type { ReaderAuditEntry, ReaderState } from '../../model/list-health.ts';
import type { DeliverySlot } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { ReaderDeliveries } from '../../ports/delivery-ledger.ts';
import type { ReaderAuditLog } from '../../ports/list-health.ts';
import type { Logger } from '../../ports/logger.ts';
import type {
  PendingSubscriptions,
  SubscriberReader,
  SubscriberStatuses,
} from '../../ports/subscriber-store.ts';
import { announcementLedgerId } from '../announcements/announcement.ts';
import { ValidationError } from '../errors.ts';
import { asciiAddress } from '../subscribers/email-address.ts';
import { newInstance, normaliseEmail, type SubscriberIds } from '../subscribers/subscriber-ids.ts';
import { lastWeeks } from './reader-counts.ts';

/**
 * Readers one at a time, for the editors who answer support mail and `mailto:` unsubscribe
 * requests: find one reader by their exact address (a keyed lookup: the address is turned into
 * its keyed id, so there is no way to browse or search addresses), see where they stand, and
 * unsubscribe or suppress them by hand with a reason. Each change is audited under the keyed id
 * (who, when, why) and logged without the address.
 */

const REASON_MAX = 500;
/** The digests a reader's page lists: the weeks of the last two months. */
const DIGEST_WEEKS_SHOWN = 9;

export interface ReaderDeskDependencies {
  readonly subscribers: SubscriberReader &
    Pick<SubscriberStatuses, 'setStatus' | 'suppress'> &
    Pick<PendingSubscriptions, 'readAddress' | 'deletePending'>;
  readonly subscriberIds: SubscriberIds;
  readonly ledger: Pick<ReaderDeliveries, 'listForReader'>;
  readonly adminSends: Pick<AdminSendStore, 'listRecent'>;
  readonly readerAudit: ReaderAuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ReaderDigest {
  readonly digestId: string;
  readonly status: DeliveryStatus;
  readonly at: string | undefined;
}

/** One address as the table holds it. `state` is 'unknown' when nothing is stored for it. */
export interface ReaderView {
  /** The keyed id: what logs and the audit name the reader by. */
  readonly subscriberId: string;
  readonly state: ReaderState | 'unknown';
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot | undefined;
  readonly subscribedAt: string | undefined;
  readonly confirmedAt: string | undefined;
  readonly lastDigestAt: string | undefined;
  /** A request waiting for its confirmation, beside the record. */
  readonly pending: { readonly requestedAt: string; readonly expiresAt: string } | undefined;
  /** The suppression entry of an erased, bounced or complained address with no live record. */
  readonly suppressedAt: string | undefined;
  readonly lastDigests: readonly ReaderDigest[];
  readonly audit: readonly ReaderAuditEntry[];
}

/** The address as the sign-up form keeps it; refuses what could never be an address. */
function addressOf(email: string): string {
  const trimmed = normaliseEmail(email);
  const ascii = asciiAddress(trimmed);
  if (!ascii.ok) throw new ValidationError(ascii.problem, [`email: ${ascii.problem}`]);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(ascii.address)) {
    throw new ValidationError('not an email address', ['email: enter the reader’s whole address']);
  }
  return ascii.address;
}

export async function findReader(email: string, deps: ReaderDeskDependencies): Promise<ReaderView> {
  const subscriberId = deps.subscriberIds.idFor(addressOf(email));
  return readerView(subscriberId, deps);
}

async function readerView(subscriberId: string, deps: ReaderDeskDependencies): Promise<ReaderView> {
  const now = deps.clock.now();
  const [records, audit, sends] = await Promise.all([
    deps.subscribers.readAddress(subscriberId, now),
    deps.readerAudit.list(subscriberId),
    deps.adminSends.listRecent(now, 2),
  ]);
  const ledgerIds = [
    ...lastWeeks(new Date(now.getTime() + 7 * 86_400_000), DIGEST_WEEKS_SHOWN).map(
      (week) => `weekly-${week}`,
    ),
    ...sends.filter((send) => send.sentAt).map((send) => announcementLedgerId(send.sendId)),
  ];
  const rows = await deps.ledger.listForReader(subscriberId, ledgerIds);
  const { subscriber, suppression, pending } = records;
  const state: ReaderView['state'] = subscriber
    ? subscriber.status === 'confirmed' && subscriber.paused
      ? 'paused'
      : subscriber.status
    : suppression
      ? suppression.reason
      : pending
        ? 'pending'
        : 'unknown';
  return {
    subscriberId,
    state,
    topics: subscriber?.topics ?? pending?.topics ?? [],
    delivery: subscriber?.delivery ?? pending?.delivery,
    subscribedAt: subscriber?.createdAt,
    confirmedAt: subscriber?.consent?.at,
    lastDigestAt: subscriber?.lastDigestAt,
    pending: pending ? { requestedAt: pending.requestedAt, expiresAt: pending.expiresAt } : undefined,
    suppressedAt: suppression?.erasedAt,
    lastDigests: rows
      .map((row) => ({ digestId: row.digestId, status: row.status, at: row.sentAt ?? row.claimedAt }))
      .sort((a, b) => (b.at ?? '').localeCompare(a.at ?? '')),
    audit,
  };
}

export type HandAction = ReaderAuditEntry['action'];

export interface HandChange {
  readonly outcome: 'unsubscribed' | 'suppressed' | 'already';
  readonly reader: ReaderView;
}

/**
 * Unsubscribes a reader by hand (a `mailto:` request, a support mail): their subscription ends as
 * their own one-click unsubscribe ends it (every link of it dies), and a waiting request is
 * dropped; they may subscribe again. Suppressing goes further: the address is marked as
 * complained, the strongest mark there is, so nothing (not even a new sign-up) mails it again.
 * Both are audited; the reason is required.
 *
 * @throws ValidationError for a bad address or a missing or overlong reason.
 */
export async function changeReaderByHand(
  email: string,
  action: HandAction,
  reason: string,
  by: AdminActor,
  deps: ReaderDeskDependencies,
): Promise<HandChange> {
  const address = addressOf(email);
  const why = reason.trim();
  if (why === '') throw new ValidationError('no reason', ['reason: say why (it is kept in the audit)']);
  if (why.length > REASON_MAX) {
    throw new ValidationError('reason too long', [`reason: at most ${REASON_MAX} characters`]);
  }
  const subscriberId = deps.subscriberIds.idFor(address);
  const now = deps.clock.now();
  const { subscriber, suppression, pending } = await deps.subscribers.readAddress(subscriberId, now);
  let outcome: HandChange['outcome'] = 'already';
  if (action === 'unsubscribe') {
    if (subscriber && (subscriber.status === 'confirmed' || subscriber.status === 'pending')) {
      const left = await deps.subscribers.setStatus(subscriberId, 'unsubscribed', now, {
        expectedInstance: subscriber.instance,
        newInstance: newInstance(),
      });
      if (left) outcome = 'unsubscribed';
    }
    if (pending) {
      await deps.subscribers.deletePending(subscriberId, pending.instance);
      outcome = 'unsubscribed';
    }
  } else if (subscriber) {
    if (subscriber.status !== 'complained') {
      await deps.subscribers.setStatus(subscriberId, 'complained', now);
      outcome = 'suppressed';
    }
    if (pending) await deps.subscribers.deletePending(subscriberId, pending.instance);
  } else if (suppression?.reason !== 'complained') {
    // No live record (never subscribed, erased, or only a request): the suppression entry alone
    // keeps the address from being mailed; it deletes a waiting request too.
    await deps.subscribers.suppress(subscriberId, 'complained', now);
    outcome = 'suppressed';
  }
  await deps.readerAudit.record(subscriberId, { at: now.toISOString(), by, action, reason: why, outcome });
  deps.logger.info('reader changed by an admin', { subscriberId, action, outcome, by });
  return { outcome, reader: await readerView(subscriberId, deps) };
}
