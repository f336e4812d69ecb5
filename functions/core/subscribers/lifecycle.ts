import { createHmac } from 'node:crypto';
import type { Clock, Logger, Mailer, SubscriberStore } from '../../ports/index.ts';
import type { ConsentRecord, DeliverySlot, Subscriber } from '../model.ts';
import type { TopicId } from '../topics.ts';
import type { EmailRenderer } from '../rendering/email-renderer.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { describeError } from '../errors.ts';
import { newSubscriber, normaliseEmail, subscriberIdFor } from './subscriber.ts';

/**
 * The subscriber lifecycle: double opt-in, confirmation, preferences, leaving. Every outward
 * answer is the same whether an address is new or known, so the API can never be used to find
 * out who reads this digest.
 */

export interface LifecycleDependencies {
  readonly subscribers: SubscriberStore;
  readonly mailer: Mailer;
  readonly renderer: EmailRenderer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly siteUrl: string;
  /** Keys the HMAC of IP addresses in consent records. */
  readonly ipHashKey: string;
}

/** The wording a reader agreed to; bump it when the subscribe page's consent text changes. */
export const CONSENT_WORDING_VERSION = '2026-11-v1';

export const CONFIRMATION_INTERVAL_MS = 24 * 3600 * 1000;

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
  const existing = await deps.subscribers.get(subscriberId);

  if (!existing) {
    const created = await deps.subscribers.create(
      newSubscriber({ email, topics: request.topics, delivery: request.delivery, status: 'pending' }, now),
    );
    if (!created) return requestSubscription(request, deps);
  } else if (existing.status === 'pending' || existing.status === 'unsubscribed') {
    if (
      !(await deps.subscribers.reopen(
        subscriberId,
        { topics: request.topics, delivery: request.delivery },
        now,
      ))
    )
      return;
  } else {
    return; // confirmed, bounced or complained: nothing to send, and the caller cannot tell.
  }

  if (!(await deps.subscribers.claimConfirmationEmail(subscriberId, now, CONFIRMATION_INTERVAL_MS))) return;
  const confirmUrl = `${deps.siteUrl}/confirm?token=${deps.tokens.issue('confirm', subscriberId, now)}`;
  const rendered = await deps.renderer.renderConfirmation(confirmUrl);
  try {
    await deps.mailer.send({ to: email, ...rendered, headers: [], tags: { kind: 'confirmation' } });
  } catch (error) {
    deps.logger.error('confirmation email failed', { subscriberId, error: describeError(error) });
    throw error;
  }
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
  const consent: ConsentRecord = {
    at: now.toISOString(),
    ipHash: createHmac('sha256', deps.ipHashKey).update(ip).digest('base64url'),
    topics: subscriber.topics,
    wordingVersion: CONSENT_WORDING_VERSION,
  };
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

/** Changes a reader's topics and delivery slot. Only from a signed manage link. */
export async function updatePreferences(
  subscriberId: string,
  change: PreferenceChange,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<Subscriber | undefined> {
  const now = deps.clock.now();
  if (!(await deps.subscribers.updateProfile(subscriberId, change, now))) return undefined;
  return deps.subscribers.get(subscriberId);
}
