import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type {
  ActivationBase,
  EmailClaims,
  PendingSubscriptions,
  SubscriberErasure,
  SubscriberProfiles,
  SubscriberReader,
  SubscriberStatuses,
} from '../../ports/subscriber-store.ts';
import type { DeliverySlot, PendingSubscription, Subscriber } from '../../model/subscribers.ts';
import { canonicalTopicOrder, type TopicId } from '../../model/topics.ts';
import type { EmailRenderer } from '../rendering/email-renderer.ts';
import type { TokenService, TokenSubject } from '../tokens/tokens.ts';
import type { Sealer } from '../tokens/sealed-values.ts';
import { newInstance, normaliseEmail, type SubscriberIds } from './subscriber-ids.ts';
import { firstDigestPromise, nextSlotAfterChange } from '../digest/schedule.ts';
import { consentRecord } from './consent.ts';
import {
  CONFIRMATION_INTERVAL_MS,
  mailLink,
  PENDING_LIFETIME_MS,
  sentRecently,
  type LinkEmailDependencies,
  type LinkEmailOutcome,
} from './link-emails.ts';

/**
 * The subscriber lifecycle: double opt-in, confirmation, preferences, leaving.
 *
 * A subscription is an instance: a request to subscribe is a pending subscription of its own,
 * beside the address's record (live, or the suppression entry an erasure or a bounce left), which
 * it leaves exactly as it is until its owner confirms it. Every link names its instance, so
 * unsubscribing, erasure and a newer subscription kill every older link. Nothing here answers a
 * stranger: the API only queues requests (account-requests.ts), and the sender carries them out.
 */

export interface LifecycleDependencies {
  /** Everything but the digest marks: a reader's own requests never touch the weekly rhythm. */
  readonly subscribers: SubscriberReader &
    SubscriberProfiles &
    SubscriberStatuses &
    EmailClaims &
    PendingSubscriptions &
    SubscriberErasure;
  readonly subscriberIds: SubscriberIds;
  readonly sealer: Sealer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly siteUrl: string;
  /** Keys the HMAC of IP addresses in consent records. */
  readonly ipHashKey: string;
}

/** What the sender needs to carry out a request that mails someone. */
export interface RequestDependencies extends LifecycleDependencies, LinkEmailDependencies {
  readonly renderer: Pick<EmailRenderer, 'renderConfirmation'>;
}

export interface SubscriptionRequest {
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot;
  readonly country?: string;
}

const latest = (...times: (string | undefined)[]) =>
  times
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);

/**
 * Carries out a request to subscribe (on the sender, from the send queue): a new pending
 * subscription and its confirmation email, at most once per address per 24 h. A confirmed reader's
 * choices are not changed by an anonymous form (they use their manage link); an address that
 * bounced or complained is never mailed from here. The address's record is only read.
 */
export async function processSubscriptionRequest(
  request: SubscriptionRequest,
  deps: RequestDependencies,
): Promise<LinkEmailOutcome> {
  const now = deps.clock.now();
  const email = normaliseEmail(request.email);
  const subscriberId = deps.subscriberIds.idFor(email);
  // One read of everything about the address: a flood of requests for one address stays cheap.
  const { subscriber: live, suppression, pending } = await deps.subscribers.readAddress(subscriberId, now);
  if (live && live.status !== 'unsubscribed' && live.status !== 'pending') return 'not-sent';
  if (suppression && suppression.reason !== 'erased') return 'not-sent';
  // Within a day of the last confirmation email nothing changes: not even the choices the mailed
  // link will confirm.
  const lastSent = latest(
    pending?.confirmationSentAt,
    suppression?.confirmationSentAt,
    live?.confirmationSentAt,
  );
  if (sentRecently('confirmation', lastSent, now)) return 'not-sent';

  const fresh: PendingSubscription = {
    subscriberId,
    instance: newInstance(),
    sealedEmail: deps.sealer.seal(email, 'pending-address'),
    topics: canonicalTopicOrder(request.topics),
    delivery: request.delivery,
    ...(request.country ? { country: request.country } : {}),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + PENDING_LIFETIME_MS).toISOString(),
  };
  if (!(await deps.subscribers.putPending(fresh, now, CONFIRMATION_INTERVAL_MS))) return 'not-sent';
  return mailLink(
    'confirmation',
    email,
    { subscriberId, instance: fresh.instance },
    (url) => deps.renderer.renderConfirmation(url, firstDigestPromise(fresh.delivery, now)),
    () => deps.subscribers.releaseConfirmationClaim(subscriberId, fresh.instance, now),
    deps,
  );
}

/**
 * Mails a pending subscription's confirmation again (someone asked for a manage link before
 * confirming), for the same instance and its choices, at most once per 24 h.
 */
export async function resendConfirmation(
  email: string,
  pending: PendingSubscription,
  deps: RequestDependencies,
): Promise<LinkEmailOutcome> {
  const now = deps.clock.now();
  const { subscriberId, instance } = pending;
  if (sentRecently('confirmation', pending.confirmationSentAt, now)) return 'not-sent';
  const expiresAt = new Date(now.getTime() + PENDING_LIFETIME_MS);
  if (
    !(await deps.subscribers.claimConfirmationEmail(
      subscriberId,
      instance,
      now,
      CONFIRMATION_INTERVAL_MS,
      expiresAt,
    ))
  )
    return 'not-sent';
  return mailLink(
    'confirmation',
    email,
    { subscriberId, instance },
    (url) => deps.renderer.renderConfirmation(url, firstDigestPromise(pending.delivery, now)),
    () => deps.subscribers.releaseConfirmationClaim(subscriberId, instance, now),
    deps,
  );
}

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'not-pending';

/**
 * What a confirmation link would do, read only (the page a GET shows: mail scanners open every
 * link, so a GET never records consent): 'confirmable' when pressing the button would confirm.
 */
export async function confirmationState(
  subject: TokenSubject,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<{
  state: 'confirmable' | 'already-confirmed' | 'not-pending';
  subscriber?: Subscriber;
  pending?: PendingSubscription;
}> {
  const { subscriber: live, pending } = await deps.subscribers.readAddress(
    subject.subscriberId,
    deps.clock.now(),
  );
  if (live?.status === 'confirmed' && live.instance === subject.instance)
    return { state: 'already-confirmed', subscriber: live };
  if (live && live.status !== 'unsubscribed' && live.status !== 'pending') return { state: 'not-pending' };
  return pending?.instance === subject.instance
    ? { state: 'confirmable', pending }
    : { state: 'not-pending' };
}

/**
 * Confirms the pending subscription a link names (idempotent) and records the consent: only on a
 * POST, a person pressing the button. The subscription becomes the live one (over nothing, an
 * erasure's entry, or the record of a reader who left), with the link's instance.
 */
export async function confirmSubscription(
  subject: TokenSubject,
  ip: string,
  deps: LifecycleDependencies,
): Promise<{ outcome: ConfirmOutcome; subscriber: Subscriber | undefined }> {
  const { subscriberId, instance } = subject;
  const now = deps.clock.now();
  const { subscriber: live, suppression, pending } = await deps.subscribers.readAddress(subscriberId, now);
  if (live?.status === 'confirmed' && live.instance === instance)
    return { outcome: 'already-confirmed', subscriber: live };
  if (!pending || pending.instance !== instance) return { outcome: 'not-pending', subscriber: undefined };
  if (live?.status === 'confirmed') {
    // Subscribed meanwhile through another link: this request has nothing left to do.
    await deps.subscribers.deletePending(subscriberId, instance);
    return { outcome: 'already-confirmed', subscriber: live };
  }
  if (
    (live && live.status !== 'unsubscribed' && live.status !== 'pending') ||
    (suppression && suppression.reason !== 'erased')
  ) {
    // Bounced or complained since the request: never mailed again, so never confirmed.
    await deps.subscribers.deletePending(subscriberId, instance);
    return { outcome: 'not-pending', subscriber: undefined };
  }

  const consent = consentRecord(pending.topics, ip, deps.ipHashKey, now);
  const subscriber: Subscriber = {
    subscriberId,
    instance,
    email: deps.sealer.open(pending.sealedEmail, 'pending-address'),
    topics: pending.topics,
    delivery: pending.delivery,
    ...(pending.country ? { country: pending.country } : {}),
    status: 'confirmed',
    consent,
    createdAt: live?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    softBounces: live?.softBounces ?? pending.softBounces ?? 0,
    ...(pending.confirmationSentAt ? { confirmationSentAt: pending.confirmationSentAt } : {}),
  };
  const over: ActivationBase = live
    ? { kind: 'left', instance: live.instance }
    : suppression
      ? { kind: 'erased' }
      : { kind: 'nothing' };
  if (!(await deps.subscribers.activate(subscriber, over))) {
    // Lost a race with another press of the same button (or a bounce): report what is true now.
    const current = await deps.subscribers.get(subscriberId);
    const already = current?.status === 'confirmed' && current.instance === instance;
    return {
      outcome: already ? 'already-confirmed' : 'not-pending',
      subscriber: already ? current : undefined,
    };
  }
  await deps.subscribers.deletePending(subscriberId, instance);
  return { outcome: 'confirmed', subscriber: (await deps.subscribers.get(subscriberId)) ?? subscriber };
}

/**
 * The live subscription a manage or unsubscribe link names, if that subscription is still the
 * one it was issued for; undefined for an erased reader and for a link of an older instance.
 */
export async function subscriptionOf(
  subject: TokenSubject,
  deps: Pick<LifecycleDependencies, 'subscribers'>,
): Promise<Subscriber | undefined> {
  const subscriber = await deps.subscribers.get(subject.subscriberId);
  return subscriber?.instance === subject.instance ? subscriber : undefined;
}

export type UnsubscribeOutcome = 'unsubscribed' | 'not-subscribed' | 'other-subscription';

/**
 * One-click unsubscribe: immediate, idempotent, and the end of this instance (every link of it
 * dies). 'other-subscription': the link is of an older instance and the address is subscribed
 * again under a newer one, which an old link does not end.
 */
export async function unsubscribe(
  subject: TokenSubject,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<UnsubscribeOutcome> {
  const subscriber = await deps.subscribers.get(subject.subscriberId);
  if (!subscriber) return 'not-subscribed';
  if (subscriber.instance !== subject.instance)
    return subscriber.status === 'confirmed' ? 'other-subscription' : 'not-subscribed';
  if (subscriber.status !== 'confirmed' && subscriber.status !== 'pending') return 'not-subscribed';
  const left = await deps.subscribers.setStatus(subject.subscriberId, 'unsubscribed', deps.clock.now(), {
    expectedInstance: subscriber.instance,
    newInstance: newInstance(),
  });
  // Lost a race (another click, an erasure): either way the reader no longer gets digests.
  return left ? 'unsubscribed' : 'not-subscribed';
}

export interface PreferenceChange {
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot;
  /** A new country, null to forget it ("prefer not to say"), undefined to keep it. */
  readonly country?: string | null;
}

/**
 * Changes a reader's topics, delivery slot and country. Only from a signed manage link of this instance. A
 * new slot counts from now, as a confirmation does: its first digest comes at the first new slot
 * after the change, never at once for a slot that has already passed this week (docs/digests.md).
 */
export async function updatePreferences(
  subject: TokenSubject,
  change: PreferenceChange,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<Subscriber | undefined> {
  const now = deps.clock.now();
  const current = await subscriptionOf(subject, deps);
  const slotChanged = current !== undefined && !sameSlot(current.delivery, change.delivery);
  const changed = slotChanged ? { ...change, scheduleFrom: now.toISOString() } : change;
  // The next-slot index moves with the change (a new zone or slot, or topics cleared or given).
  const fields = current ? { ...changed, nextSlotAt: nextSlotAfterChange(current, changed, now) } : changed;
  if (!(await deps.subscribers.updateProfile(subject.subscriberId, fields, now, subject.instance)))
    return undefined;
  return deps.subscribers.get(subject.subscriberId);
}

function sameSlot(a: DeliverySlot, b: DeliverySlot): boolean {
  return a.weekday === b.weekday && a.hour === b.hour && a.timeZone === b.timeZone;
}
