import type { ArticleCandidate } from '../../model/articles.ts';
import type { Source, SourceState } from '../../model/sources.ts';
import type { PubMedApi } from '../../ports/pubmed-api.ts';
import { describeError } from '../errors.ts';
import type { Tagger } from '../tagging/tagger.ts';
import {
  addApiDays,
  apiDaysBetween,
  nextWindowStart,
  searchWindow,
  type ApiDay,
  type SearchWindow,
} from './api-window.ts';
import { parseEfetch, parseEsearch, type EsearchResult } from './pubmed-parser.ts';
import { timed, type StageTimer } from './read-feed.ts';
import { pubmedCandidate } from './record-candidates.ts';

/** Records per efetch call: NCBI serves batches of this size comfortably. */
export const EFETCH_BATCH = 200;

/** How the API sources are read (the configuration's `api` settings). */
export interface ApiSourceSettings {
  /** How far back a source's first run looks, in days. */
  readonly lookbackDays: number;
  /** Records taken per source and run; the rest wait for the next run. */
  readonly maxRecordsPerRun: number;
  /** Largest answer accepted (an efetch batch with reference lists is a few MB). */
  readonly maxBytes?: number;
}

export interface ApiSourceDependencies {
  readonly tagger: Tagger;
  readonly now: Date;
  readonly timer?: StageTimer | undefined;
  /** DIGEST_MAX_ARTICLE_AGE_DAYS: a record published longer ago never becomes a new article. */
  readonly maxAgeDays?: number | undefined;
  /** Stores one batch of candidates (before the next is fetched: a long run holds one batch at a time). */
  readonly store: (candidates: readonly ArticleCandidate[]) => Promise<void>;
}

/** What an API source gave in one run. */
export interface ApiSourceRun {
  readonly itemsSeen: number;
  /** Records that could not become articles, with their reasons. */
  readonly rejections: readonly string[];
  /** Where the next run's window starts: after everything this run took. */
  readonly windowStart: Date;
}

/**
 * One run of a PubMed source: esearch over the entry-date window (from where the last run
 * stopped to today), then efetch from the history server in batches of 200, each parsed, tagged
 * and stored before the next is asked for.
 *
 * A window holding more than `maxRecordsPerRun` records is cut at a day: the run takes the
 * longest run of whole days from the window's start that fits (found by halving the days, a few
 * cheap esearch calls), or the first day alone when even that does not fit, and the next window
 * starts the day after. Only whole days are taken because esearch filters by day and its order
 * within a window is not documented: the window start then only ever moves over what was taken.
 *
 * @throws FeedError of the kind of the first answer that could not be read (the run stores what came before)
 */
export async function readPubMedSource(
  source: Source,
  baseUrl: string,
  state: SourceState | undefined,
  pubmed: PubMedApi,
  settings: ApiSourceSettings,
  deps: ApiSourceDependencies,
): Promise<ApiSourceRun> {
  const window = searchWindow(state, deps.now, settings.lookbackDays);
  const term = source.term ?? '';
  const searches = new Map<ApiDay, EsearchResult>();
  const search = async (lastDay: ApiDay): Promise<EsearchResult> => {
    const known = searches.get(lastDay);
    if (known) return known;
    const answer = await timed(deps.timer, 'fetch', () =>
      pubmed.search({ baseUrl, term, firstDay: window.firstDay, lastDay }),
    );
    const result = parseEsearch(answer.body);
    searches.set(lastDay, result);
    return result;
  };

  const lastDay = await lastDayThatFits(window, settings.maxRecordsPerRun, search);
  const { count, webEnv, queryKey } = await search(lastDay);
  let itemsSeen = 0;
  const rejections: string[] = [];
  for (let retstart = 0; retstart < count; retstart += EFETCH_BATCH) {
    const answer = await timed(deps.timer, 'fetch', () =>
      pubmed.fetchBatch({ baseUrl, webEnv, queryKey, retstart, retmax: EFETCH_BATCH }),
    );
    const batch = await timed(deps.timer, 'parse', () =>
      Promise.resolve(
        parseEfetch(answer.body, settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
      ),
    );
    itemsSeen += batch.records.length + batch.recordErrors.length;
    rejections.push(...batch.recordErrors.map((reason) => `batch at ${retstart}: ${reason}`));
    const candidates: ArticleCandidate[] = [];
    for (const record of batch.records) {
      try {
        const result = pubmedCandidate(record, source, deps.tagger, deps.now, deps.maxAgeDays);
        if (result.ok) candidates.push(result.candidate);
        else rejections.push(`PMID ${record.pmid}: ${result.reason}`);
      } catch (error) {
        rejections.push(`PMID ${record.pmid}: ${describeError(error)}`);
      }
    }
    await deps.store(candidates);
  }
  return { itemsSeen, rejections, windowStart: nextWindowStart(lastDay, deps.now) };
}

/**
 * The last day of the window to take: today when the whole window fits the cap; otherwise the
 * latest day whose records from the window's start fit, found by halving the range of days; the
 * first day when not even it fits (one day's records are taken whatever their number, or the
 * window could never move).
 */
async function lastDayThatFits(
  window: SearchWindow,
  cap: number,
  search: (lastDay: ApiDay) => Promise<EsearchResult>,
): Promise<ApiDay> {
  if ((await search(window.lastDay)).count <= cap) return window.lastDay;
  // Invariant: the window up to day `fits` holds ≤ cap records (-1: none known), up to `tooMany` more.
  let fits = -1;
  let tooMany = apiDaysBetween(window.firstDay, window.lastDay);
  while (tooMany - fits > 1) {
    const middle = Math.floor((fits + tooMany) / 2);
    if ((await search(addApiDays(window.firstDay, middle))).count <= cap) fits = middle;
    else tooMany = middle;
  }
  return addApiDays(window.firstDay, Math.max(fits, 0));
}
