import type { Article } from '../../model/articles.ts';

/**
 * How the editors' marks act on what readers get. Pure: the planner, the sender, the archive and
 * the desk's preview all ask these, so a hidden article is out and a pinned one leads everywhere.
 */

export const isHidden = (article: Pick<Article, 'editorial'>): boolean =>
  article.editorial?.hidden !== undefined;

export const isPinned = (article: Pick<Article, 'editorial'>): boolean =>
  article.editorial?.pinned !== undefined;

/** Added to a pinned article's rank: above any score × weight + recency an article can reach. */
export const EDITORS_PICK_RANK = 1_000;

/** The badge text of a pinned article, in emails and on the site. */
export const EDITORS_PICK_LABEL = "Editor's pick";

/** The articles in the same order, pinned ones first (a stable sort: the ranking stays below them). */
export function pinnedFirst<T extends Pick<Article, 'editorial'>>(articles: readonly T[]): T[] {
  return [...articles.filter(isPinned), ...articles.filter((article) => !isPinned(article))];
}
