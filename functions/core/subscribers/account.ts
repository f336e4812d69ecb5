import type { Subscriber } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { AccountEmailRenderer } from '../rendering/account-emails.ts';
import { CONSENT_WORDINGS } from './consent.ts';
import { normaliseEmail, subscriberIdFor } from './subscriber.ts';
import { requestSubscription, type LifecycleDependencies } from './lifecycle.ts';
import { sendLinkEmail, sentRecently } from './link-emails.ts';

/**
 * What a reader can do with their own subscription besides topics and timing: get a fresh
 * manage link by email, pause, download everything we hold about them, and have it erased.
 */

export { MANAGE_LINK_INTERVAL_MS } from './link-emails.ts';

export interface AccountDependencies extends LifecycleDependencies {
  readonly accountEmails: AccountEmailRenderer;
}

/**
 * "Email me a link to manage my subscription". The caller learns nothing: every address gets the
 * same answer. A pending address gets its confirmation again (within the confirmation limit), a
 * confirmed or unsubscribed one a manage link (they may still want their data); a bounced or
 * complained address, an erased or unknown one, nothing.
 */
export async function requestManageLink(email: string, deps: AccountDependencies): Promise<void> {
  const subscriberId = subscriberIdFor(normaliseEmail(email));
  const subscriber = await deps.subscribers.get(subscriberId);
  if (!subscriber) return;
  if (subscriber.status === 'pending') {
    // Re-sending the confirmation is requestSubscription with the reader's own stored choices.
    return requestSubscription(
      { email: subscriber.email, topics: subscriber.topics, delivery: subscriber.delivery },
      deps,
    );
  }
  if (subscriber.status !== 'confirmed' && subscriber.status !== 'unsubscribed') return;

  if (sentRecently('manage-link', subscriber.manageLinkSentAt, deps.clock.now())) return;
  await sendLinkEmail('manage-link', subscriber, (url) => deps.accountEmails.renderManageLink(url), deps);
}

/**
 * Pauses or resumes a confirmed reader's digest; the planner and the sender both honour it. A
 * resume counts from now: the next digest comes at the reader's next slot, not at once.
 */
export async function setPaused(
  subscriberId: string,
  paused: boolean,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock'>,
): Promise<Subscriber | undefined> {
  const subscriber = await deps.subscribers.get(subscriberId);
  if (!subscriber || subscriber.status !== 'confirmed') return subscriber;
  const now = deps.clock.now();
  const resumed = !paused && subscriber.paused === true;
  const fields = resumed ? { paused, scheduleFrom: now.toISOString() } : { paused };
  if (!(await deps.subscribers.updateProfile(subscriberId, fields, now))) return undefined;
  return deps.subscribers.get(subscriberId);
}

/**
 * Erases a reader (GDPR art. 17): nothing of their profile is kept, only the hash of their
 * address as a suppression entry. Returns false when there was nothing to erase.
 */
export async function eraseSubscriber(
  subscriberId: string,
  deps: Pick<LifecycleDependencies, 'subscribers' | 'clock' | 'logger'>,
): Promise<boolean> {
  const erased = await deps.subscribers.erase(subscriberId, deps.clock.now());
  if (erased) deps.logger.info('subscriber erased', { subscriberId });
  return erased;
}

export interface SubscriberDataExport {
  readonly exportedAt: string;
  readonly about: string;
  readonly subscription: Record<string, unknown>;
  readonly consent: Record<string, unknown> | null;
  readonly deliveries: Record<string, unknown>;
  readonly emailLimits: Record<string, unknown>;
}

/**
 * Everything we hold about a reader, in words they can read (GDPR art. 15 and 20). Fields this
 * function does not know yet are exported as they are: a new attribute can never be left out.
 */
export function exportSubscriberData(
  subscriber: Subscriber,
  topicLabels: Readonly<Record<TopicId, string>>,
  now: Date,
): SubscriberDataExport {
  const {
    subscriberId,
    email,
    topics,
    status,
    delivery,
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
    about:
      'All the data Immunotherapy Digest holds about you. The delivery log keeps, for a limited time, which weekly digest was sent to your id and when; it holds no address.',
    subscription: {
      email,
      id: subscriberId,
      status,
      paused: paused ?? false,
      topics: topics.map((id) => ({ id, label: topicLabels[id] ?? id })),
      delivery: { weekday: delivery.weekday, hour: delivery.hour, timeZone: delivery.timeZone },
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
  };
}
