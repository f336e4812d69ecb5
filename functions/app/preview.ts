import { randomBytes } from 'node:crypto';
import { buildMimeMessage } from '../adapters/ses/mime-message.ts';
import { selectArticles, selectionSize } from '../core/digest/select.ts';
import { weeklyDigestId } from '../core/digest/schedule.ts';
import { personalCopy, personalLinksFor } from '../core/delivery/personal-links.ts';
import { ValidationError } from '../core/errors.ts';
import { DEFAULT_DELIVERY_SLOT } from '../model/subscribers.ts';
import { subscriberIdFor } from '../core/subscribers/subscriber.ts';
import { canonicalTopicOrder, isTopicId, TOPIC_IDS, type TopicId } from '../model/topics.ts';
import type { OutgoingEmail } from '../ports/mailer.ts';
import type { AppContext } from './context.ts';

export interface PreviewOptions {
  readonly topics: readonly TopicId[];
  /** The reader the preview is addressed to: their personal links are in it. */
  readonly to: string;
  /** Articles first seen in the last `days` days, as a first digest would hold. */
  readonly days: number;
}

export interface DigestPreview {
  readonly email: OutgoingEmail;
  readonly digestId: string;
  readonly articles: number;
  readonly sections: number;
  /** The whole MIME message, as SES would send it. */
  mime(): Promise<Buffer>;
}

/**
 * One reader's digest as the sender would send it today: the same selection rules, the same
 * rendering (assembled from pieces), the same personal links and List-Unsubscribe headers.
 *
 * @throws ValidationError when no stored article matches the topics in the window.
 */
export async function previewDigest(context: AppContext, options: PreviewOptions): Promise<DigestPreview> {
  const now = context.clock.now();
  const from = new Date(now.getTime() - options.days * 86_400_000);
  const articles = await context.articles.listFirstSeenBetween(from, now);
  const topics = canonicalTopicOrder(options.topics);
  const { digest } = context.config;
  const selection = selectArticles(articles, topics, digest, now);
  if (selectionSize(selection) === 0) {
    throw new ValidationError(
      `no stored article on ${topics.join(', ')} was first seen in the last ${options.days} days ` +
        `(${articles.length} articles in that window): run \`npx immuno-digest ingest\` first, or widen --days`,
    );
  }
  const digestId = weeklyDigestId(DEFAULT_DELIVERY_SLOT, now);
  const rendered = await context.renderer.renderDigest({
    digestId,
    selection,
    articles: new Map(articles.map((article) => [article.id, article])),
  });
  const links = personalLinksFor(subscriberIdFor(options.to), context.tokens, context.config.siteUrl, now, {
    until: now,
  });
  const email: OutgoingEmail = {
    to: options.to,
    ...personalCopy(rendered, links, context.config.mail.unsubscribeMailto),
    tags: { kind: 'digest', digest: digestId, group: 'preview' },
  };
  const domain = /@([^>\s]+)>?\s*$/.exec(context.config.mail.from)?.[1] ?? 'localhost';
  return {
    email,
    digestId,
    articles: rendered.articleCount,
    sections: selection.sections.length,
    mime: () =>
      buildMimeMessage(email, {
        from: context.config.mail.from,
        replyTo: context.config.mail.replyTo,
        messageId: `<preview-${randomBytes(8).toString('hex')}@${domain}>`,
        date: now,
      }),
  };
}

/** "car-t,leukemia" → topic ids, or a ValidationError naming the unknown ones and the valid ones. */
export function parseTopicList(value: string): TopicId[] {
  const given = value
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  const unknown = given.filter((topic) => !isTopicId(topic));
  if (given.length === 0 || unknown.length > 0) {
    throw new ValidationError(
      `--topics: ${unknown.length > 0 ? `unknown topic ${unknown.map((t) => `"${t}"`).join(', ')}` : 'none given'}; ` +
        `choose from ${TOPIC_IDS.join(', ')}`,
    );
  }
  return canonicalTopicOrder(given as TopicId[]);
}
