import type { ArticleCandidate } from '../../model/articles.ts';
import type { Source, SourceState } from '../../model/sources.ts';
import type { TrialRegistryApi } from '../../ports/trial-registry-api.ts';
import { describeError } from '../errors.ts';
import { nextWindowStart, searchWindow, type ApiDay } from './api-window.ts';
import { parseStudiesPage, type TrialRecord } from './clinicaltrials-parser.ts';
import { timed } from './read-feed.ts';
import type { ApiSourceDependencies, ApiSourceRun, ApiSourceSettings } from './read-pubmed.ts';
import { trialCandidate } from './record-candidates.ts';

/** Studies per page: the API allows up to 1,000, but a page of full records is then ~20 MB. */
export const STUDIES_PAGE_SIZE = 100;

/**
 * One run of a ClinicalTrials.gov source: the studies whose last update was posted on or after
 * the window's first day (new registrations are updates too), oldest update first, page by page
 * (nextPageToken), each page parsed, tagged and stored before the next is asked for.
 *
 * Past `maxRecordsPerRun` the run finishes the day it is in and stops: the registry dates
 * updates by day, so the next window starts the day after, having lost nothing.
 *
 * @throws FeedError of the kind of the first answer that could not be read (the run stores what came before)
 */
export async function readTrialRegistrySource(
  source: Source,
  baseUrl: string,
  state: SourceState | undefined,
  registry: TrialRegistryApi,
  settings: ApiSourceSettings,
  deps: ApiSourceDependencies,
): Promise<ApiSourceRun> {
  const window = searchWindow(state, deps.now, settings.lookbackDays);
  let itemsSeen = 0;
  let taken = 0;
  let lastDayTaken: ApiDay | undefined;
  let cut = false;
  let pageToken: string | undefined;
  const rejections: string[] = [];
  do {
    const answer = await timed(deps.timer, 'fetch', () =>
      registry.searchStudies({
        baseUrl,
        query: source.trials ?? {},
        updatedFrom: window.firstDay,
        pageSize: STUDIES_PAGE_SIZE,
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    const page = parseStudiesPage(
      answer.body,
      settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes },
    );
    itemsSeen += page.studyErrors.length;
    rejections.push(...page.studyErrors);
    const candidates: ArticleCandidate[] = [];
    for (const study of byLastUpdate(page.studies)) {
      if (taken >= settings.maxRecordsPerRun && study.lastUpdatedOn !== lastDayTaken) {
        cut = true;
        break;
      }
      itemsSeen += 1;
      taken += 1;
      lastDayTaken = study.lastUpdatedOn;
      try {
        const result = trialCandidate(study, source, deps.tagger, deps.now, {
          windowFirstDay: window.firstDay,
          lookbackDays: settings.lookbackDays,
          ...(deps.maxAgeDays === undefined ? {} : { maxAgeDays: deps.maxAgeDays }),
        });
        if (result.ok) candidates.push(result.candidate);
        else rejections.push(`${study.nctId}: ${result.reason}`);
      } catch (error) {
        rejections.push(`${study.nctId}: ${describeError(error)}`);
      }
    }
    await deps.store(candidates);
    pageToken = cut ? undefined : page.nextPageToken;
  } while (pageToken);
  return {
    itemsSeen,
    rejections,
    windowStart: cut && lastDayTaken ? nextWindowStart(lastDayTaken, deps.now) : deps.now,
  };
}

/** The API sorts by last update as asked; a page is sorted again so that a tie never reorders days. */
function byLastUpdate(studies: readonly TrialRecord[]): TrialRecord[] {
  return [...studies].sort((a, b) =>
    a.lastUpdatedOn < b.lastUpdatedOn ? -1 : a.lastUpdatedOn > b.lastUpdatedOn ? 1 : 0,
  );
}
