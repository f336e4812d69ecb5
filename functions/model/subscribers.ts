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
  /**
   * HMAC-SHA256 of the IP with the IP-hash key: evidence without keeping the address itself.
   * Empty for an imported consent whose source gave no IP.
   */
  readonly ipHash: string;
  readonly topics: readonly TopicId[];
  /** A version of CONSENT_WORDINGS, or IMPORTED_CONSENT_WORDING when the words were another tool's. */
  readonly wordingVersion: string;
  /** Set when the consent was given to another tool and brought in by an import (`at` is the source's time). */
  readonly imported?: ImportedConsent;
}

/** The evidence an import keeps for a reader it adds as confirmed (docs/privacy.md). */
export interface ImportedConsent {
  /** The tool whose export it was: mailchimp, buttondown, listmonk, immuno-digest or csv. */
  readonly sourceTool: string;
  readonly importId: string;
  /** Who ran the import (the admin's principal, or the OS user of the CLI). */
  readonly by: string;
  readonly importedAt: string;
}

export interface Subscriber {
  /** HMAC of the normalised address with the identity key (see core/subscribers/subscriber-ids.ts). */
  readonly subscriberId: string;
  /**
   * This subscription's instance: random, carried in every link issued for it. Unsubscribing and
   * a new (confirmed) subscription make a new one, and every older link dies with the old one.
   */
  readonly instance: string;
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly status: SubscriberStatus;
  readonly delivery: DeliverySlot;
  /**
   * The reader's country, ISO 3166-1 alpha-2 ("FR"), if they chose to say: only for the trials
   * recruiting there ("Recruiting in your country"). Nothing finer is ever asked or kept.
   */
  readonly country?: string;
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
  /** Last time a confirmation email went out (carried over from the pending subscription it confirmed). */
  readonly confirmationSentAt?: string;
  /** Last time a "here is your manage link" email went out (see claimManageLinkEmail). */
  readonly manageLinkSentAt?: string;
  readonly paused?: boolean;
  /** Seeded by the local runtime for demonstration; never created in the cloud. */
  readonly demo?: boolean;
}

/**
 * A request to subscribe, waiting for its confirmation: an instance of its own, beside (never in)
 * the reader's live or suppressed record, which it leaves untouched until the link in its email
 * is clicked and the button pressed. A newer request replaces it (and kills its link); it expires
 * after the confirmation lifetime (DynamoDB TTL in the cloud, the local sweeper on a laptop).
 */
export interface PendingSubscription {
  readonly subscriberId: string;
  readonly instance: string;
  /** The address, sealed with the link secret's sealing key: never stored in clear before consent. */
  readonly sealedEmail: string;
  readonly topics: readonly TopicId[];
  readonly delivery: DeliverySlot;
  /** The country chosen on the form, if any (see Subscriber.country). */
  readonly country?: string;
  readonly requestedAt: string;
  /** After this the instance is gone: its link no longer confirms anything. */
  readonly expiresAt: string;
  /** When its confirmation email was claimed: at most one per address per 24 h. */
  readonly confirmationSentAt?: string;
  /** Soft bounces of its confirmation emails, carried into the subscription once confirmed. */
  readonly softBounces?: number;
  readonly lastSoftBounceAt?: string;
}

/**
 * What remains of an erased subscriber: the keyed hash of their address, so that nothing but their
 * own new double opt-in can ever mail it again. A bounced or complained address keeps that reason
 * and is never mailed again at all; so does one whose confirmation bounced before it was ever
 * confirmed (there was no record to mark).
 */
export interface SuppressionEntry {
  readonly subscriberId: string;
  readonly erasedAt: string;
  readonly reason: 'erased' | 'bounced' | 'complained';
  /** Kept so erasing and re-subscribing cannot reset the one-confirmation-a-day limit. */
  readonly confirmationSentAt?: string;
}
