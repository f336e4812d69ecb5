import type { SubscriberStatus } from './subscribers.ts';
import type { TopicId } from './topics.ts';

/**
 * The list's health as the editors' dashboard shows it: what the subscribers table holds (read
 * without addresses), the runs of the scheduled jobs, and the weekly counts kept to show change.
 * Plain data; times are ISO-8601 strings in UTC.
 */

/** One item of the subscribers table as the census reads it: never an address. */
export type CensusRow =
  | {
      readonly kind: 'reader';
      readonly status: SubscriberStatus;
      readonly topics: readonly TopicId[];
      readonly paused: boolean;
      readonly createdAt: string;
      /** When the record last changed: for a bounced or complained reader, when that happened. */
      readonly updatedAt: string;
    }
  | {
      readonly kind: 'suppressed';
      readonly reason: 'erased' | 'bounced' | 'complained';
      readonly at: string;
    }
  | { readonly kind: 'pending'; readonly requestedAt: string; readonly expiresAt: string };

/** How readers stand, as the dashboard counts them. Paused readers are confirmed ones who paused. */
export const READER_STATES = [
  'confirmed',
  'paused',
  'pending',
  'unsubscribed',
  'bounced',
  'complained',
  'erased',
] as const;
export type ReaderState = (typeof READER_STATES)[number];

/** The readers of one moment: by state, and the mailable (confirmed, not paused) ones by topic. */
export interface ReaderCounts {
  readonly byState: Readonly<Record<ReaderState, number>>;
  readonly byTopic: Readonly<Partial<Record<TopicId, number>>>;
}

/** The counts kept for one ISO week (UTC), as they stood when last taken that week. */
export interface WeeklyReaderCounts extends ReaderCounts {
  readonly week: string;
  readonly takenAt: string;
}

export type RunKind = 'ingest' | 'plan-digest';

/** What one run of a scheduled job came to, recorded where it ends. */
export interface RunRecord {
  readonly kind: RunKind;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The run's own counts (articles created, readers planned, …), by name. */
  readonly counts: Readonly<Record<string, number>>;
  /** Sources that failed (ingest); empty when none did. */
  readonly problems: readonly string[];
}

/** What an admin did by hand to one reader, kept under the reader's keyed id (never the address). */
export interface ReaderAuditEntry {
  readonly at: string;
  /** The IAM principal, the OS user of the CLI, or "local admin (admin token)"; and the door. */
  readonly by: { readonly principal: string; readonly via: 'cli' | 'api' | 'page' };
  readonly action: 'unsubscribe' | 'suppress';
  readonly reason: string;
  /** What the action found and did: 'unsubscribed', 'suppressed', or 'already' (nothing to change). */
  readonly outcome: string;
}
