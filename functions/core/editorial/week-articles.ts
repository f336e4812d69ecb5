import type { Article, StudyType } from '../../model/articles.ts';
import type { TopicId } from '../../model/topics.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { weekIdOf, weekRange } from '../archive/editions.ts';
import { isHidden, isPinned } from './editorial-marks.ts';
import { parseWeekId } from './editor-note.ts';

/**
 * This week's articles on the editors' desk: the articles first seen in one ISO week (UTC, as
 * the archive's editions), newest first, filtered and paged.
 */

export const ARTICLE_STATES = ['visible', 'hidden', 'pinned', 'retagged'] as const;
export type ArticleState = (typeof ARTICLE_STATES)[number];

export interface WeekArticlesQuery {
  /** "2026-W49"; the current week when absent. */
  readonly weekId?: string;
  readonly topic?: TopicId;
  /** A source id ("nci-cancer-currents"). */
  readonly source?: string;
  readonly studyType?: StudyType;
  readonly relevant?: boolean;
  readonly state?: ArticleState;
  /** 1-based. */
  readonly page?: number;
}

export const WEEK_ARTICLES_PAGE_SIZE = 50;

export interface WeekArticles {
  readonly weekId: string;
  /** Articles of the week that pass the filters (all pages). */
  readonly total: number;
  readonly page: number;
  readonly pages: number;
  readonly articles: readonly Article[];
}

export interface WeekArticlesDependencies {
  readonly articles: ArticleReader;
  readonly clock: Clock;
}

/** @throws ValidationError for a week that is not a real ISO week. */
export async function listWeekArticles(
  query: WeekArticlesQuery,
  deps: WeekArticlesDependencies,
): Promise<WeekArticles> {
  const now = deps.clock.now();
  const weekId = query.weekId ? parseWeekId(query.weekId) : weekIdOf(now);
  const range = weekRange(weekId)!;
  const until = range.end.getTime() < now.getTime() ? range.end : now;
  const inWeek =
    range.start.getTime() > now.getTime() ? [] : await deps.articles.listFirstSeenBetween(range.start, until);
  const matching = inWeek
    .filter((article) => matches(article, query))
    .sort((a, b) => b.firstSeenAt.localeCompare(a.firstSeenAt) || a.id.localeCompare(b.id));
  const pages = Math.max(1, Math.ceil(matching.length / WEEK_ARTICLES_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.floor(query.page ?? 1)), pages);
  return {
    weekId,
    total: matching.length,
    page,
    pages,
    articles: matching.slice((page - 1) * WEEK_ARTICLES_PAGE_SIZE, page * WEEK_ARTICLES_PAGE_SIZE),
  };
}

function matches(article: Article, query: WeekArticlesQuery): boolean {
  if (query.topic && !(article.topics[query.topic] ?? 0)) return false;
  if (query.source && !article.sources.some((source) => source.sourceId === query.source)) return false;
  if (query.studyType && !article.studyTypes.includes(query.studyType)) return false;
  if (query.relevant !== undefined && article.relevant !== query.relevant) return false;
  if (query.state && !hasState(article, query.state)) return false;
  return true;
}

function hasState(article: Article, state: ArticleState): boolean {
  switch (state) {
    case 'visible':
      return !isHidden(article);
    case 'hidden':
      return isHidden(article);
    case 'pinned':
      return isPinned(article);
    case 'retagged':
      return article.editorial?.retagged !== undefined;
  }
}

/** One article as the desk's JSON and the CLI's `--json` give it. */
export function weekArticleJson(article: Article) {
  return {
    id: article.id,
    title: article.title,
    url: article.url,
    sources: article.sources.map((source) => ({ id: source.sourceId, name: source.sourceName })),
    publishedAt: article.publishedAt,
    firstSeenAt: article.firstSeenAt,
    topics: article.topics,
    studyTypes: article.studyTypes,
    relevant: article.relevant,
    digestReaders: article.digestReaders ?? 0,
    hidden: article.editorial?.hidden ?? null,
    pinned: article.editorial?.pinned ?? null,
    taggedByEditor: article.editorial?.retagged
      ? {
          by: article.editorial.retagged.by,
          at: article.editorial.retagged.at,
          taggerTopics: article.editorial.retagged.taggerTopics,
          taggerRelevant: article.editorial.retagged.taggerRelevant,
        }
      : null,
  };
}
