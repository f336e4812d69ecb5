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
import type { AnnouncementFormat } from '../core/announcements/announcement.ts';
import type { AudienceSummary } from '../core/announcements/audience.ts';

/**
 * The interfaces the core needs from the outside world. Adapters (DynamoDB, SES, SQS, HTTP)
 * implement them with an injected client; unit tests implement them with in-memory fakes.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Log lines with fields. Pass a caught error as it is, `{ error }`, never flattened to a string:
 * every implementation logs an Error whole (name, message, stack and its `cause` chain).
 */
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

/** One source's good fetch, for {@link SourceStateStore.recordSuccesses}. */
export interface SourceSuccess {
  readonly sourceId: string;
  readonly at: Date;
  readonly conditions: FetchConditions;
  /** The URL the validators came from. */
  readonly url?: string;
  /** The state read at the start of the run: its failure history (last error) is kept. */
  readonly previous?: SourceState;
}

export interface SourceStateStore {
  get(sourceId: string): Promise<SourceState | undefined>;
  /** The states of many sources in few requests; sources never seen are absent from the map. */
  getMany(sourceIds: readonly string[]): Promise<Map<string, SourceState>>;
  /** Resets the failure count and keeps the validators for the next conditional GET of `url`. */
  recordSuccess(sourceId: string, at: Date, conditions: FetchConditions, url?: string): Promise<void>;
  /**
   * {@link recordSuccess} for many sources in few requests. Each state is written whole from
   * `previous`: only for the ingest that holds the article writer (no other writer of these states).
   */
  recordSuccesses(successes: readonly SourceSuccess[]): Promise<void>;
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
  /** This week's digest had nothing for the reader: the planner leaves them until next week. */
  markSkipped(subscriberId: string, digestId: string, at: Date): Promise<void>;
  /** Moves the subscriber's window forward; never backward (a late retry of an old week is a no-op). */
  recordDelivery(subscriberId: string, digestId: string, windowEnd: Date): Promise<void>;
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

export type EmailClaimKind = 'confirmation' | 'manage-link';

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

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Fixed-window request counters (per client, per action), for the API's own abuse limits.
 * One conditional write per request; the counter item expires with its window.
 */
export interface RequestCounter {
  /**
   * Counts one request against `key` in the window starting at `windowStart`, unless the window
   * already holds `limit`; true when this request is within the limit.
   */
  take(key: string, windowStart: Date, windowMs: number, limit: number): Promise<boolean>;
}

/** A built archive edition: the general (non-personalised) digest of one ISO week. */
export interface StoredEdition {
  readonly weekId: string;
  readonly builtAt: string;
  readonly articleCount: number;
  readonly sections: readonly { readonly topic: TopicId; readonly articleIds: readonly string[] }[];
}

/**
 * Editions of weeks that are over never change (an article's first-seen time is when we stored
 * it), so each is built once from the articles table and kept here.
 */
export interface EditionStore {
  getMany(weekIds: readonly string[]): Promise<StoredEdition[]>;
  put(edition: StoredEdition): Promise<void>;
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
  /** How many items of a digest or send are in each status (read consistently). */
  countByStatus(digestId: string): Promise<DeliveryCounts>;
}

export type DeliveryCounts = Readonly<Record<DeliveryStatus, number>>;

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

export interface EnqueueOptions {
  /** Keep the jobs invisible this long first (at most 900 s, SQS's limit). */
  readonly delaySeconds?: number;
}

export interface SendQueue {
  enqueue(jobs: readonly SendJob[], options?: EnqueueOptions): Promise<void>;
}

/** Spaces sends so that all senders together stay under the account's max send rate. */
export interface SendRateLimiter {
  /** Resolves when one more email may be sent now. */
  acquire(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Admin sends

/** Who did something as an admin, and through which door: audited with every send and test. */
export interface AdminActor {
  /** The IAM principal's ARN in the cloud; locally the OS user of the CLI or "admin token". */
  readonly principal: string;
  readonly via: 'cli' | 'api' | 'page';
}

/** What an admin send says and to whom, as stored (an AnnouncementDraft, flattened). */
export interface StoredDraft {
  readonly subject: string;
  readonly format: AnnouncementFormat;
  readonly body: string;
  readonly topics: readonly TopicId[];
  /** draftHash of the above: equal hashes are the same announcement to the same audience. */
  readonly draftHash: string;
}

/** A test send, audited on the send id it was made under. */
export interface AdminTestRecord {
  readonly at: string;
  readonly by: AdminActor;
  readonly to: string;
  readonly messageId: string;
  /** Which content was tested: the confirm step tells whether the content sent is the content tested. */
  readonly draftHash: string;
}

/**
 * One admin send in the state table. 'draft': only tested so far (its content is the last one
 * tested); 'queued': sent for real, content fixed for good. Whether it is still sending or done
 * is read from the delivery ledger, never stored twice.
 */
export interface AdminSendRecord extends StoredDraft {
  readonly sendId: string;
  readonly status: 'draft' | 'queued';
  /** When the id was first used (a test or the send). */
  readonly firstUsedAt: string;
  /** When, by whom and for how many readers (as the admin confirmed it) it was sent. */
  readonly sentAt?: string;
  readonly sentBy?: AdminActor;
  readonly confirmedAudience?: number;
  /** The audience the planner actually enqueued, and when. */
  readonly audience?: AudienceSummary;
  readonly enqueuedAt?: string;
  readonly jobs?: number;
  readonly tests: readonly AdminTestRecord[];
  /** The ledger's counts once every recipient is accounted for, kept so lists need no ledger read. */
  readonly finalCounts?: DeliveryCounts;
}

/** A send in a list: everything but its body. */
export type AdminSendSummary = Omit<AdminSendRecord, 'body'>;

export type CreateSendResult =
  { readonly created: true } | { readonly created: false; readonly existing: AdminSendRecord };

/** A rendered preview kept briefly for the admin page's preview frame (it loads by GET). */
export interface StoredPreview {
  readonly previewId: string;
  readonly html: string;
  readonly expiresAt: string;
}

export interface AdminSendStore {
  get(sendId: string): Promise<AdminSendRecord | undefined>;
  /**
   * Audits a test send under `sendId`: creates a draft with this content, or updates a draft's
   * content to it, or, on a send already made with the same content, only adds the test.
   * 'conflict' when the id is a send with other content, or holds too many tests already.
   */
  recordTest(sendId: string, draft: StoredDraft, test: AdminTestRecord): Promise<'recorded' | 'conflict'>;
  /**
   * Makes `sendId` a send with this content, unless it already is one (a conditional write: two
   * admins sending the same id at once create it once).
   */
  createSend(
    sendId: string,
    draft: StoredDraft,
    sent: { readonly at: Date; readonly by: AdminActor; readonly confirmedAudience: number },
  ): Promise<CreateSendResult>;
  /** Records the audience the planner enqueued; only the first plan's figures are kept. */
  markEnqueued(sendId: string, audience: AudienceSummary, jobs: number, at: Date): Promise<void>;
  saveFinalCounts(sendId: string, counts: DeliveryCounts): Promise<void>;
  /** Sends and drafts first used in the last `months` calendar months (UTC), newest first, without bodies. */
  listRecent(now: Date, months: number): Promise<AdminSendSummary[]>;
  putPreview(preview: StoredPreview): Promise<void>;
  /** undefined when unknown or expired. */
  getPreview(previewId: string, now: Date): Promise<StoredPreview | undefined>;
}
