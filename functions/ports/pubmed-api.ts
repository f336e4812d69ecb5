/** An API's answer as it came: the parsers in core/ingest read it and name what is wrong with it. */
export interface ApiAnswer {
  readonly body: Buffer;
  readonly contentType: string | undefined;
}

/** An esearch over an entry-date window, kept on NCBI's history server for efetch. */
export interface PubMedSearch {
  /** The E-utilities base URL: NCBI's, or a loopback stand-in's. */
  readonly baseUrl: string;
  /** The query, in PubMed's syntax. */
  readonly term: string;
  /** First and last day of the window (Entrez date, inclusive), `YYYY-MM-DD`. */
  readonly firstDay: string;
  readonly lastDay: string;
}

/** One batch of a search kept on the history server. */
export interface PubMedBatch {
  readonly baseUrl: string;
  readonly webEnv: string;
  readonly queryKey: string;
  readonly retstart: number;
  /** At most 200 (a batch NCBI serves comfortably). */
  readonly retmax: number;
}

/**
 * NCBI's E-utilities for PubMed. The adapter keeps NCBI's rules: its rate limit (3 requests a
 * second, 10 with an API key) across every PubMed source of the process, `tool` and `email` on
 * every request, retries with backoff on 429 and 5xx.
 */
export interface PubMedApi {
  /**
   * esearch: JSON, `usehistory=y`, `datetype=edat`, no ids listed (efetch reads them from the history server).
   *
   * @throws FeedError of the failure's kind once the retries are spent
   */
  search(request: PubMedSearch): Promise<ApiAnswer>;
  /**
   * efetch: the batch's records as a PubmedArticleSet (XML).
   *
   * @throws FeedError of the failure's kind once the retries are spent
   */
  fetchBatch(request: PubMedBatch): Promise<ApiAnswer>;
}
