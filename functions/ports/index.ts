import type {
  Article,
  ArticleCandidate,
  ConsentRecord,
  DeliverySlot,
  Subscriber,
  SubscriberStatus,
} from '../core/model.ts';
import type { TopicId } from '../core/topics.ts';
import type { SendJob } from '../core/delivery/send-job.ts';

/**
 * The interfaces the core needs from the outside world. Adapters (DynamoDB, SES, SQS, HTTP)
 * implement them with an injected client; unit tests implement them with in-memory fakes.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

// ---------------------------------------------------------------------------------------------
// Ingest

export type UpsertOutcome = 'created' | 'merged' | 'unchanged';

export interface ArticleStore {
  /**
   * Stores a new work, or merges the candidate's source onto the article that already owns one
   * of its identity keys. Idempotent: the same candidate twice is 'unchanged' the second time.
   * One candidate at a time, through a writer of its own: for many, use openWriter.
   */
  upsert(
    candidate: ArticleCandidate,
    firstSeenAt: Date,
  ): Promise<{ outcome: UpsertOutcome; articleId: string }>;
  /**
   * Becomes the one writer of articles until `close()`: waits up to `waitMs` for another
   * writer (a concurrent ingest) to finish, so two ingests never decide "new work" at once.
   *
   * @throws IngestBusyError when the other writer still holds the lease after waitMs.
   */
  openWriter(options?: { readonly waitMs?: number }): Promise<ArticleWriter>;
  /** Articles first seen in the half-open window (from, to]. */
  listFirstSeenBetween(from: Date, to: Date): Promise<Article[]>;
  getMany(ids: readonly string[]): Promise<Article[]>;
}

/** The result of storing one candidate. */
export interface StoredArticle {
  readonly outcome: UpsertOutcome;
  readonly articleId: string;
}

/** The single writer of articles during one ingest run (see ArticleStore.openWriter). */
export interface ArticleWriter {
  /**
   * Stores a batch (one feed): candidates that share an identity key with each other or with a
   * stored article merge onto it. Results are in the candidates' order.
   *
   * @throws IngestBusyError if the writer lost its lease (it then writes nothing more).
   */
  store(candidates: readonly ArticleCandidate[], firstSeenAt: Date): Promise<StoredArticle[]>;
  /** Gives the lease back; the writer cannot be used afterwards. */
  close(): Promise<void>;
}

export interface FetchConditions {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type FetchResult =
  | { readonly status: 'not-modified' }
  | {
      readonly status: 'ok';
      readonly body: Buffer;
      readonly contentType: string | undefined;
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
      readonly finalUrl: string;
    };

export interface FeedFetcher {
  /** @throws FeedError with its kind (timeout, http-status, too-large, blocked-address, …). */
  fetch(url: string, conditions: FetchConditions): Promise<FetchResult>;
}

export interface SourceState {
  readonly sourceId: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** The URL the validators came from: they are only sent back to that URL. */
  readonly validatorsUrl?: string;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  readonly lastError?: string;
  readonly consecutiveFailures: number;
}

export interface SourceStateStore {
  get(sourceId: string): Promise<SourceState | undefined>;
  /** Resets the failure count and keeps the validators for the next conditional GET of `url`. */
  recordSuccess(sourceId: string, at: Date, conditions: FetchConditions, url?: string): Promise<void>;
  recordFailure(sourceId: string, at: Date, error: string): Promise<SourceState>;
}

// ---------------------------------------------------------------------------------------------
// Subscribers

export interface ProfileFields {
  readonly topics?: readonly TopicId[];
  readonly delivery?: DeliverySlot;
  readonly paused?: boolean;
}

export interface SubscriberStore {
  get(subscriberId: string): Promise<Subscriber | undefined>;
  getMany(subscriberIds: readonly string[]): Promise<Subscriber[]>;
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
  /** Every confirmed subscriber, read from the sparse confirmed index. */
  listConfirmed(): Promise<Subscriber[]>;
  /** True when at least one subscriber item exists (any status). */
  hasAny(): Promise<boolean>;
  setStatus(subscriberId: string, status: SubscriberStatus, at: Date): Promise<void>;
  /**
   * Takes the right to send this address a confirmation email now: true at most once per
   * `minIntervalMs`, however many requests race for it (a conditional write, not a read-then-write).
   */
  claimConfirmationEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean>;
  /** Counts one more soft bounce (atomically) and returns the new count. */
  recordSoftBounce(subscriberId: string, at: Date): Promise<number>;
  markPlanned(subscriberId: string, digestId: string, at: Date): Promise<void>;
  clearPlanned(subscriberId: string): Promise<void>;
  /** Moves the subscriber's window forward; never backward (a late retry of an old week is a no-op). */
  recordDelivery(subscriberId: string, digestId: string, windowEnd: Date): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Delivery

export interface DeliveryKey {
  readonly digestId: string;
  readonly subscriberId: string;
}

export type DeliveryStatus = 'claimed' | 'sent' | 'failed' | 'skipped';

export interface DeliveryRecord extends DeliveryKey {
  readonly status: DeliveryStatus;
  readonly claimedAt?: string;
  readonly leaseUntil?: string;
  readonly sentAt?: string;
  readonly messageId?: string;
  readonly reason?: string;
  readonly attempts: number;
}

export type ClaimResult =
  { readonly claimed: true } | { readonly claimed: false; readonly existing: DeliveryRecord };

export interface DeliveryLedger {
  /**
   * Takes the exclusive right to send (digest, subscriber): succeeds if nobody holds it, or if
   * a previous claim's lease expired without a send (a crashed sender).
   */
  claim(key: DeliveryKey, now: Date, leaseMs: number): Promise<ClaimResult>;
  markSent(key: DeliveryKey, messageId: string, at: Date): Promise<void>;
  markFailed(key: DeliveryKey, reason: string, at: Date): Promise<void>;
  markSkipped(key: DeliveryKey, reason: string, at: Date): Promise<void>;
  /** Gives a claim back after a retryable failure, so the redelivered message can take it. */
  release(key: DeliveryKey): Promise<void>;
  listForDigest(digestId: string): Promise<DeliveryRecord[]>;
}

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface Mailer {
  /**
   * @throws MailThrottledError, MailQuotaExceededError, MailRejectedError or MailUnavailableError.
   */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

export interface SendQueue {
  enqueue(jobs: readonly SendJob[]): Promise<void>;
}

/** Spaces sends so that all senders together stay under the account's max send rate. */
export interface SendRateLimiter {
  /** Resolves when one more email may be sent now. */
  acquire(): Promise<void>;
}
