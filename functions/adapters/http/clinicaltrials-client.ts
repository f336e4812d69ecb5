import type { FeedFetcher } from '../../ports/feed-fetcher.ts';
import type { ApiAnswer } from '../../ports/pubmed-api.ts';
import type { StudySearch, TrialRegistryApi } from '../../ports/trial-registry-api.ts';
import { PoliteApiClient, type PoliteApiSettings } from './polite-api.ts';

/**
 * ClinicalTrials.gov asks clients to stay near 50 requests a minute per address; one source's
 * run needs a few pages, so this costs a run seconds at most.
 */
export const CLINICALTRIALS_REQUESTS_PER_SECOND = 50 / 60;

/**
 * The fields a study card and the tagger use: asking for these instead of whole records keeps a
 * page of 100 studies small (whole records carry eligibility text, outcomes and every contact).
 */
const FIELDS = [
  'NCTId',
  'BriefTitle',
  'OfficialTitle',
  'BriefSummary',
  'OverallStatus',
  'StudyFirstPostDate',
  'LastUpdatePostDate',
  'Phase',
  'StudyType',
  'DesignAllocation',
  'Condition',
  'InterventionName',
  'InterventionType',
  'ArmGroupInterventionName',
  'LeadSponsorName',
  'LocationCountry',
  'LocationStatus',
  'ConditionMeshTerm',
  'InterventionMeshTerm',
].join(',');

export interface ClinicalTrialsSettings {
  readonly polite?: Omit<PoliteApiSettings, 'requestsPerSecond'>;
  readonly requestsPerSecond?: number;
}

/** The ClinicalTrials.gov v2 API: studies updated since a day, oldest update first, page by page. */
export class ClinicalTrialsClient implements TrialRegistryApi {
  private readonly client: PoliteApiClient;

  constructor(fetcher: FeedFetcher, settings: ClinicalTrialsSettings = {}) {
    this.client = new PoliteApiClient(fetcher, {
      ...settings.polite,
      requestsPerSecond: settings.requestsPerSecond ?? CLINICALTRIALS_REQUESTS_PER_SECOND,
    });
  }

  searchStudies(request: StudySearch): Promise<ApiAnswer> {
    const base = request.baseUrl.endsWith('/') ? request.baseUrl : `${request.baseUrl}/`;
    const url = new URL('studies', base);
    const parameters = url.searchParams;
    parameters.set('format', 'json');
    if (request.query.intervention) parameters.set('query.intr', request.query.intervention);
    if (request.query.condition) parameters.set('query.cond', request.query.condition);
    if (request.query.term) parameters.set('query.term', request.query.term);
    parameters.set('filter.advanced', `AREA[LastUpdatePostDate]RANGE[${request.updatedFrom},MAX]`);
    parameters.set('sort', 'LastUpdatePostDate:asc');
    parameters.set('fields', FIELDS);
    parameters.set('pageSize', String(request.pageSize));
    parameters.set('countTotal', 'true');
    if (request.pageToken) parameters.set('pageToken', request.pageToken);
    return this.client.get(url.toString());
  }
}
