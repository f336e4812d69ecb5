import type { ArticleCandidate, TopicScores } from '../../model/articles.ts';
import type { Source, SourceKind } from '../../model/sources.ts';
import type { TopicId } from '../../model/topics.ts';
import type { Tagger } from '../tagging/tagger.ts';
import type { RawFeedItem } from './feed-parser.ts';
import { parseFeedDate } from './dates.ts';
import { collapseWhitespace, truncateText } from './html-text.ts';
import { cleanSummary, cutAtSentence } from './summary.ts';
import { canonicalUrl } from './canonical-url.ts';
import { extractIdentifiers, identityKeys } from './identity.ts';
import { studyTypeHints } from './study-types.ts';

const SUMMARY_MAX_LENGTH = 600;
const TITLE_MAX_LENGTH = 300;
/** An untitled item (a microblog post) is named after the start of its text, this long at most. */
const DERIVED_TITLE_LENGTH = 120;
/** A date further in the future than this is a feed bug: use the first-seen time instead. */
const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** Score given to editor-chosen topics, above anything the tagger reaches. */
const OVERRIDE_SCORE = 100;

export type NormaliseResult =
  | { readonly ok: true; readonly candidate: ArticleCandidate }
  | { readonly ok: false; readonly reason: string };

/** How one item is read (see normaliseItem). */
export interface NormaliseOptions {
  /** Editor's topics (site articles): they replace the tagger's. */
  readonly topicOverride?: readonly TopicId[] | undefined;
  /** The item's link is shared by other items of its feed, so it does not identify the work. */
  readonly linkIsShared?: boolean;
  /** canonicalUrl(raw.link), when the caller has it already (readFeed needs it for every item). */
  readonly canonicalLink?: string | undefined;
  /**
   * An item published more than this many days before it is first seen is rejected: old work a
   * feed lists now (a new source's back catalogue) is not news to a reader. Undefined: no limit.
   */
  readonly maxAgeDays?: number | undefined;
}

/**
 * Turns one raw feed item into a tagged article candidate, or says why it cannot be one (no
 * title or text, no usable link or identifier). Pure: the same item, source and time give the
 * same candidate.
 */
export function normaliseItem(
  raw: RawFeedItem,
  source: Source,
  tagger: Tagger,
  firstSeenAt: Date,
  options: NormaliseOptions = {},
): NormaliseResult {
  const { topicOverride, linkIsShared = false } = options;
  const text = cleanSummary(raw.summary);
  const title = truncateText(collapseWhitespace(raw.title), TITLE_MAX_LENGTH) || titleFromText(text);
  if (title.length < 3) return { ok: false, reason: 'item has no title and no text' };
  const url =
    'canonicalLink' in options ? options.canonicalLink : raw.link ? canonicalUrl(raw.link) : undefined;
  const identifiers = extractIdentifiers([...raw.identifierHints, raw.link]);
  if (!url && !identifiers.doi && !identifiers.pmid && !identifiers.nct) {
    return { ok: false, reason: `item "${title.slice(0, 60)}" has no usable link or identifier` };
  }
  const summary = cutAtSentence(text, SUMMARY_MAX_LENGTH);

  const parsedDate = parseFeedDate(raw.published);
  const publishedAt =
    parsedDate && parsedDate.getTime() <= firstSeenAt.getTime() + FUTURE_TOLERANCE_MS
      ? parsedDate
      : firstSeenAt;
  const ageDays = Math.floor((firstSeenAt.getTime() - publishedAt.getTime()) / DAY_MS);
  if (options.maxAgeDays !== undefined && ageDays > options.maxAgeDays) {
    return {
      ok: false,
      reason: `item "${title.slice(0, 60)}" was published ${publishedAt.toISOString().slice(0, 10)}, ${ageDays} days ago: older than the ${options.maxAgeDays}-day limit (DIGEST_MAX_ARTICLE_AGE_DAYS)`,
    };
  }

  const tags = tagger({ title, summary, assumeRelevant: !source.broad });
  const topics: TopicScores = topicOverride
    ? Object.fromEntries(topicOverride.map((id) => [id, OVERRIDE_SCORE]))
    : tags.topics;

  return {
    ok: true,
    candidate: {
      title,
      url: url ?? identifierUrl(identifiers),
      summary,
      publishedAt: publishedAt.toISOString(),
      source: { sourceId: source.id, sourceName: source.name, weight: source.weight },
      identifiers,
      studyTypes: studyTypeHints({
        title,
        summary,
        sourceKind: sourceKindOf(source),
        categories: raw.categories,
      }),
      topics,
      matchedTerms: topicOverride ? {} : (tags.terms ?? {}),
      relevant: topicOverride ? true : tags.relevant,
      identityKeys: itemIdentityKeys(),
    },
  };

  function itemIdentityKeys(): string[] {
    const keys = identityKeys({ identifiers, url: linkIsShared ? undefined : url, title, publishedAt });
    // Last resort for a short title behind a shared link: the feed's own id, scoped to the source.
    if (keys.length === 0 && raw.guid) keys.push(`guid:${source.id}:${raw.guid}`);
    return keys;
  }
}

/** A source's kind; one without a kind is a journal, or a preprint server when its address says so. */
function sourceKindOf(source: Source): SourceKind {
  return source.kind ?? (/rxiv/i.test(source.id + source.url) ? 'preprint' : 'journal');
}

/** Where a work without a link of its own can be read: its DOI, PubMed or registry record. */
function identifierUrl(identifiers: ArticleCandidate['identifiers']): string {
  if (identifiers.doi) return `https://doi.org/${identifiers.doi}`;
  if (identifiers.pmid) return `https://pubmed.ncbi.nlm.nih.gov/${identifiers.pmid}/`;
  return `https://clinicaltrials.gov/study/${identifiers.nct ?? ''}`;
}

/** The first sentence of an untitled item's text, cut at a word boundary. */
function titleFromText(text: string): string {
  const firstSentence = /^(.{12,}?[.!?])(?:\s|$)/.exec(text)?.[1] ?? text;
  return truncateText(firstSentence, DERIVED_TITLE_LENGTH);
}
