/** Sources: the list in content/sources.yaml, and what ingest remembers about fetching each. */

/**
 * How a source is read (`via` in sources.yaml): `feed` is an RSS, Atom or RDF document fetched
 * whole; `pubmed` searches PubMed through NCBI's E-utilities; `clinicaltrials` searches the
 * ClinicalTrials.gov v2 API. The two APIs carry structured facts (MeSH headings, publication
 * types, trial phase, status and sites) that a feed would flatten into text.
 */
export const SOURCE_VIAS = ['feed', 'pubmed', 'clinicaltrials'] as const;
export type SourceVia = (typeof SOURCE_VIAS)[number];

/** What a `clinicaltrials` source asks the registry (the v2 API's query.intr, query.cond, query.term). */
export interface TrialQuery {
  readonly intervention?: string;
  readonly condition?: string;
  readonly term?: string;
}

/**
 * What a source publishes, which cards show as a badge: a journal's research (the default), news,
 * preprints (not peer reviewed), a trial registry's records, or the site's own explainers.
 */
export type SourceKind = 'journal' | 'news' | 'preprint' | 'registry' | 'site';

/** A source from content/sources.yaml. */
export interface Source {
  readonly id: string;
  /** How the source is read; absent means `feed`. */
  readonly via?: SourceVia;
  readonly name: string;
  /** The feed's URL; for an API source, the search page a person can open (derived when not given). */
  readonly url: string;
  /** A broad source (a whole journal, a news desk) whose items must pass the relevance filter. */
  readonly broad: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  /** What it publishes; a source without one is a journal (or a preprint server, if its URL says rxiv). */
  readonly kind?: SourceKind;
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
