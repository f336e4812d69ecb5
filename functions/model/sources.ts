/** Sources: the list in content/sources.yaml, and what ingest remembers about fetching each. */

/**
 * How a source is read: `feed` is an RSS, Atom or RDF document fetched whole; `pubmed` searches
 * PubMed through NCBI's E-utilities; `clinicaltrials` searches the ClinicalTrials.gov v2 API.
 * The two APIs carry structured facts (MeSH headings, publication types, trial phase, status and
 * sites) that a feed would flatten into text.
 */
export const SOURCE_KINDS = ['feed', 'pubmed', 'clinicaltrials'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What a `clinicaltrials` source asks the registry (the v2 API's query.intr, query.cond, query.term). */
export interface TrialQuery {
  readonly intervention?: string;
  readonly condition?: string;
  readonly term?: string;
}

/** A source from content/sources.yaml. */
export interface Source {
  readonly id: string;
  /** How the source is read; absent means `feed`. */
  readonly kind?: SourceKind;
  readonly name: string;
  /** The feed's URL; for an API source, the search page a person can open (derived when not given). */
  readonly url: string;
  /** A broad source (a whole journal, a news desk) whose items must pass the relevance filter. */
  readonly broad: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  /**
   * The offline copy served instead of the real URL: a file under content/snapshots/ for a feed;
   * for an API source, the base name of its recorded responses (`<snapshot>.esearch.json` and
   * `<snapshot>.efetch.xml`, or `<snapshot>.studies.json`).
   */
  readonly snapshot?: string;
  /** `pubmed`: the PubMed search term, in PubMed's own query syntax. */
  readonly term?: string;
  /** `clinicaltrials`: what to ask the registry. */
  readonly trials?: TrialQuery;
}

/** One source's fetch history: the validators of its last good fetch and its run of failures. */
export interface SourceState {
  readonly sourceId: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** The URL the validators came from: they are only sent back to that URL. */
  readonly validatorsUrl?: string;
  /**
   * API sources: where the next search window starts (ISO instant). Everything the API listed
   * before it has been taken; a run that stopped at its cap leaves it where it stopped.
   */
  readonly windowStart?: string;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  readonly lastError?: string;
  readonly consecutiveFailures: number;
}
