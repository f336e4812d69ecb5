import pLimit from 'p-limit';
import { describeError, FeedError, IngestBusyError, type FeedFailureKind } from '../errors.ts';
import type { ArticleCandidate } from '../../model/articles.ts';
import type { Source } from '../../model/sources.ts';
import type { ArticleIngest, ArticleWriter, UpsertOutcome } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { FeedFetcher } from '../../ports/feed-fetcher.ts';
import type { Logger } from '../../ports/logger.ts';
import type { PubMedApi } from '../../ports/pubmed-api.ts';
import type { TrialRegistryApi } from '../../ports/trial-registry-api.ts';
import type { SourceState } from '../../model/sources.ts';
import type { SourceStateStore, SourceSuccess } from '../../ports/source-state-store.ts';
import type { Tagger } from '../tagging/tagger.ts';
import { normaliseItems, readFeed, timed, type StageTimer } from './read-feed.ts';
import { readTrialRegistrySource } from './read-clinicaltrials.ts';
import { readPubMedSource, type ApiSourceRun, type ApiSourceSettings } from './read-pubmed.ts';
import type { SiteArticle } from './site-articles.ts';
import { SITE_SOURCE, viaOf } from './sources.ts';

export interface IngestDependencies {
  readonly fetcher: FeedFetcher;
  /** NCBI's E-utilities, for `pubmed` sources. */
  readonly pubmed?: PubMedApi;
  /** ClinicalTrials.gov, for `clinicaltrials` sources. */
  readonly trialRegistry?: TrialRegistryApi;
  readonly articles: ArticleIngest;
  readonly sourceState: SourceStateStore;
  readonly tagger: Tagger;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Optional: receives the duration of each stage (the benchmark's time shares). */
  readonly timer?: StageTimer;
}

export interface IngestRequest {
  /**
   * Enabled sources, each with the URL to fetch: a feed's (the real one, or a local snapshot's),
   * or the base URL of the API an API source searches (the real one, or a loopback stand-in's).
   */
  readonly sources: readonly { readonly source: Source; readonly fetchUrl: string }[];
  readonly siteArticles: readonly SiteArticle[];
  /**
   * Where the site publishes its own articles (ARTICLES_BASE_URL): each links to `<base>/<slug>`.
   * Unset: to the `canonical` of its front matter.
   */
  readonly articlesBaseUrl?: string;
  readonly concurrency: number;
  readonly maxBytes: number;
  /** Most items a feed may hold (FEED_MAX_ITEMS); a feed with more fails as 'too-many-items'. */
  readonly maxItems?: number;
  /**
   * Feed items published more than this many days before this run are left out (the site's own
   * articles are not: an explainer does not age). Unset: no limit.
   */
  readonly maxArticleAgeDays?: number;
  /** How long to wait for a concurrent ingest to finish writing (default: the store's). */
  readonly writerWaitMs?: number;
  /** How API sources are read (default: a 7-day first look back, 500 records per source and run). */
  readonly apiSources?: ApiSourceSettings;
}

const DEFAULT_API_SETTINGS: ApiSourceSettings = { lookbackDays: 7, maxRecordsPerRun: 500 };

export interface SourceFailure {
  readonly sourceId: string;
  readonly kind: FeedFailureKind | 'internal';
  readonly message: string;
  readonly consecutiveFailures: number;
}

/** What one source gave in this run. */
export interface SourceReport {
  readonly sourceId: string;
  readonly status: 'fetched' | 'not-modified' | 'failed';
  readonly itemsSeen: number;
  readonly created: number;
  readonly merged: number;
  readonly unchanged: number;
  /** Articles whose facts this source brought newer (a trial's status). */
  readonly updated: number;
  readonly rejected: number;
}

export interface IngestSummary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly sourcesFetched: number;
  readonly sourcesNotModified: number;
  readonly itemsSeen: number;
  readonly articlesCreated: number;
  readonly articlesMerged: number;
  readonly articlesUnchanged: number;
  readonly articlesUpdated: number;
  readonly itemsRejected: number;
  readonly failures: readonly SourceFailure[];
  readonly sources: readonly SourceReport[];
}

/** Candidates per store call: a 10,000-item feed is stored in slices, never held in one batch. */
const STORE_SLICE = 250;

/** Source successes recorded together (DynamoDB's BatchWrite takes 25 items a call). */
const SUCCESS_BATCH = 25;

/**
 * Records the sources' good fetches in batches as they complete, instead of one write per
 * source. A batch that cannot be written is logged: its sources keep their old validators and
 * failure counts, so the next run simply fetches them again.
 */
class SuccessRecorder {
  private pending: SourceSuccess[] = [];
  private readonly writes: Promise<void>[] = [];

  constructor(private readonly deps: IngestDependencies) {}

  add(success: SourceSuccess): void {
    this.pending.push(success);
    if (this.pending.length >= SUCCESS_BATCH) this.write();
  }

  /** Writes what is pending and waits for every write; never throws. */
  async finish(): Promise<void> {
    this.write();
    await Promise.all(this.writes);
  }

  private write(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.writes.push(
      this.deps.sourceState.recordSuccesses(batch).catch((error: unknown) => {
        this.deps.logger.error('could not record the sources’ successful fetches', {
          sourceIds: batch.map((success) => success.sourceId),
          error,
        });
      }),
    );
  }
}

/**
 * One ingest run: take the article writer (waiting for a concurrent run to finish), store the
 * site's own articles, then fetch every source (bounded concurrency, conditional GET), parse,
 * normalise, tag and store its items. A source that fails is recorded with its error and its
 * count of consecutive failures, and never stops the others.
 *
 * @throws IngestBusyError when another ingest keeps the writer for longer than the wait.
 */
export async function runIngest(request: IngestRequest, deps: IngestDependencies): Promise<IngestSummary> {
  const startedAt = deps.clock.now();
  const writer = await deps.articles.openWriter(
    request.writerWaitMs === undefined ? {} : { waitMs: request.writerWaitMs },
  );
  const reports: SourceReport[] = [];
  const failures: SourceFailure[] = [];
  const successes = new SuccessRecorder(deps);
  try {
    // Every source's state in a few batch reads, rather than one read per source.
    const states = await deps.sourceState.getMany(request.sources.map(({ source }) => source.id));

    const { candidates, rejections } = normaliseItems(
      request.siteArticles.map((article) =>
        request.articlesBaseUrl
          ? { ...article.item, link: `${request.articlesBaseUrl}/${article.slug}` }
          : article.item,
      ),
      SITE_SOURCE,
      deps.tagger,
      deps.clock.now(),
      { topicOverrides: request.siteArticles.map((article) => article.topicOverride) },
    );
    for (const rejection of rejections) deps.logger.warn('site article rejected', { rejection });
    reports.push({
      sourceId: SITE_SOURCE.id,
      status: 'fetched',
      ...(await storeAll(writer, candidates, deps)),
      itemsSeen: request.siteArticles.length,
      rejected: rejections.length,
    });

    const limit = pLimit(request.concurrency);
    await Promise.all(
      request.sources.map(({ source, fetchUrl }) =>
        limit(async () => {
          try {
            const state = states.get(source.id);
            reports.push(
              viaOf(source) === 'feed'
                ? await ingestSource(source, fetchUrl, request, state, writer, successes, deps)
                : await ingestApiSource(source, fetchUrl, request, state, writer, successes, deps),
            );
          } catch (error) {
            const failure = await recordFailure(source, error, states.get(source.id), deps);
            failures.push(failure);
            reports.push({ ...emptyReport(source.id), status: 'failed' });
          }
        }),
      ),
    );
  } finally {
    await successes.finish();
    await writer.close();
  }

  const total = (field: 'itemsSeen' | 'created' | 'merged' | 'unchanged' | 'updated' | 'rejected') =>
    reports.reduce((sum, report) => sum + report[field], 0);
  const feeds = reports.filter((report) => report.sourceId !== SITE_SOURCE.id);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock.now().toISOString(),
    sourcesFetched: feeds.filter((report) => report.status === 'fetched').length,
    sourcesNotModified: feeds.filter((report) => report.status === 'not-modified').length,
    itemsSeen: total('itemsSeen'),
    articlesCreated: total('created'),
    articlesMerged: total('merged'),
    articlesUnchanged: total('unchanged'),
    articlesUpdated: total('updated'),
    itemsRejected: total('rejected'),
    failures: failures.sort((a, b) => a.sourceId.localeCompare(b.sourceId)),
    sources: reports.sort((a, b) => a.sourceId.localeCompare(b.sourceId)),
  };
}

async function ingestSource(
  source: Source,
  fetchUrl: string,
  limits: Pick<IngestRequest, 'maxBytes' | 'maxItems' | 'maxArticleAgeDays'>,
  state: SourceState | undefined,
  writer: ArticleWriter,
  successes: SuccessRecorder,
  deps: IngestDependencies,
): Promise<SourceReport> {
  // Validators belong to the URL that gave them: a changed URL (or --live after snapshots) starts afresh.
  const validators =
    state && (state.validatorsUrl === undefined || state.validatorsUrl === fetchUrl)
      ? {
          ...(state.etag ? { etag: state.etag } : {}),
          ...(state.lastModified ? { lastModified: state.lastModified } : {}),
        }
      : {};
  const result = await timed(deps.timer, 'fetch', () => deps.fetcher.fetch(fetchUrl, validators));
  if (result.status === 'not-modified') {
    successes.add({
      sourceId: source.id,
      at: deps.clock.now(),
      conditions: validators,
      url: fetchUrl,
      ...(state ? { previous: state } : {}),
    });
    return { ...emptyReport(source.id), status: 'not-modified' };
  }

  const charset = /charset=["']?([^;"'\s]+)/i.exec(result.contentType ?? '')?.[1];
  const feed = readFeed(
    result.body,
    source,
    { tagger: deps.tagger, timer: deps.timer },
    // Relative links resolve against the source's own URL, not a local snapshot server's.
    {
      url: source.url,
      maxBytes: limits.maxBytes,
      ...(limits.maxItems ? { maxItems: limits.maxItems } : {}),
      firstSeenAt: deps.clock.now(),
      ...(limits.maxArticleAgeDays === undefined ? {} : { maxAgeDays: limits.maxArticleAgeDays }),
      ...(charset ? { httpCharset: charset } : {}),
    },
  );
  if (feed.rejections.length > 0) {
    deps.logger.info('items rejected', { sourceId: source.id, rejections: feed.rejections.slice(0, 10) });
  }
  const stored = await storeAll(writer, feed.candidates, deps);
  // Only now: a run that failed to store keeps the old validators, so the next run fetches again.
  successes.add({
    sourceId: source.id,
    at: deps.clock.now(),
    conditions: {
      ...(result.etag ? { etag: result.etag } : {}),
      ...(result.lastModified ? { lastModified: result.lastModified } : {}),
    },
    url: fetchUrl,
    ...(state ? { previous: state } : {}),
  });
  return {
    sourceId: source.id,
    status: 'fetched',
    itemsSeen: feed.itemsSeen,
    ...stored,
    rejected: feed.rejections.length,
  };
}

/**
 * One run of an API source (PubMed, ClinicalTrials.gov): its reader searches the window since
 * the last run and stores batch by batch; only when every batch is stored does the window start
 * move on, so a run that fails half way asks for the same records again next time.
 */
async function ingestApiSource(
  source: Source,
  baseUrl: string,
  request: IngestRequest,
  state: SourceState | undefined,
  writer: ArticleWriter,
  successes: SuccessRecorder,
  deps: IngestDependencies,
): Promise<SourceReport> {
  const counts: Record<UpsertOutcome, number> = { created: 0, merged: 0, unchanged: 0, updated: 0 };
  const readDeps = {
    tagger: deps.tagger,
    now: deps.clock.now(),
    timer: deps.timer,
    maxAgeDays: request.maxArticleAgeDays,
    store: async (candidates: readonly ArticleCandidate[]) => {
      const stored = await storeAll(writer, candidates, deps);
      for (const outcome of Object.keys(counts) as UpsertOutcome[]) counts[outcome] += stored[outcome];
    },
  };
  const settings = request.apiSources ?? DEFAULT_API_SETTINGS;
  let run: ApiSourceRun;
  if (viaOf(source) === 'pubmed') {
    if (!deps.pubmed) throw new Error('no E-utilities client is configured for PubMed sources');
    run = await readPubMedSource(source, baseUrl, state, deps.pubmed, settings, readDeps);
  } else {
    if (!deps.trialRegistry) throw new Error('no ClinicalTrials.gov client is configured');
    run = await readTrialRegistrySource(source, baseUrl, state, deps.trialRegistry, settings, readDeps);
  }
  if (run.rejections.length > 0) {
    deps.logger.info('records rejected', { sourceId: source.id, rejections: run.rejections.slice(0, 10) });
  }
  successes.add({
    sourceId: source.id,
    at: deps.clock.now(),
    conditions: {},
    url: baseUrl,
    ...(state ? { previous: state } : {}),
    windowStart: run.windowStart.toISOString(),
  });
  return {
    sourceId: source.id,
    status: 'fetched',
    itemsSeen: run.itemsSeen,
    ...counts,
    rejected: run.rejections.length,
  };
}

async function storeAll(
  writer: ArticleWriter,
  candidates: readonly ArticleCandidate[],
  deps: IngestDependencies,
): Promise<Record<UpsertOutcome, number>> {
  const counts: Record<UpsertOutcome, number> = { created: 0, merged: 0, unchanged: 0, updated: 0 };
  for (let start = 0; start < candidates.length; start += STORE_SLICE) {
    const slice = candidates.slice(start, start + STORE_SLICE);
    const stored = await timed(deps.timer, 'store', () => writer.store(slice, deps.clock.now()));
    for (const { outcome } of stored) counts[outcome] += 1;
  }
  return counts;
}

async function recordFailure(
  source: Source,
  error: unknown,
  state: SourceState | undefined,
  deps: IngestDependencies,
): Promise<SourceFailure> {
  const kind = error instanceof FeedError ? error.kind : 'internal';
  const message =
    error instanceof FeedError || error instanceof IngestBusyError ? error.message : describeError(error);
  let consecutiveFailures = 0;
  try {
    // Losing the writer is not the source's fault: its state (and validators) stay as they were.
    consecutiveFailures =
      error instanceof IngestBusyError
        ? (state?.consecutiveFailures ?? 0)
        : (await deps.sourceState.recordFailure(source.id, deps.clock.now(), `${kind}: ${message}`))
            .consecutiveFailures;
  } catch (stateError) {
    deps.logger.error('could not record the source failure', {
      sourceId: source.id,
      error: stateError,
    });
  }
  deps.logger.warn('source failed', { sourceId: source.id, kind, message, consecutiveFailures, error });
  return { sourceId: source.id, kind, message, consecutiveFailures };
}

function emptyReport(sourceId: string): SourceReport {
  return {
    sourceId,
    status: 'fetched',
    itemsSeen: 0,
    created: 0,
    merged: 0,
    unchanged: 0,
    updated: 0,
    rejected: 0,
  };
}
