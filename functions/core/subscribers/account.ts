import type { DeliveryRecord } from '../../model/deliveries.ts';
import { countryName } from '../../model/countries.ts';
import { LEDGER_RETENTION_DAYS } from '../../model/deliveries.ts';
import type { Subscriber } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { AdminSendStore, TestAudit, TestOfSend } from '../../ports/admin-send-store.ts';
import type { ReaderDeliveries } from '../../ports/delivery-ledger.ts';
import type { ReaderAuditEntry } from '../../model/list-health.ts';
import type { ReaderAuditLog } from '../../ports/list-health.ts';
import type { AccountEmailRenderer } from '../rendering/account-emails.ts';
import { announcementLedgerId } from '../announcements/announcement.ts';
import { nextSlotAfterChange, weeklyDigestId } from '../digest/schedule.ts';
import type { TokenSubject } from '../tokens/tokens.ts';
import { CONSENT_WORDINGS } from './consent.ts';
import { normaliseEmail } from './subscriber-ids.ts';
import {
  resendConfirmation,
  subscriptionOf,
  type LifecycleDependencies,
  type RequestDependencies,
} from './lifecycle.ts';
import { mailLink, MANAGE_LINK_INTERVAL_MS, sentRecently, type LinkEmailOutcome } from './link-emails.ts';

/**
 * What a reader can do with their own subscription besides topics and timing: get a fresh
 * manage link by email, pause, download everything we hold about them, and have it erased.
 */

export { MANAGE_LINK_INTERVAL_MS } from './link-emails.ts';

export interface AccountRequestDependencies extends RequestDependencies {
  readonly accountEmails: AccountEmailRenderer;
}

/**
 * Carries out "email me a link to manage my subscription" (on the sender, from the send queue;
 * the requester was answered the same whatever the address). A confirmed or unsubscribed reader
 * gets a manage link (they may still want their data), at most one an hour; an address with a
 * pending subscription only gets its confirmation again (at most one a day); a bounced,
 * complained, erased or unknown address, nothing.
 */
export async function processManageLinkRequest(
  email: string,
  deps: AccountRequestDependencies,
): Promise<LinkEmailOutcome> {
  const now = deps.clock.now();
  const address = normaliseEmail(email);
  const subscriberId = deps.subscriberIds.idFor(address);
  const { subscriber, suppression, pending } = await deps.subscribers.readAddress(subscriberId, now);
  if (subscriber && (subscriber.status === 'confirmed' || subscriber.status === 'unsubscribed')) {
    if (sentRecently('manage-link', subscriber.manageLinkSentAt, now)) return 'not-sent';
    if (!(await deps.subscribers.claimManageLinkEmail(subscriberId, now, MANAGE_LINK_INTERVAL_MS)))
      return 'not-sent';
    return mailLink(
      'manage-link',
      subscriber.email,
      { subscriberId, instance: subscriber.instance },
      (url) => deps.accountEmails.renderManageLink(url),
      () => deps.subscribers.releaseEmailClaim(subscriberId, 'manage-link', now),
      deps,
    );
  }
  if (subscriber && subscriber.status !== 'pending') return 'not-sent';
  if (suppression && suppression.reason !== 'erased') return 'not-sent';
  return pending ? resendConfirmation(address, pending, deps) : 'not-sent';
}

/**
 * Pauses or resumes a confirmed reader's digest; the planner and the sender both honour it. A
 * resume counts from now: the next digest comes at the reader's next slot, not at once.
 */
export async function setPaused(
  subject: TokenSubject,
  paused: boolean,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<Subscriber | undefined> {
  const subscriber = await subscriptionOf(subject, deps);
  if (!subscriber || subscriber.status !== 'confirmed') return subscriber;
  const now = deps.clock.now();
  const resumed = !paused && subscriber.paused === true;
  const change = resumed ? { paused, scheduleFrom: now.toISOString() } : { paused };
  const fields = { ...change, nextSlotAt: nextSlotAfterChange(subscriber, change, now) };
  if (!(await deps.subscribers.updateProfile(subject.subscriberId, fields, now, subject.instance)))
    return undefined;
  return deps.subscribers.get(subject.subscriberId);
}

/**
 * What erasure and the export read besides the subscriber: the delivery ledger, the admin-send
 * audit, and the audit of changes an admin made to the reader by hand.
 */
export interface ReaderRecordsDependencies {
  readonly ledger: ReaderDeliveries;
  readonly adminSends: TestAudit & Pick<AdminSendStore, 'listRecent'>;
  readonly readerAudit: Pick<ReaderAuditLog, 'list' | 'forget'>;
  readonly clock: { now(): Date };
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The ledger ids a reader can have rows under: every week's digest id within the ledger's
 * retention (a week either side, for the time zones), and every admin send of those months.
 */
async function ledgerIdsOf(deps: ReaderRecordsDependencies): Promise<string[]> {
  const now = deps.clock.now();
  const utc = { weekday: 1, hour: 0, timeZone: 'UTC' };
  const ids = new Set<string>();
  for (let day = -7; day <= LEDGER_RETENTION_DAYS + 7; day += 1) {
    ids.add(weeklyDigestId(utc, new Date(now.getTime() - day * DAY_MS)));
  }
  const months = Math.ceil(LEDGER_RETENTION_DAYS / 30) + 1;
  for (const send of await deps.adminSends.listRecent(now, months))
    ids.add(announcementLedgerId(send.sendId));
  return [...ids];
}

/**
 * Erases a reader (GDPR art. 17). Of their subscription nothing stays but the keyed hash of their
 * address as a suppression entry (so nothing but their own new double opt-in mails it again); their
 * delivery-ledger rows lose their id, message id and reason (the counts of each send stay right);
 * admin test sends to their address keep who sent what when, not to whom; the changes an admin made
 * to them by hand (whose reasons are free text) are deleted. The ledger and the audits
 * go first: if the erasure is interrupted, the reader's link still works to finish it. Returns
 * false when there was no subscription to erase.
 */
export async function eraseSubscriber(
  subscriberId: string,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock' | 'logger'> & ReaderRecordsDependencies,
): Promise<boolean> {
  const ledgerRows = await deps.ledger.anonymiseReader(subscriberId, await ledgerIdsOf(deps));
  const auditEntries = await deps.adminSends.anonymiseTestsTo(subscriberId);
  const handChanges = await deps.readerAudit.forget(subscriberId);
  const erased = await deps.subscribers.erase(subscriberId, deps.clock.now());
  if (erased) deps.logger.info('subscriber erased', { subscriberId, ledgerRows, auditEntries, handChanges });
  return erased;
}

/** The rows about a reader that their export lists besides their subscription. */
export interface ReaderRecords {
  readonly deliveries: readonly DeliveryRecord[];
  readonly adminTests: readonly TestOfSend[];
  /** Changes an admin made to the reader by hand: unsubscribed or suppressed, by whom, when, why. */
  readonly handChanges: readonly ReaderAuditEntry[];
}

export async function readerRecords(
  subscriberId: string,
  deps: ReaderRecordsDependencies,
): Promise<ReaderRecords> {
  const [deliveries, adminTests, handChanges] = await Promise.all([
    deps.ledger.listForReader(subscriberId, await ledgerIdsOf(deps)),
    deps.adminSends.listTestsTo(subscriberId),
    deps.readerAudit.list(subscriberId),
  ]);
  return { deliveries, adminTests, handChanges };
}

export interface SubscriberDataExport {
  readonly exportedAt: string;
  readonly about: string;
  readonly subscription: Record<string, unknown>;
  readonly consent: Record<string, unknown> | null;
  readonly deliveries: Record<string, unknown>;
  readonly emailLimits: Record<string, unknown>;
  /** The delivery ledger's rows about the reader: which digest or announcement, when, and what came of it. */
  readonly deliveryLog: readonly Record<string, unknown>[];
  /** Admin test sends of an announcement to the reader's address. */
  readonly adminTestSends: readonly Record<string, unknown>[];
  /** Changes the editors made to the subscription by hand (a `mailto:` unsubscribe, a suppression). */
  readonly changesByEditors: readonly Record<string, unknown>[];
}

/**
 * Everything we hold about a reader, in words they can read (GDPR art. 15 and 20). Fields this
 * function does not know yet are exported as they are: a new attribute can never be left out.
 */
export function exportSubscriberData(
  subscriber: Subscriber,
  topicLabels: Readonly<Record<TopicId, string>>,
  now: Date,
  records: ReaderRecords = { deliveries: [], adminTests: [], handChanges: [] },
): SubscriberDataExport {
  const {
    subscriberId,
    instance: _instance,
    email,
    topics,
    status,
    delivery,
    country,
    createdAt,
    updatedAt,
    paused,
    demo,
    consent,
    lastDigestAt,
    lastDigestId,
    plannedDigestId,
    plannedAt,
    softBounces,
    confirmationSentAt,
    manageLinkSentAt,
    ...unexpected
  } = subscriber;
  return {
    exportedAt: now.toISOString(),
    about: `All the data Immunotherapy Digest holds about you. The delivery log keeps, for ${LEDGER_RETENTION_DAYS} days, which digest or announcement was sent to your id, when, and the message id the mail service gave it; it holds no address.`,
    subscription: {
      email,
      id: subscriberId,
      status,
      paused: paused ?? false,
      topics: topics.map((id) => ({ id, label: topicLabels[id] ?? id })),
      delivery: { weekday: delivery.weekday, hour: delivery.hour, timeZone: delivery.timeZone },
      country: country ? { code: country, name: countryName(country) ?? country } : null,
      createdAt,
      updatedAt,
      ...(demo ? { demo } : {}),
      ...unexpected,
    },
    consent: consent
      ? {
          givenAt: consent.at,
          topics: consent.topics,
          ipAddressHash: consent.ipHash,
          wordingVersion: consent.wordingVersion,
          wording: CONSENT_WORDINGS[consent.wordingVersion] ?? null,
        }
      : null,
    deliveries: {
      lastDigestId: lastDigestId ?? null,
      lastDigestWindowEnd: lastDigestAt ?? null,
      plannedDigestId: plannedDigestId ?? null,
      plannedAt: plannedAt ?? null,
      softBounces: softBounces ?? 0,
    },
    emailLimits: {
      lastConfirmationEmailAt: confirmationSentAt ?? null,
      lastManageLinkEmailAt: manageLinkSentAt ?? null,
    },
    deliveryLog: records.deliveries.map(({ subscriberId: _id, leaseUntil: _lease, ...row }) => row),
    adminTestSends: records.adminTests.map(({ sendId, test }) => ({
      sendId,
      at: test.at,
      by: test.by.principal,
      messageId: test.messageId,
    })),
    changesByEditors: records.handChanges.map((entry) => ({
      at: entry.at,
      action: entry.action,
      outcome: entry.outcome,
      reason: entry.reason,
      by: entry.by.principal,
    })),
  };
}
