import type { SourceState } from '../model/sources.ts';
import type { FetchConditions } from './feed-fetcher.ts';

/** One source's good fetch, for {@link SourceStateStore.recordSuccesses}. */
export interface SourceSuccess {
  readonly sourceId: string;
  readonly at: Date;
  readonly conditions: FetchConditions;
  /** The URL the validators came from. */
  readonly url?: string;
  /** The state read at the start of the run: its failure history (last error) is kept. */
  readonly previous?: SourceState;
  /** API sources: where the next search window starts (ISO instant). */
  readonly windowStart?: string;
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
