import { DateTime } from 'luxon';
import type { Article, StudyType } from '../model.ts';
import type { TopicId } from '../topics.ts';
import type { Selection } from '../digest/select.ts';
import { truncateText } from '../ingest/html-text.ts';
import {
  mjmlToHtml,
  renderMjmlSource,
  renderText,
  type MjmlOptions,
  type TemplateFiles,
} from './templates.ts';

/** A rendered email still holding the personal-link placeholders. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** The per-reader part of an email: only these differ between readers of one group. */
export interface PersonalLinks {
  readonly manageUrl: string;
  readonly unsubscribeUrl: string;
}

// Placeholders survive Mustache (no escapable characters) and MJML (plain attribute text).
const PLACEHOLDERS: Record<keyof PersonalLinks, string> = {
  manageUrl: 'https://personal.invalid/manage-url',
  unsubscribeUrl: 'https://personal.invalid/unsubscribe-url',
};

/** How a study type reads in an email or on a page. */
export const STUDY_TYPE_LABELS: Record<StudyType, string> = {
  'randomised-trial': 'Randomised trial',
  'phase-1': 'Phase 1',
  'phase-2': 'Phase 2',
  'phase-3': 'Phase 3',
  preprint: 'Preprint (not peer reviewed)',
  review: 'Review',
};

export interface EmailRendererSettings {
  readonly templates: TemplateFiles;
  readonly topicLabels: Readonly<Record<TopicId, string>>;
  readonly siteUrl: string;
  readonly postalAddress: string;
  readonly mjml: MjmlOptions;
}

export interface DigestRenderInput {
  readonly selection: Selection;
  readonly articles: ReadonlyMap<string, Article>;
  readonly now: Date;
}

/** Summaries are cut to about two lines of a phone screen. */
const CARD_SUMMARY_LENGTH = 220;

export function createEmailRenderer(settings: EmailRendererSettings) {
  const labelOf = (topic: TopicId) => settings.topicLabels[topic];
  const shared = { siteUrl: settings.siteUrl, postalAddress: settings.postalAddress, ...PLACEHOLDERS };

  return {
    /**
     * Renders one group's digest once. Articles missing from the map (deleted since planning)
     * are left out rather than failing the whole group.
     */
    async renderDigest(input: DigestRenderInput): Promise<RenderedEmail> {
      const sections = input.selection.sections
        .map((section) => ({
          label: labelOf(section.topic),
          articles: section.articles.flatMap((selected) => {
            const article = input.articles.get(selected.articleId);
            if (!article) return [];
            return [
              {
                title: article.title,
                url: article.url,
                source: article.sources.map((source) => source.sourceName).join(', '),
                date: DateTime.fromISO(article.publishedAt, { zone: 'utc' }).toFormat('d LLL yyyy'),
                summary: truncateText(article.summary, CARD_SUMMARY_LENGTH),
                badges: article.studyTypes.map((type) => STUDY_TYPE_LABELS[type]),
                why: selected.matchedTopics.map(labelOf).join(', '),
              },
            ];
          }),
        }))
        .filter((section) => section.articles.length > 0);
      const count = sections.reduce((total, section) => total + section.articles.length, 0);
      const weekOf = DateTime.fromJSDate(input.now, { zone: 'utc' }).startOf('week').toFormat('d LLLL yyyy');
      const topicList = sections.map((section) => section.label).join(', ');
      const view = {
        ...shared,
        title: 'Your weekly Immunotherapy Digest',
        kicker: `Week of ${weekOf}`,
        intro: `${count} new ${count === 1 ? 'article' : 'articles'} this week on the topics you follow: ${topicList}.`,
        sections,
        footerReason:
          'You receive this weekly digest because you subscribed at Immunotherapy Digest and chose these topics.',
      };
      const html = await mjmlToHtml(renderMjmlSource(settings.templates, 'digest.mjml', view), settings.mjml);
      return {
        subject: `Immunotherapy Digest: ${count} new ${count === 1 ? 'article' : 'articles'} for the week of ${weekOf}`,
        html,
        text: renderText(settings.templates, 'digest.txt', view),
      };
    },

    /** The double opt-in email. It carries no text the requester typed, only our own words and a link. */
    async renderConfirmation(confirmUrl: string): Promise<RenderedEmail> {
      const view = {
        ...shared,
        title: 'Confirm your subscription',
        kicker: 'One click to confirm',
        confirmUrl,
      };
      return {
        subject: 'Confirm your Immunotherapy Digest subscription',
        html: await mjmlToHtml(
          renderMjmlSource(settings.templates, 'confirmation.mjml', view),
          settings.mjml,
        ),
        text: renderText(settings.templates, 'confirmation.txt', view),
      };
    },
  };
}

export type EmailRenderer = ReturnType<typeof createEmailRenderer>;

/** Puts one reader's links into a rendered email: a string replacement, no re-render. */
export function personalise(email: RenderedEmail, links: PersonalLinks): RenderedEmail {
  let { html, text } = email;
  for (const key of Object.keys(PLACEHOLDERS) as (keyof PersonalLinks)[]) {
    html = html.replaceAll(PLACEHOLDERS[key], escapeAttribute(links[key]));
    text = text.replaceAll(PLACEHOLDERS[key], links[key]);
  }
  return { subject: email.subject, html, text };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
