import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Article, StudyType } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import type { Selection } from '../digest/select.ts';
import { truncateText } from '../ingest/html-text.ts';

/**
 * What a digest shows, as plain data for the templates: one builder for the whole render, the
 * render in pieces and the plain-text twin, so they can never disagree about a word.
 */

export interface BadgeView {
  readonly label: string;
  readonly background: string;
  readonly color: string;
  /** Mustache has no "last" of its own; the text twin needs it for separators. */
  readonly last: boolean;
}

export interface CardView {
  /** A hash of everything the card shows but `why`: the key of its rendered piece. */
  readonly key: string;
  readonly title: string;
  readonly url: string;
  readonly source: string;
  readonly date: string;
  readonly summary: string;
  readonly badges: readonly BadgeView[];
  /** "Why you got this": the reader's topics the article matched. A text slot of the card. */
  readonly why: string;
}

export interface SectionView {
  readonly topic: TopicId;
  readonly label: string;
  readonly labelUpper: string;
  readonly labelRule: string;
  /**
   * A chosen topic with nothing new this week: the section is one quiet line ("Nothing new on
   * Lung cancer this week", in partials/digest-topic and digest.txt) and has no articles.
   */
  readonly quiet: boolean;
  readonly articles: readonly CardView[];
}

export interface DigestView {
  readonly subject: string;
  /** "Week of 23 November 2026": the reader's ISO week, the one the digest id names. */
  readonly kicker: string;
  readonly intro: string;
  /** The topics of this digest with their counts: "CAR-T & cell therapy (3) · Lung cancer (1)". */
  readonly contents: string;
  readonly count: number;
  /** In topic order: the sections with articles and the quiet lines of the topics without. */
  readonly sections: readonly SectionView[];
}

export interface DigestViewInput {
  /** `weekly-2026-W48`: the week is shown in the email. */
  readonly digestId: string;
  readonly selection: SelectionContent;
  /** Articles missing here (deleted since planning) are left out rather than failing the group. */
  readonly articles: ReadonlyMap<string, Article>;
}

/** What a digest holds: a selection, or a send job carrying one (its quiet topics absent when none). */
export type SelectionContent = Pick<Selection, 'sections'> & Partial<Pick<Selection, 'quietTopics'>>;

/** Summaries are cut to about two lines on a desktop screen (a little more on a phone). */
const CARD_SUMMARY_LENGTH = 180;

/** How each study type reads and looks, in emails and on archive pages alike. */
export const STUDY_TYPE_BADGES: Record<StudyType, { label: string; background: string; color: string }> = {
  'randomised-trial': { label: 'Randomised trial', background: '#e3f8ec', color: '#0e5a2f' },
  'phase-3': { label: 'Phase 3', background: '#e3f0fb', color: '#0b3d6e' },
  'phase-2': { label: 'Phase 2', background: '#e3f0fb', color: '#0b3d6e' },
  'phase-1': { label: 'Phase 1', background: '#e3f0fb', color: '#0b3d6e' },
  review: { label: 'Review', background: '#efeaf9', color: '#4b2a86' },
  'meta-analysis': { label: 'Meta-analysis', background: '#efeaf9', color: '#4b2a86' },
  guideline: { label: 'Guideline', background: '#efeaf9', color: '#4b2a86' },
  'trial-registration': { label: 'Trial registration', background: '#e3f0fb', color: '#0b3d6e' },
  'case-report': { label: 'Case report', background: '#eef0f2', color: '#33404d' },
  // Amber: a reader should notice that a preprint has not been checked by other scientists.
  preprint: { label: 'Preprint: not peer reviewed', background: '#fff3dc', color: '#7a4100' },
};

const BADGE_ORDER: readonly StudyType[] = [
  'preprint',
  'randomised-trial',
  'phase-3',
  'phase-2',
  'phase-1',
  'trial-registration',
  'meta-analysis',
  'review',
  'guideline',
  'case-report',
];

export function buildDigestView(
  input: DigestViewInput,
  topicLabels: Readonly<Record<TopicId, string>>,
): DigestView {
  const heading = (topic: TopicId) => {
    const label = topicLabels[topic];
    return { topic, label, labelUpper: label.toUpperCase(), labelRule: '-'.repeat(label.length) };
  };
  const withArticles: SectionView[] = input.selection.sections
    .map((section) => ({
      ...heading(section.topic),
      quiet: false,
      articles: section.articles.flatMap((selected) => {
        const article = input.articles.get(selected.articleId);
        // Ingest keeps only http(s) links; a card never links anywhere else, whatever got stored.
        if (!article || !/^https?:\/\//i.test(article.url)) return [];
        return [cardView(article, selected.matchedTopics.map((topic) => topicLabels[topic]).join(' · '))];
      }),
    }))
    .filter((section) => section.articles.length > 0);
  const quiet: SectionView[] = (input.selection.quietTopics ?? []).map((topic) => ({
    ...heading(topic),
    quiet: true,
    articles: [],
  }));
  const sections = [...withArticles, ...quiet].sort(
    (a, b) => TOPIC_IDS.indexOf(a.topic) - TOPIC_IDS.indexOf(b.topic),
  );
  const count = withArticles.reduce((total, section) => total + section.articles.length, 0);
  const articlesWord = count === 1 ? 'article' : 'articles';
  const week = weekOf(input.digestId);
  return {
    subject: `Your Immunotherapy Digest: ${count} new ${articlesWord}, week of ${week}`,
    kicker: `Weekly digest · week of ${week}`,
    intro: `${count} new ${articlesWord} this week on the topics you follow.`,
    contents: withArticles.map((section) => `${section.label} (${section.articles.length})`).join(' · '),
    count,
    sections,
  };
}

type CardContent = Omit<CardView, 'why'>;

/**
 * Card content per article object: a sender builds the views of a batch twice (to prepare the
 * pieces, then to send) from the same articles, and an article read once is never changed.
 */
const cardContents = new WeakMap<Article, CardContent>();

function cardView(article: Article, why: string): CardView {
  let content = cardContents.get(article);
  if (!content) cardContents.set(article, (content = cardContentOf(article)));
  return { ...content, why };
}

function cardContentOf(article: Article): CardContent {
  const types = BADGE_ORDER.filter((type) => article.studyTypes.includes(type));
  const shown = {
    title: article.title,
    url: article.url,
    source: [...new Set(article.sources.map((source) => source.sourceName))].join(', '),
    date: shortDate(article.publishedAt),
    summary: truncateText(article.summary, CARD_SUMMARY_LENGTH),
    badges: types.map((type, index) => ({ ...STUDY_TYPE_BADGES[type], last: index === types.length - 1 })),
  };
  const key = createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 22);
  return { key, ...shown };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-20T10:00:00Z" → "20 Nov 2026" (UTC). A card is built per article per job: no luxon here. */
function shortDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "weekly-2026-W48" → "23 November 2026" (the Monday of that ISO week). */
function weekOf(digestId: string): string {
  const match = /(\d{4})-W(\d{2})$/.exec(digestId);
  if (!match) return digestId;
  return DateTime.fromObject(
    { weekYear: Number(match[1]), weekNumber: Number(match[2]), weekday: 1 },
    { zone: 'utc' },
  ).toFormat('d LLLL yyyy');
}
