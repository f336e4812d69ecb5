import type { Article } from '../../model/articles.ts';
import type { TopicId } from '../../model/topics.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { SubscriberReader } from '../../ports/subscriber-store.ts';
import { selectArticles, type SelectionLimits } from '../digest/select.ts';
import { buildDigestView, type DigestView } from '../rendering/digest-view.ts';
import { weekIdOf } from './editions.ts';

/**
 * The web edition of one reader's digest, behind its "View in your browser" link: the articles
 * first seen in the week before the digest's window ended, on the reader's topics, chosen by the
 * digest's own selection rules and shown with the email's own words (buildDigestView). The
 * reader's topics are read now, so a reader who changed them sees today's choice. Nothing about
 * the visit is recorded.
 */

/** A digest covers a week; a first digest and a catch-up after an outage may cover a little more. */
export const WEB_EDITION_DAYS = 7;

export interface WebEditionDependencies {
  readonly subscribers: Pick<SubscriberReader, 'get'>;
  readonly articles: Pick<ArticleReader, 'listFirstSeenBetween'>;
}

export interface WebEdition {
  readonly topics: readonly TopicId[];
  /** The end of the window the edition covers. */
  readonly until: Date;
  readonly view: DigestView;
}

/** The reader's web edition; undefined when the reader is no longer on the list (erased). */
export async function loadWebEdition(
  subscriberId: string,
  until: Date,
  limits: SelectionLimits,
  topicLabels: Readonly<Record<TopicId, string>>,
  deps: WebEditionDependencies,
): Promise<WebEdition | undefined> {
  const subscriber = await deps.subscribers.get(subscriberId);
  if (!subscriber) return undefined;
  const from = new Date(until.getTime() - WEB_EDITION_DAYS * 86_400_000);
  const articles = await deps.articles.listFirstSeenBetween(from, until);
  const selection = selectArticles(articles, subscriber.topics, limits, until, subscriber.country);
  const view = buildDigestView(
    {
      digestId: `weekly-${weekIdOf(until)}`,
      selection,
      articles: new Map<string, Article>(articles.map((article) => [article.id, article])),
    },
    topicLabels,
  );
  return { topics: subscriber.topics, until, view };
}
