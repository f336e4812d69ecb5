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
  | 'explainer'
  | 'case-report';

export interface ArticleIdentifiers {
  readonly doi?: string;
  readonly pmid?: string;
  /** PubMed Central's id of the free full text ("PMC1234567"). */
  readonly pmcid?: string;
  readonly nct?: string;
}

/** A trial's phase as ClinicalTrials.gov states it. */
export const TRIAL_PHASES = [
  'early-phase-1',
  'phase-1',
  'phase-2',
  'phase-3',
  'phase-4',
  'not-applicable',
] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];

/**
 * Recruitment status of a trial, or of one of its sites: ClinicalTrials.gov's list (RECRUITING,
 * ACTIVE_NOT_RECRUITING, ...) in lower-case words. The last five are for expanded access records.
 */
export const RECRUITMENT_STATUSES = [
  'not-yet-recruiting',
  'recruiting',
  'enrolling-by-invitation',
  'active-not-recruiting',
  'suspended',
  'terminated',
  'completed',
  'withdrawn',
  'unknown',
  'available',
  'no-longer-available',
  'temporarily-not-available',
  'approved-for-marketing',
  'withheld',
] as const;
export type RecruitmentStatus = (typeof RECRUITMENT_STATUSES)[number];

/**
 * What a trial registration says about the trial, as of its last update: what the trial card
 * shows (phase, status, where it recruits) and what matches a reader's country.
 */
export interface TrialFacts {
  readonly phases: readonly TrialPhase[];
  readonly status: RecruitmentStatus;
  readonly conditions: readonly string[];
  readonly interventions: readonly string[];
  /** The lead sponsor's name. */
  readonly sponsor?: string;
  /** Countries of the trial's sites, ISO 3166-1 alpha-2 codes, sorted. */
  readonly countries: readonly string[];
  /**
   * Countries with a site recruiting now: by each site's own status, or, when the registry gives
   * sites no status, every site country of a trial that is recruiting. Empty for a trial that is
   * not recruiting.
   */
  readonly recruitingCountries: readonly string[];
  /** Calendar dates (YYYY-MM-DD, or YYYY-MM when the registry gives no day). */
  readonly firstPostedOn?: string;
  readonly lastUpdatedOn: string;
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
  /** Identity keys in strength order (doi, pmid, pmc, nct, url, title); the first one names the article. */
  readonly identityKeys: readonly string[];
  /** The journal's name, when the source says it (PubMed). */
  readonly journal?: string;
  readonly trial?: TrialFacts;
  /**
   * The study types come from the record's own facts (publication types, trial design), not
   * from words in its title: merged onto a stored article, they replace its guessed ones.
   */
  readonly studyTypesFromRecord?: boolean;
  /**
   * A newer version of a work this pipeline may already hold (a trial updated long after it was
   * first posted): it refreshes the stored facts but never creates an article of its own.
   */
  readonly updateOnly?: boolean;
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
  readonly journal?: string;
  /** For a trial registration: its phase, status and sites, as of its last update we saw. */
  readonly trial?: TrialFacts;
  /** What the editors did to it on the desk (hidden, pinned, retagged); absent when nothing. */
  readonly editorial?: EditorialMarks;
  /** How many readers were sent a digest holding it so far (absent: none yet). */
  readonly digestReaders?: number;
}

/** Who did something on the editors' desk, and when (ISO time). */
export interface EditorAction {
  /** The authenticated principal, as admin sends record it ("local-admin", an IAM ARN). */
  readonly by: string;
  readonly at: string;
}

/**
 * The editors' marks on an article. They live beside the work, keyed like it, so re-ingest of
 * the same work from any source (which merges onto the same article) never loses them.
 */
export interface EditorialMarks {
  /** Out of every digest not yet sent and out of the archive. */
  readonly hidden?: EditorAction & { readonly reason?: string };
  /** Editor's pick: leads its sections with a badge. */
  readonly pinned?: EditorAction;
  /**
   * The editor set the article's topics and relevance (Article.topics and .relevant are theirs);
   * the tagger's own, kept here, are what re-ingest updates and what the label export compares.
   */
  readonly retagged?: EditorAction & { readonly taggerTopics: TopicScores; readonly taggerRelevant: boolean };
}
