import type { TopicId } from './topics.ts';

/**
 * Articles: what ingest stores and digests select from. Plain data, serialisable as is into
 * DynamoDB items; times are ISO-8601 strings in UTC (`2026-11-26T08:00:00.000Z`).
 */

/**
 * What an article is, at a glance (the badges of a card): the kind of study, and the kind of text
 * when it is not a study report (news, a trial's registration, the site's own explainer).
 */
export type StudyType =
  | 'randomised-trial'
  | 'phase-1'
  | 'phase-2'
  | 'phase-3'
  | 'preprint'
  | 'review'
  | 'meta-analysis'
  | 'guideline'
  | 'news'
  | 'trial-registration'
  | 'explainer';

export interface ArticleIdentifiers {
  readonly doi?: string;
  readonly pmid?: string;
  readonly nct?: string;
}

/** Where an article was seen. One article may be seen in several sources. */
export interface ArticleSourceRef {
  readonly sourceId: string;
  readonly sourceName: string;
  /** The source's ranking weight (1 = normal). */
  readonly weight: number;
}

/** Topic scores of one article: only topics that matched, score > 0. */
export type TopicScores = Partial<Record<TopicId, number>>;

/** For each topic the tagger gave an article, the words that weighed most, as the item wrote them. */
export type TopicTerms = Partial<Record<TopicId, string>>;

/** A normalised, tagged item before it is stored: what ingest hands to the article store. */
export interface ArticleCandidate {
  readonly title: string;
  readonly url: string;
  readonly summary: string;
  readonly publishedAt: string;
  readonly source: ArticleSourceRef;
  readonly identifiers: ArticleIdentifiers;
  readonly studyTypes: readonly StudyType[];
  readonly topics: TopicScores;
  /** The words that tagged each topic ("why you got this"); none for editors' topics. */
  readonly matchedTerms?: TopicTerms;
  readonly relevant: boolean;
  /** Identity keys in strength order (doi, pmid, nct, url, title); the first one names the article. */
  readonly identityKeys: readonly string[];
}

export interface Article {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly summary: string;
  readonly publishedAt: string;
  /** When this pipeline first stored the work: digest windows are cut on this, never on publishedAt. */
  readonly firstSeenAt: string;
  readonly sources: readonly ArticleSourceRef[];
  readonly identifiers: ArticleIdentifiers;
  readonly studyTypes: readonly StudyType[];
  readonly topics: TopicScores;
  /** Absent on articles stored before the tagger reported its words. */
  readonly matchedTerms?: TopicTerms;
  readonly relevant: boolean;
}
