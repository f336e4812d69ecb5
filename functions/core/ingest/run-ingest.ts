import pLimit from 'p-limit';
import { describeError, FeedError, type FeedFailureKind } from '../errors.ts';
import type { Source } from '../model.ts';
import type { ArticleStore, Clock, FeedFetcher, Logger, SourceStateStore } from '../../ports/index.ts';
import type { Tagger } from '../tagging/tagger.ts';
import { parseFeed, type ParsedFeed, type RawFeedItem } from './feed-parser.ts';
import { normaliseItem } from './normalise.ts';
import type { SiteArticle } from './site-articles.ts';
import { SITE_SOURCE } from './sources.ts';
import { normaliseTitle, canonicalUrl } from './identity.ts';
import type { TopicId } from '../topics.ts';

export interface IngestDependencies {
  readonly fetcher: FeedFetcher;
  readonly articles: ArticleStore;
  readonly sourceState: SourceStateStore;
  readonly tagger: Tagger;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface IngestRequest {
  /** Enabled sources, each with the URL to fetch (the real one, or a local snapshot's). */
  readonly sources: readonly { readonly source: Source; readonly fetchUrl: string }[];
  readonly siteArticles: readonly SiteArticle[];
  readonly concurrency: number;
  readonly maxBytes: number;
}

export interface SourceFailure {
  readonly sourceId: string;
  readonly kind: FeedFailureKind | 'internal';
  readonly message: string;
  readonly consecutiveFailures: number;
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
  readonly itemsRejected: number;
  readonly failures: readonly SourceFailure[];
}

interface Tally {
  itemsSeen: number;
  created: number;
  merged: number;
  unchanged: number;
  rejected: number;
}

/**
 * One ingest run: fetch every source (bounded concurrency, conditional GET), parse, normalise,
 * tag and store each item. A source that fails is recorded with its error and its count of
 * consecutive failures; it never stops the others.
 */
export async function runIngest(request: IngestRequest, deps: IngestDependencies): Promise<IngestSummary> {
  const startedAt = deps.clock.now();
  const tally: Tally = { itemsSeen: 0, created: 0, merged: 0, unchanged: 0, rejected: 0 };
  const failures: SourceFailure[] = [];
  let fetched = 0;
  let notModified = 0;

  for (const article of request.siteArticles) {
    await storeItems([article.item], SITE_SOURCE, deps, tally, { topicOverride: article.topicOverride });
  }

  const limit = pLimit(request.concurrency);
  await Promise.all(
    request.sources.map(({ source, fetchUrl }) =>
      limit(async () => {
        try {
          const outcome = await ingestSource(source, fetchUrl, request.maxBytes, deps, tally);
          if (outcome === 'not-modified') notModified += 1;
          else fetched += 1;
        } catch (error) {
          const at = deps.clock.now();
          const kind = error instanceof FeedError ? error.kind : 'internal';
          const message = error instanceof FeedError ? error.message : describeError(error);
          const state = await deps.sourceState.recordFailure(source.id, at, `${kind}: ${message}`);
          failures.push({
            sourceId: source.id,
            kind,
            message,
            consecutiveFailures: state.consecutiveFailures,
          });
          deps.logger.warn('source failed', {
            sourceId: source.id,
            kind,
            message,
            consecutiveFailures: state.consecutiveFailures,
          });
        }
      }),
    ),
  );

  return {
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock.now().toISOString(),
    sourcesFetched: fetched,
    sourcesNotModified: notModified,
    itemsSeen: tally.itemsSeen,
    articlesCreated: tally.created,
    articlesMerged: tally.merged,
    articlesUnchanged: tally.unchanged,
    itemsRejected: tally.rejected,
    failures: failures.sort((a, b) => a.sourceId.localeCompare(b.sourceId)),
  };
}

async function ingestSource(
  source: Source,
  fetchUrl: string,
  maxBytes: number,
  deps: IngestDependencies,
  tally: Tally,
): Promise<'fetched' | 'not-modified'> {
  const state = await deps.sourceState.get(source.id);
  const result = await deps.fetcher.fetch(fetchUrl, {
    ...(state?.etag ? { etag: state.etag } : {}),
    ...(state?.lastModified ? { lastModified: state.lastModified } : {}),
  });
  if (result.status === 'not-modified') {
    await deps.sourceState.recordSuccess(source.id, deps.clock.now(), {
      ...(state?.etag ? { etag: state.etag } : {}),
      ...(state?.lastModified ? { lastModified: state.lastModified } : {}),
    });
    return 'not-modified';
  }
  const charset = /charset=([^;]+)/i.exec(result.contentType ?? '')?.[1]?.trim();
  const feed: ParsedFeed = parseFeed(result.body, {
    url: source.url,
    maxBytes,
    ...(charset ? { httpCharset: charset } : {}),
  });
  await storeItems(feed.items, source, deps, tally, { sharedLinks: sharedLinks(feed.items) });
  await deps.sourceState.recordSuccess(source.id, deps.clock.now(), {
    ...(result.etag ? { etag: result.etag } : {}),
    ...(result.lastModified ? { lastModified: result.lastModified } : {}),
  });
  return 'fetched';
}

async function storeItems(
  items: readonly RawFeedItem[],
  source: Source,
  deps: IngestDependencies,
  tally: Tally,
  options: { topicOverride?: readonly TopicId[] | undefined; sharedLinks?: ReadonlySet<string> },
): Promise<void> {
  for (const item of items) {
    tally.itemsSeen += 1;
    const url = item.link ? canonicalUrl(item.link) : undefined;
    const normalised = normaliseItem(item, source, deps.tagger, deps.clock.now(), {
      topicOverride: options.topicOverride,
      linkIsShared: url !== undefined && (options.sharedLinks?.has(url) ?? false),
    });
    if (!normalised.ok) {
      tally.rejected += 1;
      continue;
    }
    const { outcome } = await deps.articles.upsert(normalised.candidate, deps.clock.now());
    if (outcome === 'created') tally.created += 1;
    else if (outcome === 'merged') tally.merged += 1;
    else tally.unchanged += 1;
  }
}

/**
 * Some feeds give every item the same link (the journal's home page). Such a link identifies
 * nothing; as an identity key it would merge different works into one.
 */
function sharedLinks(items: readonly RawFeedItem[]): Set<string> {
  const titlesByUrl = new Map<string, Set<string>>();
  for (const item of items) {
    const url = item.link ? canonicalUrl(item.link) : undefined;
    if (!url) continue;
    const titles = titlesByUrl.get(url) ?? new Set<string>();
    titles.add(normaliseTitle(item.title));
    titlesByUrl.set(url, titles);
  }
  return new Set([...titlesByUrl].filter(([, titles]) => titles.size > 1).map(([url]) => url));
}
