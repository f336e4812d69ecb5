import type {
  AdminActor,
  AdminSendRecord,
  AdminSendSummary,
  AdminTestRecord,
  AudienceSummary,
  StoredDraft,
} from '../model/announcements.ts';
import type { DeliveryCounts } from '../model/deliveries.ts';

export type CreateSendResult =
  { readonly created: true } | { readonly created: false; readonly existing: AdminSendRecord };

/** A rendered preview kept briefly for the admin page's preview frame (it loads by GET). */
export interface StoredPreview {
  readonly previewId: string;
  readonly html: string;
  readonly expiresAt: string;
}

/** An audited test send, with the id of the send it was made under. */
export interface TestOfSend {
  readonly sendId: string;
  readonly test: AdminTestRecord;
}

/** The admin-send audit's entries about one address (its keyed id), for export and erasure. */
export interface TestAudit {
  listTestsTo(toId: string): Promise<TestOfSend[]>;
  /** Replaces the address's id in every test made to it by "erased"; returns how many tests changed. */
  anonymiseTestsTo(toId: string): Promise<number>;
}

export interface AdminSendStore extends TestAudit {
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
  /**
   * Makes `sendId` a send scheduled for `schedule.for`, with this content, unless it is already a
   * send (scheduled, cancelled or made): the same conditional write as createSend.
   */
  scheduleSend(
    sendId: string,
    draft: StoredDraft,
    schedule: { readonly at: Date; readonly by: AdminActor; readonly for: Date },
  ): Promise<CreateSendResult>;
  /**
   * Cancels a scheduled send; false when it is not scheduled (any more). Cancel and start are
   * conditional updates on the same item: exactly one of them wins.
   */
  cancelScheduled(sendId: string, at: Date, by: AdminActor): Promise<boolean>;
  /**
   * Starts a scheduled send: it becomes a send made now by whoever scheduled it; false when it is
   * not scheduled (any more: cancelled, or started already).
   */
  startScheduled(sendId: string, at: Date, confirmedAudience: number): Promise<boolean>;
  /** The ids of the sends scheduled and neither started nor cancelled (one item, no scan). */
  listScheduled(): Promise<string[]>;
  /** Records the audience the planner enqueued; only the first plan's figures are kept. */
  markEnqueued(sendId: string, audience: AudienceSummary, jobs: number, at: Date): Promise<void>;
  saveFinalCounts(sendId: string, counts: DeliveryCounts): Promise<void>;
  /** Sends and drafts first used in the last `months` calendar months (UTC), newest first, without bodies. */
  listRecent(now: Date, months: number): Promise<AdminSendSummary[]>;
  putPreview(preview: StoredPreview): Promise<void>;
  /** undefined when unknown or expired. */
  getPreview(previewId: string, now: Date): Promise<StoredPreview | undefined>;
}
