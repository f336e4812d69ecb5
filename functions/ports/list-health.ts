import type {
  CensusRow,
  ReaderAuditEntry,
  RunKind,
  RunRecord,
  WeeklyReaderCounts,
} from '../model/list-health.ts';

/** Every item of the subscribers table, read without its address: what the dashboard counts. */
export interface SubscriberCensus {
  census(): Promise<CensusRow[]>;
}

/** The last runs of the scheduled jobs (state table), newest first. */
export interface RunLog {
  /** Keeps the run with the most recent ones of its kind (RUNS_KEPT). */
  record(run: RunRecord): Promise<void>;
  latest(kind: RunKind): Promise<RunRecord[]>;
}

/** The reader counts of each ISO week (state table): the dashboard's change over 12 weeks. */
export interface WeeklyCountStore {
  /** The week's counts, replacing any taken earlier the same week. */
  put(counts: WeeklyReaderCounts): Promise<void>;
  /** True when a count was already taken in this week. */
  has(week: string): Promise<boolean>;
  getMany(weeks: readonly string[]): Promise<WeeklyReaderCounts[]>;
}

/** The audit of admins' changes to readers, by keyed id, oldest first (state table). */
export interface ReaderAuditLog {
  record(subscriberId: string, entry: ReaderAuditEntry): Promise<void>;
  list(subscriberId: string): Promise<ReaderAuditEntry[]>;
  /** Deletes the reader's entries (their erasure: the reasons are free text); returns how many. */
  forget(subscriberId: string): Promise<number>;
}
