import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Article, StudyType } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import type { Selection } from '../digest/select.ts';
import { cutAtSentence } from '../ingest/summary.ts';
import { trialViewOf, type TrialView } from './trial-card.ts';

/**
 * What a digest shows, as plain data for the templates: one builder for the whole render, the
 * render in pieces and the plain-text twin, so they can never disagree about a word.
 */

export interface BadgeView {
  /** The study type, or the highest phase of a combined-phase badge: the site's pages colour by it. */
  readonly type: StudyType;
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
  /** "20 Nov 2026", or "Published 22 Oct 2026 · newly listed" for an older article listed late. */
  readonly date: string;
  readonly summary: string;
  readonly badges: readonly BadgeView[];
  /** A trial registration's phase, status and recruiting countries; absent on other articles. */
  readonly trial?: TrialView;
  /**
   * "Why you got this": the reader's topics the article matched, with the words that matched
   * where they say more than the topic's name. A text slot of the card.
   */
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
  /** The line inboxes show after the subject: the first title and what else the digest holds. */
  readonly preheader: string;
  /** "Week of 23 November 2026": the reader's ISO week, the one the digest id names. */
  readonly kicker: string;
  readonly intro: string;
  /** The topics of this digest with their counts: "CAR-T & cell therapy (3) · Lung cancer (1)". */
  readonly contents: string;
  /** Articles in the digest, older ones listed late included. */
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
  /**
   * The planner's key of the selection (a send job's groupKey): inputs of one batch (one articles
   * map) with the same key and digest are the same email, rendered once.
   */
  readonly groupKey?: string;
}

/** What a digest holds: a selection, or a send job carrying one (its quiet topics absent when none). */
export type SelectionContent = Pick<Selection, 'sections'> & Partial<Pick<Selection, 'quietTopics'>>;

/** Summaries are cut at a sentence to about three lines on a desktop screen (a little more on a phone). */
const CARD_SUMMARY_LENGTH = 240;

/**
 * An article first listed this long after it was published is new to us but not new: its card
 * says so, and the intro counts it apart. (Older than DIGEST_MAX_ARTICLE_AGE_DAYS, ingest leaves
 * it out altogether.)
 */
export const LATE_LISTING_DAYS = 14;

type Badge = { readonly label: string; readonly background: string; readonly color: string };

/**
 * How each study type reads and looks, in emails and on the site alike. Every pair keeps a
 * contrast of at least 7:1 at the badges' 12 px bold.
 */
export const STUDY_TYPE_BADGES: Record<StudyType, Badge> = {
  'randomised-trial': { label: 'Randomised trial', background: '#e3f8ec', color: '#0e5a2f' },
  'phase-3': { label: 'Phase 3', background: '#e3f0fb', color: '#0b3d6e' },
  'phase-2': { label: 'Phase 2', background: '#e3f0fb', color: '#0b3d6e' },
  'phase-1': { label: 'Phase 1', background: '#e3f0fb', color: '#0b3d6e' },
  review: { label: 'Review', background: '#efeaf9', color: '#4b2a86' },
  'meta-analysis': { label: 'Meta-analysis', background: '#efeaf9', color: '#4b2a86' },
  guideline: { label: 'Guideline', background: '#eceff3', color: '#2d3a48' },
  'case-report': { label: 'Case report', background: '#eceff3', color: '#2d3a48' },
  news: { label: 'News', background: '#e4f4f6', color: '#0a4a56' },
  'trial-registration': { label: 'Trial registration', background: '#eef0fb', color: '#29367f' },
  explainer: { label: 'Explainer by our editors', background: '#fbeaf1', color: '#7d1a43' },
  // Amber: a reader should notice that a preprint has not been checked by other scientists.
  preprint: { label: 'Preprint: not peer reviewed', background: '#fff3dc', color: '#7a4100' },
};

/** What the text is first, then the kind of study. */
export const BADGE_ORDER: readonly StudyType[] = [
  'preprint',
  'explainer',
  'news',
  'trial-registration',
  'guideline',
  'meta-analysis',
  'review',
  'case-report',
  'randomised-trial',
  'phase-3',
  'phase-2',
  'phase-1',
];

export function buildDigestView(
  input: DigestViewInput,
  topicLabels: Readonly<Record<TopicId, string>>,
): DigestView {
  const heading = (topic: TopicId) => {
    const label = topicLabels[topic];
    return { topic, label, labelUpper: label.toUpperCase(), labelRule: '-'.repeat(label.length) };
  };
  const withArticles = input.selection.sections
    .map((section) => ({
      ...heading(section.topic),
      quiet: false,
      articles: section.articles.flatMap((selected) => {
        const article = input.articles.get(selected.articleId);
        // Ingest keeps only http(s) links; a card never links anywhere else, whatever got stored.
        if (!article || !/^https?:\/\//i.test(article.url)) return [];
        // The section's own topic first: it is why the card stands here.
        const matched = [section.topic, ...selected.matchedTopics.filter((topic) => topic !== section.topic)];
        return [cardView(article, whyLine(article, matched, topicLabels), selected.recruitingHere === true)];
      }),
    }))
    .filter((section) => section.articles.length > 0);
  const quiet = (input.selection.quietTopics ?? []).map((topic) => ({
    ...heading(topic),
    quiet: true,
    articles: [],
  }));
  const sections = [...withArticles, ...quiet].sort(
    (a, b) => TOPIC_IDS.indexOf(a.topic) - TOPIC_IDS.indexOf(b.topic),
  );
  const cards = withArticles.flatMap((section) => section.articles);
  const count = cards.length;
  const late = cards.filter((card) => card.late).length;
  const week = weekOf(input.digestId);
  const topics = withArticles.map((section) => section.label);
  return {
    subject: `Your Immunotherapy Digest: ${subjectCount(count, late)}, week of ${week}`,
    preheader: preheaderOf(cards[0]?.title ?? '', count, topics),
    kicker: `Weekly digest · week of ${week}`,
    intro: introOf(count, late),
    contents: withArticles.map((section) => `${section.label} (${section.articles.length})`).join(' · '),
    count,
    sections: sections.map((section) => ({
      ...section,
      articles: section.articles.map(({ late: _late, ...card }) => card),
    })),
  };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "8 new articles"; with older ones listed late, only the new ones are called new. */
function subjectCount(count: number, late: number): string {
  if (late === 0) return plural(count, 'new article');
  if (late === count) return plural(count, 'article');
  return `${plural(count - late, 'new article')} and ${late} older`;
}

function introOf(count: number, late: number): string {
  const fresh = count - late;
  const older = `${late} older ${late === 1 ? 'one' : 'ones'} listed for the first time`;
  if (late === 0) return `${plural(count, 'new article')} this week on the topics you follow.`;
  if (fresh === 0)
    return `${plural(late, 'older article')} listed for the first time this week on the topics you follow.`;
  return `${plural(fresh, 'new article')} this week on the topics you follow, and ${older}.`;
}

/** "CAR T cells bring lasting remissions … and 7 more on CAR-T & cell therapy and Leukemia." */
function preheaderOf(firstTitle: string, count: number, topics: readonly string[]): string {
  const title = cutAtSentence(firstTitle, 90);
  if (count <= 1) return title;
  return `${title} — and ${count - 1} more on ${joinWords(topics)}.`;
}

/** "A", "A and B", "A, B and C". */
function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * "you follow Lung cancer (“non-small cell lung cancer”) and Checkpoint inhibitors
 * (“pembrolizumab”)". The section heading names the topic already: the words that matched say
 * what in the article did. They are left out where they only repeat the topic's name. The site's
 * own articles carry their editors' topics, not matched words.
 */
function whyLine(
  article: Article,
  matched: readonly TopicId[],
  labels: Readonly<Record<TopicId, string>>,
): string {
  // The same article is in many groups' digests under the same few topic lists: word it once.
  let byArticle = whyLines.get(labels);
  if (!byArticle) whyLines.set(labels, (byArticle = new WeakMap<Article, Map<string, string>>()));
  let lines = byArticle.get(article);
  if (!lines) byArticle.set(article, (lines = new Map<string, string>()));
  const key = matched.join(',');
  let line = lines.get(key);
  if (line === undefined) lines.set(key, (line = whyLineUncached(article, matched, labels)));
  return line;
}

const whyLines = new WeakMap<object, WeakMap<Article, Map<string, string>>>();

function whyLineUncached(
  article: Article,
  matched: readonly TopicId[],
  labels: Readonly<Record<TopicId, string>>,
): string {
  const topics = joinWords(
    matched.map((topic, index) => {
      const words = index < QUOTED_TOPICS ? article.matchedTerms?.[topic] : undefined;
      return words && saysMoreThan(words, labels[topic]) ? `${labels[topic]} (“${words}”)` : labels[topic];
    }),
  );
  return article.studyTypes.includes('explainer')
    ? `our editors wrote it for readers of ${topics}.`
    : `you follow ${topics}.`;
}

/** Matched words are quoted for the first topics only: the line stays a line. */
const QUOTED_TOPICS = 2;

/** Connecting words a combination rule finds: they say nothing on their own. */
const EMPTY_WORDS = new Set(['plus', 'with', 'and', 'combined with', 'in combination with', 'versus', 'vs']);

function saysMoreThan(words: string, label: string): boolean {
  if (EMPTY_WORDS.has(words.toLowerCase().trim())) return false;
  // "CAR T cells" adds nothing to "CAR-T & cell therapy"; "lifileucel" does.
  const labelWords = new Set(wordsOf(label));
  const termWords = wordsOf(words);
  return termWords.length > 0 && !termWords.every((word) => labelWords.has(word));
}

/** Lower-case words without a plural "s": what two wordings share. */
function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).map((word) =>
    word.length > 3 ? word.replace(/s$/, '') : word,
  );
}

type CardContent = Omit<CardView, 'why'> & { readonly late: boolean };

/**
 * Card content per article object: a sender builds the views of a batch twice (to prepare the
 * pieces, then to send) from the same articles, and an article read once is never changed. A
 * trial has a second card, with "Recruiting in your country", for the readers it recruits near.
 */
const cardContents = new WeakMap<Article, { plain?: CardContent; recruitingHere?: CardContent }>();

function cardView(
  article: Article,
  why: string,
  recruitingHere: boolean,
): CardView & { readonly late: boolean } {
  let variants = cardContents.get(article);
  if (!variants) cardContents.set(article, (variants = {}));
  const variant = recruitingHere && article.trial ? 'recruitingHere' : 'plain';
  const content = (variants[variant] ??= cardContentOf(article, variant === 'recruitingHere'));
  return { ...content, why };
}

function cardContentOf(article: Article, recruitingHere: boolean): CardContent {
  const badges = badgesOf(article.studyTypes);
  const late = isListedLate(article);
  const shown = {
    title: article.title,
    url: article.url,
    source: [...new Set(article.sources.map((source) => source.sourceName))].join(', '),
    date: late
      ? `Published ${shortDate(article.publishedAt)} · newly listed`
      : shortDate(article.publishedAt),
    summary: cutAtSentence(article.summary, CARD_SUMMARY_LENGTH),
    badges: badges.map((badge, index) => ({ ...badge, last: index === badges.length - 1 })),
    ...(article.trial ? { trial: trialViewOf(article.trial, recruitingHere) } : {}),
  };
  const key = createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 22);
  return { key, ...shown, late };
}

const PHASES: readonly StudyType[] = ['phase-1', 'phase-2', 'phase-3'];

/**
 * The badges of an article in BADGE_ORDER. A trial of combined phases gets one badge ("Phase
 * 1/2"), as registries write it, instead of one per phase.
 */
export function badgesOf(studyTypes: readonly StudyType[]): (Badge & { readonly type: StudyType })[] {
  const phases = PHASES.filter((phase) => studyTypes.includes(phase));
  const badges: (Badge & { readonly type: StudyType })[] = [];
  for (const type of BADGE_ORDER) {
    if (!studyTypes.includes(type)) continue;
    if (phases.length > 1 && PHASES.includes(type)) {
      // BADGE_ORDER lists phase 3 first: the combined badge stands where the highest phase would.
      if (type === phases.at(-1)) {
        const label = `Phase ${phases.map((phase) => phase.slice(-1)).join('/')}`;
        badges.push({ type, ...STUDY_TYPE_BADGES[type], label });
      }
      continue;
    }
    badges.push({ type, ...STUDY_TYPE_BADGES[type] });
  }
  return badges;
}

/**
 * Whether an article reached us LATE_LISTING_DAYS or more after it was published. The site's own
 * explainers are never late: they are written to last, and listed when the editors publish them.
 */
export function isListedLate(article: Pick<Article, 'publishedAt' | 'firstSeenAt' | 'studyTypes'>): boolean {
  if (article.studyTypes.includes('explainer')) return false;
  const gap = Date.parse(article.firstSeenAt) - Date.parse(article.publishedAt);
  return gap >= LATE_LISTING_DAYS * 86_400_000;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-20T10:00:00Z" → "20 Nov 2026" (UTC). A card is built per article per job: no luxon here. */
function shortDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** Weeks by digest id: every view of a send names the same few weeks, and luxon is slow per call. */
const weeks = new Map<string, string>();

/** "weekly-2026-W48" → "23 November 2026" (the Monday of that ISO week). */
function weekOf(digestId: string): string {
  let week = weeks.get(digestId);
  if (week === undefined) {
    week = weekOfUncached(digestId);
    if (weeks.size > 1000) weeks.clear();
    weeks.set(digestId, week);
  }
  return week;
}

function weekOfUncached(digestId: string): string {
  const match = /(\d{4})-W(\d{2})$/.exec(digestId);
  if (!match) return digestId;
  return DateTime.fromObject(
    { weekYear: Number(match[1]), weekNumber: Number(match[2]), weekday: 1 },
    { zone: 'utc' },
  ).toFormat('d LLLL yyyy');
}
