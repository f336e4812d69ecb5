import type {
  ConsentRecord,
  DeliverySlot,
  Subscriber,
  SubscriberStatus,
  SuppressionEntry,
} from '../model/subscribers.ts';
import type { TopicId } from '../model/topics.ts';

/**
 * The subscribers table, cut by use: each use case takes only the part it calls. One adapter
 * (DynamoSubscriberStore) implements them all as {@link SubscriberStore}.
 */

/** Reads of live subscribers. An erased subscriber is never returned (see {@link SubscriberErasure}). */
export interface SubscriberReader {
  get(subscriberId: string): Promise<Subscriber | undefined>;
  getMany(subscriberIds: readonly string[]): Promise<Subscriber[]>;
  /** Every confirmed subscriber, read from the sparse confirmed index. */
  listConfirmed(): Promise<Subscriber[]>;
  /** True when at least one subscriber item exists (any status). */
  hasAny(): Promise<boolean>;
}

export interface ProfileFields {
  readonly topics?: readonly TopicId[];
  readonly delivery?: DeliverySlot;
  readonly paused?: boolean;
  /** Set with a new slot or a resume: see Subscriber.scheduleFrom. */
  readonly scheduleFrom?: string;
}

/** Signing up, confirming and changing one's choices: the double opt-in and the preference centre. */
export interface SubscriberProfiles {
  /** Creates the subscriber unless one with the same id exists; returns false if it did. */
  create(subscriber: Subscriber): Promise<boolean>;
  /**
   * Changes only the given profile fields. Never a whole-item put: a put racing a sender's
   * recordDelivery could move the reader's window backwards and repeat articles.
   */
  updateProfile(subscriberId: string, fields: ProfileFields, at: Date): Promise<boolean>;
  /** pending → confirmed with the consent record; false if the reader was not pending. */
  confirm(subscriberId: string, consent: ConsentRecord, at: Date): Promise<boolean>;
  /** A pending or unsubscribed reader asks again: back to pending with the new choices. */
  reopen(
    subscriberId: string,
    fields: Required<Pick<ProfileFields, 'topics' | 'delivery'>>,
    at: Date,
  ): Promise<boolean>;
}

/** A reader's status as leaving, bounces and complaints change it. */
export interface SubscriberStatuses {
  setStatus(subscriberId: string, status: SubscriberStatus, at: Date): Promise<void>;
  /** Counts one more soft bounce (atomically) and returns the new count. */
  recordSoftBounce(subscriberId: string, at: Date): Promise<number>;
}

export type EmailClaimKind = 'confirmation' | 'manage-link';

/** The right to send the emails anyone can ask for by typing an address, at most once per interval. */
export interface EmailClaims {
  /**
   * Takes the right to send this address a confirmation email now: true at most once per
   * `minIntervalMs`, however many requests race for it (a conditional write, not a read-then-write).
   */
  claimConfirmationEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean>;
  /**
   * Like claimConfirmationEmail, for "here is your manage link" emails: true at most once per
   * `minIntervalMs` for a live subscriber, however many requests race for it.
   */
  claimManageLinkEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean>;
  /**
   * Gives back a claim taken at `claimedAt` whose email could not be sent, so the reader's next
   * request can send it; a newer claim is left alone.
   */
  releaseEmailClaim(subscriberId: string, kind: EmailClaimKind, claimedAt: Date): Promise<void>;
}

/** Where a reader stands in the weekly rhythm: planned, skipped, delivered up to when. */
export interface DigestMarks {
  markPlanned(subscriberId: string, digestId: string, at: Date): Promise<void>;
  clearPlanned(subscriberId: string): Promise<void>;
  /** This week's digest had nothing for the reader: the planner leaves them until next week. */
  markSkipped(subscriberId: string, digestId: string, at: Date): Promise<void>;
  /** Moves the subscriber's window forward; never backward (a late retry of an old week is a no-op). */
  recordDelivery(subscriberId: string, digestId: string, windowEnd: Date): Promise<void>;
}

/** Forgetting a reader, and the suppression entry that remains. */
export interface SubscriberErasure {
  /**
   * Erases a subscriber: the whole item is replaced by a suppression entry that holds only the
   * hashed id, when and why. `get` and `getMany` never return it. False if there was no live
   * subscriber to erase.
   */
  erase(subscriberId: string, at: Date): Promise<boolean>;
  /** The suppression entry left by `erase`, if this id has one. */
  getSuppression(subscriberId: string): Promise<SuppressionEntry | undefined>;
  /**
   * Puts a new (pending) subscriber in place of a suppression entry whose reason is 'erased':
   * someone who asked to be forgotten may come back through double opt-in. False if the id holds
   * anything else (a live subscriber, or a bounced or complained address).
   */
  replaceErased(subscriber: Subscriber): Promise<boolean>;
}

/** The whole subscribers table: what the adapter implements and the app wires. */
export interface SubscriberStore
  extends
    SubscriberReader,
    SubscriberProfiles,
    SubscriberStatuses,
    EmailClaims,
    DigestMarks,
    SubscriberErasure {}
