import type {
  DeliverySlot,
  PendingSubscription,
  Subscriber,
  SubscriberStatus,
  SuppressionEntry,
} from '../model/subscribers.ts';
import type { TopicId } from '../model/topics.ts';

/**
 * The subscribers table, cut by use: each use case takes only the part it calls. One adapter
 * (DynamoSubscriberStore) implements them all as {@link SubscriberStore}.
 *
 * An address has at most one record (the live subscriber, or the suppression entry left by an
 * erasure or a bounce) and at most one pending subscription beside it, which changes nothing of
 * the record until it is confirmed ({@link PendingSubscriptions}).
 */

/** Reads of live subscribers. An erased subscriber is never returned (see {@link SubscriberErasure}). */
export interface SubscriberReader {
  get(subscriberId: string): Promise<Subscriber | undefined>;
  getMany(subscriberIds: readonly string[]): Promise<Subscriber[]>;
  /** Every confirmed subscriber, read from the sparse confirmed index. */
  listConfirmed(): Promise<Subscriber[]>;
  /**
   * Every confirmed subscriber, page by page from the confirmed index: what a reader of the whole
   * list uses so that it never holds the whole list (each page once, in no particular order).
   */
  confirmedPages(): AsyncIterable<readonly Subscriber[]>;
  /** True when at least one subscriber item exists (any status). */
  hasAny(): Promise<boolean>;
}

export interface ProfileFields {
  readonly topics?: readonly TopicId[];
  readonly delivery?: DeliverySlot;
  /** A country code; null removes the reader's country ("prefer not to say"). */
  readonly country?: string | null;
  readonly paused?: boolean;
  /** Set with a new slot or a resume: see Subscriber.scheduleFrom. */
  readonly scheduleFrom?: string;
  /**
   * The reader's new next-slot instant (see NextSlotIndex), written with the change that moves it;
   * null takes them out of the index (paused, no topics). Give it with every change of topics,
   * slot, zone or pause.
   */
  readonly nextSlotAt?: Date | null;
}

/** What a confirmed pending subscription replaces (see SubscriberProfiles.activate). */
export type ActivationBase =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'erased' }
  /** A reader who left (or a pending record of the first versions), whose instance was this. */
  | { readonly kind: 'left'; readonly instance: string };

/** Signing up, confirming and changing one's choices: the double opt-in and the preference centre. */
export interface SubscriberProfiles {
  /** Creates the subscriber unless one with the same id exists; returns false if it did. */
  create(subscriber: Subscriber): Promise<boolean>;
  /**
   * Changes only the given profile fields, of a live subscriber whose instance is `instance` when
   * one is given. Never a whole-item put: a put racing a sender's recordDelivery could move the
   * reader's window backwards and repeat articles.
   */
  updateProfile(subscriberId: string, fields: ProfileFields, at: Date, instance?: string): Promise<boolean>;
  /**
   * A confirmed pending subscription becomes the live one, with one conditional write: a new item
   * where there was none or only an erasure's entry; over a reader who left, the subscription's
   * fields, status, instance and consent only (their digest window stays). False if the record is
   * no longer what `over` says (a race: read again).
   */
  activate(subscriber: Subscriber, over: ActivationBase): Promise<boolean>;
}

/** A reader's status as leaving, bounces and complaints change it. */
export interface SubscriberStatuses {
  /**
   * Sets the status of a live subscriber. With `newInstance` (leaving), only if the instance is
   * still `expectedInstance`, and every link of the old instance dies with it.
   */
  setStatus(
    subscriberId: string,
    status: SubscriberStatus,
    at: Date,
    options?: { readonly expectedInstance: string; readonly newInstance: string },
  ): Promise<boolean>;
  /**
   * Counts one more soft bounce (atomically) and returns the new count: on the live subscriber, or
   * on the pending subscription when there is no live one; 0 when there is neither.
   */
  recordSoftBounce(subscriberId: string, at: Date): Promise<number>;
  /**
   * An address with no live subscriber bounced or complained (a confirmation did): its suppression
   * entry says so from now on (replacing an erasure's entry; a complaint outranks a bounce), so no
   * request can ever mail it again. Its pending subscription is deleted.
   */
  suppress(subscriberId: string, reason: 'bounced' | 'complained', at: Date): Promise<void>;
}

export type EmailClaimKind = 'confirmation' | 'manage-link';

/** The right to send a manage-link email, which anyone can ask for by typing an address. */
export interface EmailClaims {
  /**
   * Takes the right to send this live subscriber a manage link now: true at most once per
   * `minIntervalMs`, however many requests race for it (a conditional write, not a read-then-write).
   */
  claimManageLinkEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean>;
  /**
   * Gives back a claim taken at `claimedAt` whose email could not be sent, so the reader's next
   * request can send it; a newer claim is left alone.
   */
  releaseEmailClaim(subscriberId: string, kind: 'manage-link', claimedAt: Date): Promise<void>;
}

/** What is stored about one address, read at once (see PendingSubscriptions.readAddress). */
export interface AddressRecords {
  /** Its live subscriber, or else the suppression entry an erasure or a bounce left. */
  readonly subscriber?: Subscriber;
  readonly suppression?: SuppressionEntry;
  /** Its pending subscription, unless there is none or it has expired. */
  readonly pending?: PendingSubscription;
}

/** Subscriptions waiting for their confirmation: one per address at most, beside its record. */
export interface PendingSubscriptions {
  /** The address's record and pending subscription in one consistent read. */
  readAddress(subscriberId: string, now: Date): Promise<AddressRecords>;
  /** The address's pending subscription, unless there is none or it has expired. */
  getPending(subscriberId: string, now: Date): Promise<PendingSubscription | undefined>;
  /**
   * Puts a new pending subscription in place of the address's older one, with its confirmation
   * claimed (`confirmationSentAt` = now): only if no confirmation was claimed for the address in
   * the last `minIntervalMs`, however many requests race (one conditional write). False otherwise.
   */
  putPending(pending: PendingSubscription, now: Date, minIntervalMs: number): Promise<boolean>;
  /**
   * Claims the right to mail the confirmation of this very instance again (and extends its life to
   * `expiresAt`): true at most once per `minIntervalMs`.
   */
  claimConfirmationEmail(
    subscriberId: string,
    instance: string,
    now: Date,
    minIntervalMs: number,
    expiresAt: Date,
  ): Promise<boolean>;
  /** Gives back a confirmation claim taken at `claimedAt` whose email could not be sent. */
  releaseConfirmationClaim(subscriberId: string, instance: string, claimedAt: Date): Promise<void>;
  /** Deletes the address's pending subscription (only this instance, when one is given). */
  deletePending(subscriberId: string, instance?: string): Promise<void>;
  /**
   * Deletes every pending subscription whose expiry has passed and returns how many: the local
   * sweeper (dynalite has no TTL). In the cloud DynamoDB's TTL does it; reads never return an
   * expired one either way.
   */
  sweepExpiredPending(now: Date): Promise<number>;
}

/** Where a reader stands in the weekly rhythm: planned, skipped, delivered up to when. */
export interface DigestMarks {
  /** Also moves the reader's next-slot instant to when they may be planned again (REPLAN_AFTER_MS). */
  markPlanned(subscriberId: string, digestId: string, at: Date): Promise<void>;
  /** With `lookAgainAt`, the planner looks at the reader again from then (the next run). */
  clearPlanned(subscriberId: string, lookAgainAt?: Date): Promise<void>;
  /**
   * This week's digest had nothing for the reader: the planner leaves them until next week, when
   * `nextSlotAt` (their next week's slot) comes; without it, they are looked at after the replan
   * delay and moved on then.
   */
  markSkipped(subscriberId: string, digestId: string, at: Date, nextSlotAt?: Date): Promise<void>;
  /**
   * Moves the subscriber's window forward; never backward (a late retry of an old week is a no-op).
   * With `nextSlotAt` (their next week's slot) the next-slot index moves in the same write.
   */
  recordDelivery(subscriberId: string, digestId: string, windowEnd: Date, nextSlotAt?: Date): Promise<void>;
}

/**
 * The next-slot index: a sparse index of the readers who may be mailed, by the UTC hour (and a
 * shard) of the instant the planner must next look at them (core/digest/schedule.ts
 * nextSlotInstant). Writes that change a reader's schedule keep it (ProfileFields.nextSlotAt,
 * DigestMarks, a whole record's own slot); the hourly planner reads the hours it has not read.
 */
export interface NextSlotIndex {
  /**
   * Readers whose instant falls in the UTC hours from `from`'s to `to`'s, and is not after `to`,
   * page by page (oldest hour first).
   */
  nextSlotPages(from: Date, to: Date): AsyncIterable<readonly Subscriber[]>;
  /**
   * Moves a reader the planner read at `readAt` but found not due to `to` (undefined: out of the
   * index), unless their instant changed since (a write after the read set a later one).
   */
  moveNextSlot(subscriberId: string, to: Date | undefined, readAt: Date): Promise<void>;
}

/** Forgetting a reader, and the suppression entry that remains. */
export interface SubscriberErasure {
  /**
   * Erases a subscriber: the whole item is replaced by a suppression entry that holds only the
   * keyed id, when and why (and when a confirmation was last mailed, so erasing cannot reset that
   * limit); their pending subscription, if any, is deleted. `get` and `getMany` never return it.
   * False if there was no live subscriber to erase.
   */
  erase(subscriberId: string, at: Date): Promise<boolean>;
  /** The suppression entry left by `erase` or `suppress`, if this id has one. */
  getSuppression(subscriberId: string): Promise<SuppressionEntry | undefined>;
}

/** The whole subscribers table: what the adapter implements and the app wires. */
export interface SubscriberStore
  extends
    SubscriberReader,
    SubscriberProfiles,
    SubscriberStatuses,
    EmailClaims,
    PendingSubscriptions,
    DigestMarks,
    NextSlotIndex,
    SubscriberErasure {}
