import type { DeliveryCounts } from './deliveries.ts';
import type { TopicId } from './topics.ts';

/**
 * Admin sends: one-off announcements, as stored and audited. The rules that make and check them
 * are in functions/core/announcements/.
 */

export const ANNOUNCEMENT_FORMATS = ['markdown', 'mjml'] as const;
export type AnnouncementFormat = (typeof ANNOUNCEMENT_FORMATS)[number];

/** Who an announcement goes to, counted when it is planned. */
export interface AudienceSummary {
  /** Readers the announcement goes to. */
  readonly total: number;
  /**
   * Per topic, how many of them follow it: each targeted topic, or every topic for a send to all
   * (a reader who follows several counts in each, so these do not add up to the total).
   */
  readonly byTopic: Readonly<Partial<Record<TopicId, number>>>;
  /** Readers it would have gone to but who paused their subscription. */
  readonly pausedLeftOut: number;
}

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

/** The id a test's address is audited under once its reader asked to be erased. */
export const ERASED_TEST_ADDRESS = 'erased';

/** A test send, audited on the send id it was made under. */
export interface AdminTestRecord {
  readonly at: string;
  readonly by: AdminActor;
  /**
   * The keyed id of the address (as a subscriber id, never the address itself): enough to find a
   * reader's entries for their export and erasure, nothing to read an address from.
   */
  readonly toId: string;
  readonly messageId: string;
  /** Which content was tested: the confirm step tells whether the content sent is the content tested. */
  readonly draftHash: string;
}

/**
 * One admin send in the state table. 'draft': only tested so far (its content is the last one
 * tested); 'scheduled': to be sent at `scheduledFor`, content fixed; 'cancelled': was scheduled,
 * cancelled before it started (never sent); 'queued': sent for real, content fixed for good.
 * Whether it is still sending or done is read from the delivery ledger, never stored twice.
 */
export interface AdminSendRecord extends StoredDraft {
  readonly sendId: string;
  readonly status: 'draft' | 'scheduled' | 'cancelled' | 'queued';
  /** For a send scheduled for later: when it is to start, who scheduled it and when. */
  readonly scheduledFor?: string;
  readonly scheduledAt?: string;
  readonly scheduledBy?: AdminActor;
  /** Who cancelled a scheduled send, and when. */
  readonly cancelledAt?: string;
  readonly cancelledBy?: AdminActor;
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
