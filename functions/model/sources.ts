/** Feed sources: the list in content/sources.yaml, and what ingest remembers about fetching each. */

/**
 * What a source publishes, which cards show as a badge: a journal's research (the default), news,
 * preprints (not peer reviewed), a trial registry's records, or the site's own explainers.
 */
export type SourceKind = 'journal' | 'news' | 'preprint' | 'registry' | 'site';

/** A feed source from content/sources.yaml. */
export interface Source {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** A broad source (a whole journal, a news desk) whose items must pass the relevance filter. */
  readonly broad: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  /** What it publishes; a source without one is a journal (or a preprint server, if its URL says rxiv). */
  readonly kind?: SourceKind;
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
