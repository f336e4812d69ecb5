import { createHash } from 'node:crypto';
import type { Article } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';

export interface SelectedArticle {
  readonly articleId: string;
  /** The reader's topics this article matched: the "why you got this" line. */
  readonly matchedTopics: readonly TopicId[];
}

export interface DigestSection {
  readonly topic: TopicId;
  readonly articles: readonly SelectedArticle[];
}

/** What one reader gets this week: sections in canonical topic order, each ranked. */
export interface Selection {
  readonly sections: readonly DigestSection[];
}

export interface SelectionLimits {
  readonly maxPerTopic: number;
  readonly maxArticles: number;
}

/** How much a day of age costs: an article a week old keeps ~37 % of its recency bonus. */
const RECENCY_DAYS = 7;
const RECENCY_BONUS = 2;

/** An article with what ranking needs computed once per planning run, not once per reader. */
export interface RankableArticle {
  readonly article: Article;
  readonly firstSeenMs: number;
  readonly sourceWeight: number;
  readonly recencyBonus: number;
}

export function prepareForSelection(articles: readonly Article[], now: Date): RankableArticle[] {
  return articles
    .filter((article) => article.relevant)
    .map((article) => {
      const ageDays = Math.max(0, (now.getTime() - Date.parse(article.publishedAt)) / 86_400_000);
      return {
        article,
        firstSeenMs: Date.parse(article.firstSeenAt),
        sourceWeight: Math.max(1, ...article.sources.map((source) => source.weight)),
        recencyBonus: RECENCY_BONUS * Math.exp(-ageDays / RECENCY_DAYS),
      };
    });
}

/**
 * The digest selection rules. From the articles first seen in the reader's window, keep the
 * relevant ones on the reader's topics; put each in the section of its best-scoring topic among
 * the reader's; rank by topic score × source weight plus a recency bonus; keep at most
 * `maxPerTopic` per section and `maxArticles` in all. Pure and deterministic: ties break on id.
 */
export function selectArticles(
  articles: readonly Article[],
  readerTopics: readonly TopicId[],
  limits: SelectionLimits,
  now: Date,
): Selection {
  return selectPrepared(prepareForSelection(articles, now), readerTopics, limits);
}

/** selectArticles on articles prepared once for many readers. */
export function selectPrepared(
  articles: readonly RankableArticle[],
  readerTopics: readonly TopicId[],
  limits: SelectionLimits,
): Selection {
  const wanted = TOPIC_IDS.filter((id) => readerTopics.includes(id));
  const ranked: { article: Article; topic: TopicId; matched: TopicId[]; rank: number }[] = [];

  for (const { article, sourceWeight, recencyBonus } of articles) {
    const matched = wanted.filter((id) => (article.topics[id] ?? 0) > 0);
    if (matched.length === 0) continue;
    // Best topic: highest score; on a tie, the earlier topic in canonical order.
    const best = matched.reduce((a, b) => ((article.topics[b] ?? 0) > (article.topics[a] ?? 0) ? b : a));
    const rank = (article.topics[best] ?? 0) * sourceWeight + recencyBonus;
    ranked.push({ article, topic: best, matched, rank });
  }

  ranked.sort((a, b) => b.rank - a.rank || (a.article.id < b.article.id ? -1 : 1));

  const perTopic = new Map<TopicId, number>();
  const kept: typeof ranked = [];
  for (const entry of ranked) {
    if (kept.length >= limits.maxArticles) break;
    const count = perTopic.get(entry.topic) ?? 0;
    if (count >= limits.maxPerTopic) continue;
    perTopic.set(entry.topic, count + 1);
    kept.push(entry);
  }

  const sections = TOPIC_IDS.filter((id) => perTopic.has(id)).map((topic) => ({
    topic,
    articles: kept
      .filter((entry) => entry.topic === topic)
      .map((entry) => ({ articleId: entry.article.id, matchedTopics: entry.matched })),
  }));
  return { sections };
}

export function selectionSize(selection: Selection): number {
  return selection.sections.reduce((total, section) => total + section.articles.length, 0);
}

/** A stable key of a selection's content: readers with equal keys get byte-identical digests but for their links. */
export function selectionKey(selection: Selection): string {
  return createHash('sha256').update(JSON.stringify(selection.sections)).digest('base64url').slice(0, 16);
}

/** A stable key of a reader's topic list, so a sender can tell a selection made for other topics. */
export function topicsKey(topics: readonly TopicId[]): string {
  return TOPIC_IDS.filter((id) => topics.includes(id)).join(',');
}
