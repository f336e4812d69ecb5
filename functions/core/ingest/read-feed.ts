import type { ArticleCandidate } from '../../model/articles.ts';
import type { Source } from '../../model/sources.ts';
import type { Tagger } from '../tagging/tagger.ts';
import type { TopicId } from '../../model/topics.ts';
import { describeError } from '../errors.ts';
import { canonicalUrl } from './canonical-url.ts';
import { parseFeed, type FeedFormat, type ParseOptions, type RawFeedItem } from './feed-parser.ts';
import { normaliseTitle } from './identity.ts';
import { normaliseItem } from './normalise.ts';
import { withoutBidiControls } from '../text/text-safety.ts';

/** Stages of one ingest, for the benchmark's time shares. */
export type IngestStage = 'fetch' | 'parse' | 'normalise' | 'store';

/**
 * Receives when each stage ran. Sources run at once, so intervals of one stage overlap; the
 * benchmark reads their union as the stage's busy time.
 */
export interface StageTimer {
  record(stage: IngestStage, startMs: number, endMs: number): void;
}

/** Runs `work` and records its interval under `stage`, when there is a timer. */
export async function timed<T>(
  timer: StageTimer | undefined,
  stage: IngestStage,
  work: () => Promise<T>,
): Promise<T> {
  if (!timer) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    timer.record(stage, start, performance.now());
  }
}

/** Synchronous twin of `timed`. */
function timedSync<T>(timer: StageTimer | undefined, stage: IngestStage, work: () => T): T {
  if (!timer) return work();
  const start = performance.now();
  try {
    return work();
  } finally {
    timer.record(stage, start, performance.now());
  }
}

/** A feed read into candidates: what ingest stores and what `check` prints. */
export interface ReadFeed {
  readonly format: FeedFormat;
  readonly title: string;
  readonly itemsSeen: number;
  readonly candidates: readonly ArticleCandidate[];
  /** Why each rejected item was rejected ("item 4: has no usable link"), in feed order. */
  readonly rejections: readonly string[];
}

/**
 * Parses a feed and normalises and tags every item. Items that cannot become articles are
 * rejected one by one with their reason; only a whole-document problem throws (a FeedError).
 */
export function readFeed(
  bytes: Buffer,
  source: Source,
  deps: { readonly tagger: Tagger; readonly timer?: StageTimer | undefined },
  options: ParseOptions & {
    readonly firstSeenAt: Date;
    /** Items published more than this many days before `firstSeenAt` are rejected. */
    readonly maxAgeDays?: number;
  },
): ReadFeed {
  const feed = timedSync(deps.timer, 'parse', () => parseFeed(bytes, options));
  const { candidates, rejections } = timedSync(deps.timer, 'normalise', () =>
    normaliseItems(feed.items, source, deps.tagger, options.firstSeenAt, {
      ...(options.maxAgeDays === undefined ? {} : { maxAgeDays: options.maxAgeDays }),
    }),
  );
  return {
    format: feed.format,
    title: feed.title,
    itemsSeen: feed.items.length + feed.itemErrors.length,
    candidates,
    rejections: [...feed.itemErrors, ...rejections],
  };
}

/**
 * Normalises items of one source. A link that several differently titled items share (a
 * journal's home page) identifies none of them, so it is not used as their identity.
 */
export function normaliseItems(
  items: readonly RawFeedItem[],
  source: Source,
  tagger: Tagger,
  firstSeenAt: Date,
  options: {
    /** Editors' topics, item by item (the site's own articles). */
    readonly topicOverrides?: readonly (readonly TopicId[] | undefined)[];
    readonly maxAgeDays?: number;
  } = {},
): { candidates: ArticleCandidate[]; rejections: string[] } {
  const links = items.map((item) => (item.link ? canonicalUrl(item.link) : undefined));
  const shared = sharedLinks(items, links);
  const candidates: ArticleCandidate[] = [];
  const rejections: string[] = [];
  items.forEach((item, index) => {
    try {
      const url = links[index];
      const result = normaliseItem(readableItem(item), source, tagger, firstSeenAt, {
        topicOverride: options.topicOverrides?.[index],
        maxAgeDays: options.maxAgeDays,
        linkIsShared: url !== undefined && shared.has(url),
        canonicalLink: url,
      });
      if (result.ok) candidates.push(result.candidate);
      else rejections.push(`item ${index + 1}: ${result.reason}`);
    } catch (error) {
      rejections.push(`item ${index + 1}: ${describeError(error)}`);
    }
  });
  return { candidates, rejections };
}

/** The item's reader-visible text without direction controls that could misrepresent it (text-safety.ts). */
function readableItem(item: RawFeedItem): RawFeedItem {
  return {
    ...item,
    title: withoutBidiControls(item.title),
    summary: withoutBidiControls(item.summary),
    categories: item.categories.map(withoutBidiControls),
  };
}

function sharedLinks(items: readonly RawFeedItem[], links: readonly (string | undefined)[]): Set<string> {
  const titlesByUrl = new Map<string, Set<string>>();
  items.forEach((item, index) => {
    const url = links[index];
    if (!url) return;
    const titles = titlesByUrl.get(url) ?? new Set<string>();
    titles.add(normaliseTitle(item.title || item.summary.slice(0, 200)));
    titlesByUrl.set(url, titles);
  });
  return new Set([...titlesByUrl].filter(([, titles]) => titles.size > 1).map(([url]) => url));
}
