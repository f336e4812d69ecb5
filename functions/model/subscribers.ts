import type { TopicId } from './topics.ts';

/**
 * Subscribers: who reads the digest, what they chose, and what is left of them once erased.
 * Plain data, serialisable as is into DynamoDB items; times are ISO-8601 strings in UTC.
 */

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'bounced' | 'complained';

/** When a subscriber wants their digest, in their own time zone. ISO weekday: 1 = Monday … 7 = Sunday. */
export interface DeliverySlot {
  readonly weekday: number;
  readonly hour: number;
  readonly timeZone: string;
}

export const DEFAULT_DELIVERY_SLOT: DeliverySlot = { weekday: 1, hour: 8, timeZone: 'UTC' };

export interface ConsentRecord {
  readonly at: string;
  /** SHA-256 of the IP with the token secret as key: evidence without keeping the address itself. */
  readonly ipHash: string;
  readonly topics: readonly TopicId[];
  readonly wordingVersion: string;
}

export interface Subscriber {
  readonly subscriberId: string;
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly status: SubscriberStatus;
  readonly delivery: DeliverySlot;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** End of the window of the last digest delivered: the next digest starts here. */
  readonly lastDigestAt?: string;
  readonly lastDigestId?: string;
  /** Set by the planner so the next hourly run does not enqueue the same reader again. */
  readonly plannedDigestId?: string;
  readonly plannedAt?: string;
  /** This week had nothing on the reader's topics: no email, and no new try until next week. */
  readonly skippedDigestId?: string;
  readonly skippedAt?: string;
  readonly consent?: ConsentRecord;
  /**
   * When the reader last changed their delivery slot or resumed a paused digest: slots that
   * began before this (or before their confirmation, `consent.at`) are not owed a digest.
   */
  readonly scheduleFrom?: string;
  readonly softBounces?: number;
  readonly lastSoftBounceAt?: string;
  /** Last time a confirmation email went out: at most one per address per 24 h. */
  readonly confirmationSentAt?: string;
  /** Last time a "here is your manage link" email went out (see claimManageLinkEmail). */
  readonly manageLinkSentAt?: string;
  readonly paused?: boolean;
  /** Seeded by the local runtime for demonstration; never created in the cloud. */
  readonly demo?: boolean;
}

/**
 * What remains of an erased subscriber: the hash of their address, so that nothing but their own
 * new double opt-in can ever mail it again. A bounced or complained address keeps that reason and
 * is never mailed again at all.
 */
export interface SuppressionEntry {
  readonly subscriberId: string;
  readonly erasedAt: string;
  readonly reason: 'erased' | 'bounced' | 'complained';
  /** Kept so erasing and re-subscribing cannot reset the one-confirmation-a-day limit. */
  readonly confirmationSentAt?: string;
}
