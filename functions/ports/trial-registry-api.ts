import type { TrialQuery } from '../model/sources.ts';
import type { ApiAnswer } from './pubmed-api.ts';

/** One page of studies updated (or first posted) on or after a day, oldest update first. */
export interface StudySearch {
  /** The v2 API's base URL: ClinicalTrials.gov's, or a loopback stand-in's. */
  readonly baseUrl: string;
  readonly query: TrialQuery;
  /** `YYYY-MM-DD`: studies whose last update was posted on or after this day. */
  readonly updatedFrom: string;
  readonly pageSize: number;
  /** The previous page's nextPageToken; absent for the first page. */
  readonly pageToken?: string;
}

/**
 * The ClinicalTrials.gov v2 API (`GET /studies`, JSON). The adapter keeps the registry's rate
 * limit and retries 429 and 5xx with backoff, as the PubMed one does.
 */
export interface TrialRegistryApi {
  /** @throws FeedError of the failure's kind once the retries are spent */
  searchStudies(request: StudySearch): Promise<ApiAnswer>;
}
