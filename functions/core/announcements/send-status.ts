import type { AdminSendRecord, AdminSendSummary } from '../../model/announcements.ts';
import type { DeliveryCounts } from '../../model/deliveries.ts';
import type { AdminSendDependencies } from './admin-send.ts';
import { announcementLedgerId } from './announcement.ts';

/**
 * 'draft': only tested; 'scheduled': to start at its time; 'cancelled': cancelled before it
 * started, never sent; 'queued': sent, its audience not enqueued yet; 'sending': some readers
 * not accounted for; 'sent': every reader sent, skipped or failed.
 */
export type SendState = 'draft' | 'scheduled' | 'cancelled' | 'queued' | 'sending' | 'sent';

export interface SendProgress {
  readonly state: SendState;
  readonly counts: DeliveryCounts;
  /** Readers of the planned audience not yet sent, skipped or failed. */
  readonly pending: number;
}

/** A send and how far it got: its record (body included when read alone) and its ledger counts. */
export type SendStatus<R extends AdminSendSummary = AdminSendRecord> = R & SendProgress;

const NO_COUNTS: DeliveryCounts = { claimed: 0, sent: 0, failed: 0, skipped: 0 };

/** One send with its progress, or undefined for an unknown id. */
export async function sendStatus(
  sendId: string,
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger'>,
): Promise<SendStatus | undefined> {
  const record = await deps.adminSends.get(sendId);
  return record ? withProgress(record, deps) : undefined;
}

/** The sends and drafts of the last few months, newest first, each with its progress. */
export async function listSends(
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger' | 'clock'>,
  months = 12,
): Promise<SendStatus<AdminSendSummary>[]> {
  const records = await deps.adminSends.listRecent(deps.clock.now(), months);
  return Promise.all(records.map((record) => withProgress(record, deps)));
}

/** A record with how far its send got, read from the ledger until every reader is accounted for. */
export async function withProgress<R extends AdminSendSummary>(
  record: R,
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger'>,
): Promise<SendStatus<R>> {
  if (record.status !== 'queued') return { ...record, state: record.status, counts: NO_COUNTS, pending: 0 };
  const counts = record.finalCounts ?? (await deps.ledger.countByStatus(announcementLedgerId(record.sendId)));
  if (!record.audience) return { ...record, state: 'queued', counts, pending: record.confirmedAudience ?? 0 };
  const accounted = counts.sent + counts.failed + counts.skipped;
  const pending = Math.max(0, record.audience.total - accounted);
  const done = pending === 0 && counts.claimed === 0;
  // Once every reader is accounted for the counts never change: keep them, and lists stop reading the ledger.
  if (done && !record.finalCounts) await deps.adminSends.saveFinalCounts(record.sendId, counts);
  return { ...record, state: done ? 'sent' : 'sending', counts, pending };
}
