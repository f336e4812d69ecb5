import type { TopicId } from './topics.ts';

/**
 * The domain's nouns. Plain data, serialisable as is into DynamoDB items and SQS messages.
 * Times are ISO-8601 strings in UTC (`2026-11-26T08:00:00.000Z`).
 */

export type StudyType = 'randomised-trial' | 'phase-1' | 'phase-2' | 'phase-3' | 'preprint' | 'review';

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

/** A normalised, tagged item before it is stored: what ingest hands to the ArticleStore. */
export interface ArticleCandidate {
  readonly title: string;
  readonly url: string;
  readonly summary: string;
  readonly publishedAt: string;
  readonly source: ArticleSourceRef;
  readonly identifiers: ArticleIdentifiers;
  readonly studyTypes: readonly StudyType[];
  readonly topics: TopicScores;
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
  readonly relevant: boolean;
}

export const SUBSCRIBER_STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/** When a subscriber wants their digest, in their own time zone. ISO weekday: 1 = Monday … 7 = Sunday. */
export interface DeliverySlot {
  readonly weekday: number;
  readonly hour: number;
  readonly timeZone: string;
}

export const DEFAULT_DELIVERY_SLOT: DeliverySlot = { weekday: 1, hour: 8, timeZone: 'UTC' };

export interface ConsentRecord {
  readonly at: string;
  /** SHA-256 of the IP with the token secret as key: evidence without keeping the address itself. */
  readonly ipHash: string;
  readonly topics: readonly TopicId[];
  readonly wordingVersion: string;
}

export interface Subscriber {
  readonly subscriberId: string;
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly status: SubscriberStatus;
  readonly delivery: DeliverySlot;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** End of the window of the last digest delivered: the next digest starts here. */
  readonly lastDigestAt?: string;
  readonly lastDigestId?: string;
  /** Set by the planner so the next hourly run does not enqueue the same reader again. */
  readonly plannedDigestId?: string;
  readonly plannedAt?: string;
  /** This week had nothing on the reader's topics: no email, and no new try until next week. */
  readonly skippedDigestId?: string;
  readonly consent?: ConsentRecord;
  readonly softBounces?: number;
  /** Last time a confirmation email went out: at most one per address per 24 h. */
  readonly confirmationSentAt?: string;
  /** Last time a "here is your manage link" email went out (see claimManageLinkEmail). */
  readonly manageLinkSentAt?: string;
  readonly paused?: boolean;
  /** Seeded by the local runtime for demonstration; never created in the cloud. */
  readonly demo?: boolean;
}

/** A feed source from content/sources.yaml. */
export interface Source {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** A broad source (a whole journal, a news desk) whose items must pass the relevance filter. */
  readonly broad: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  /** File under content/snapshots/ served instead of `url` when running offline. */
  readonly snapshot?: string;
}
