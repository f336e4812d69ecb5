/** Feed sources: the list in content/sources.yaml, and what ingest remembers about fetching each. */

/** A feed source from content/sources.yaml. */
export interface Source {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** A broad source (a whole journal, a news desk) whose items must pass the relevance filter. */
  readonly broad: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  /** File under content/snapshots/ served instead of `url` when running offline. */
  readonly snapshot?: string;
}

/** One source's fetch history: the validators of its last good fetch and its run of failures. */
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
