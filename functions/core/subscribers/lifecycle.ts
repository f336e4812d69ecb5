import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type {
  EmailClaims,
  SubscriberErasure,
  SubscriberProfiles,
  SubscriberReader,
  SubscriberStatuses,
} from '../../ports/subscriber-store.ts';
import type { DeliverySlot, Subscriber } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { EmailRenderer } from '../rendering/email-renderer.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { firstDigestPromise } from '../digest/schedule.ts';
import { newSubscriber, normaliseEmail, subscriberIdFor } from './subscriber.ts';
import { consentRecord } from './consent.ts';
import { sendLinkEmail, sentRecently } from './link-emails.ts';

/**
 * The subscriber lifecycle: double opt-in, confirmation, preferences, leaving. Every outward
 * answer is the same whether an address is new or known, so the API can never be used to find
 * out who reads this digest.
 */

export interface LifecycleDependencies {
  /** Everything but the digest marks: a reader's own requests never touch the weekly rhythm. */
  readonly subscribers: SubscriberReader &
    SubscriberProfiles &
    SubscriberStatuses &
    EmailClaims &
    SubscriberErasure;
  readonly mailer: Mailer;
  readonly renderer: EmailRenderer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly siteUrl: string;
  /** Keys the HMAC of IP addresses in consent records. */
  readonly ipHashKey: string;
}

/** Creating a subscriber can race an erasure or another request; a few rounds always settle it. */
const SUBSCRIBE_ATTEMPTS = 3;

export interface SubscriptionRequest {
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot;
}

/**
 * Records a pending subscription and sends the confirmation email, at most once per address per
 * 24 h. A confirmed reader's preferences are not changed by an unauthenticated form: they use
 * their manage link. Addresses that bounced or complained are never mailed from here.
 */
export async function requestSubscription(
  request: SubscriptionRequest,
  deps: LifecycleDependencies,
): Promise<void> {
  const now = deps.clock.now();
  const email = normaliseEmail(request.email);
  const subscriberId = subscriberIdFor(email);
  const fresh = newSubscriber(
    { email, topics: request.topics, delivery: request.delivery, status: 'pending' },
    now,
  );

  for (let attempt = 0; attempt < SUBSCRIBE_ATTEMPTS; attempt += 1) {
    const existing = await deps.subscribers.get(subscriberId);
    if (existing) {
      // Confirmed, bounced or complained: nothing to send, and the caller cannot tell.
      if (existing.status !== 'pending' && existing.status !== 'unsubscribed') return;
      // A pending reader who was sent a confirmation within the day gets nothing new, and an
      // anonymous request does not change the choices their confirmation link will confirm.
      // (One read, no write: a flood of requests for one address stays cheap.)
      if (existing.status === 'pending' && sentRecently('confirmation', existing.confirmationSentAt, now))
        return;
      if (
        !(await deps.subscribers.reopen(
          subscriberId,
          { topics: request.topics, delivery: request.delivery },
          now,
        ))
      )
        continue;
      return sendConfirmation({ subscriberId, email }, request.delivery, deps);
    }
    if (await deps.subscribers.create(fresh))
      return sendConfirmation({ subscriberId, email }, request.delivery, deps);
    const suppression = await deps.subscribers.getSuppression(subscriberId);
    if (!suppression) continue; // someone created it between our get and create: look again
    // An address that bounced or complained is never mailed again, not even a confirmation.
    if (suppression.reason !== 'erased') return;
    // Someone who had their data erased may come back, but only through double opt-in, and the
    // erasure must not reset the one-confirmation-a-day limit.
    const comeback = suppression.confirmationSentAt
      ? { ...fresh, confirmationSentAt: suppression.confirmationSentAt }
      : fresh;
    if (await deps.subscribers.replaceErased(comeback))
      return sendConfirmation({ subscriberId, email }, request.delivery, deps);
  }
  deps.logger.warn('subscription request kept racing; dropped', { subscriberId });
}

/** The double opt-in email: at most one per address per 24 h. It names the first digest's date. */
function sendConfirmation(
  reader: { subscriberId: string; email: string },
  delivery: DeliverySlot,
  deps: LifecycleDependencies,
) {
  const firstDigest = firstDigestPromise(delivery, deps.clock.now());
  return sendLinkEmail(
    'confirmation',
    reader,
    (url) => deps.renderer.renderConfirmation(url, firstDigest),
    deps,
  );
}

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'not-pending';

/** Confirms a pending subscriber (idempotent) and records their consent. */
export async function confirmSubscription(
  subscriberId: string,
  ip: string,
  deps: LifecycleDependencies,
): Promise<{ outcome: ConfirmOutcome; subscriber: Subscriber | undefined }> {
  const subscriber = await deps.subscribers.get(subscriberId);
  if (!subscriber) return { outcome: 'not-pending', subscriber };
  if (subscriber.status === 'confirmed') return { outcome: 'already-confirmed', subscriber };
  if (subscriber.status !== 'pending') return { outcome: 'not-pending', subscriber };
  const now = deps.clock.now();
  const consent = consentRecord(subscriber.topics, ip, deps.ipHashKey, now);
  if (!(await deps.subscribers.confirm(subscriberId, consent, now))) {
    // Lost a race with another click on the same link (or an unsubscribe): report what is true now.
    const current = await deps.subscribers.get(subscriberId);
    return {
      outcome: current?.status === 'confirmed' ? 'already-confirmed' : 'not-pending',
      subscriber: current,
    };
  }
  return { outcome: 'confirmed', subscriber: { ...subscriber, status: 'confirmed', consent } };
}

/** One-click unsubscribe: immediate, permanent until they subscribe again, idempotent. */
export async function unsubscribe(
  subscriberId: string,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<void> {
  const subscriber = await deps.subscribers.get(subscriberId);
  if (
    !subscriber ||
    subscriber.status === 'unsubscribed' ||
    subscriber.status === 'bounced' ||
    subscriber.status === 'complained'
  ) {
    return;
  }
  await deps.subscribers.setStatus(subscriberId, 'unsubscribed', deps.clock.now());
}

export interface PreferenceChange {
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot;
}

/**
 * Changes a reader's topics and delivery slot. Only from a signed manage link. A new slot counts
 * from now, as a confirmation does: its first digest comes at the first new slot after the
 * change, never at once for a slot that has already passed this week (docs/digests.md).
 */
export async function updatePreferences(
  subscriberId: string,
  change: PreferenceChange,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<Subscriber | undefined> {
  const now = deps.clock.now();
  const current = await deps.subscribers.get(subscriberId);
  const slotChanged = current !== undefined && !sameSlot(current.delivery, change.delivery);
  const fields = slotChanged ? { ...change, scheduleFrom: now.toISOString() } : change;
  if (!(await deps.subscribers.updateProfile(subscriberId, fields, now))) return undefined;
  return deps.subscribers.get(subscriberId);
}

function sameSlot(a: DeliverySlot, b: DeliverySlot): boolean {
  return a.weekday === b.weekday && a.hour === b.hour && a.timeZone === b.timeZone;
}
