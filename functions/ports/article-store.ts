import type { Article, ArticleCandidate } from '../model/articles.ts';

/**
 * What storing a candidate did: a new article; another source's sighting added to a stored one;
 * nothing new; or, for a source already on the article, newer facts (a trial's status) written.
 */
export type UpsertOutcome = 'created' | 'merged' | 'unchanged' | 'updated';

/** The result of storing one candidate. */
export interface StoredArticle {
  readonly outcome: UpsertOutcome;
  readonly articleId: string;
}

/** Reading stored articles: what the planner, the sender and the archive need. */
export interface ArticleReader {
  /** Articles first seen in the half-open window (from, to]. */
  listFirstSeenBetween(from: Date, to: Date): Promise<Article[]>;
  getMany(ids: readonly string[]): Promise<Article[]>;
}

/** Storing articles: what ingest needs. */
export interface ArticleIngest {
  /**
   * Stores a new work, or merges the candidate's source onto the article that already owns one
   * of its identity keys. Idempotent: the same candidate twice is 'unchanged' the second time.
   * One candidate at a time, through a writer of its own: for many, use openWriter.
   */
  upsert(candidate: ArticleCandidate, firstSeenAt: Date): Promise<StoredArticle>;
  /**
   * Becomes the one writer of articles until `close()`: waits up to `waitMs` for another
   * writer (a concurrent ingest) to finish, so two ingests never decide "new work" at once.
   *
   * @throws IngestBusyError when the other writer still holds the lease after waitMs.
   */
  openWriter(options?: { readonly waitMs?: number }): Promise<ArticleWriter>;
}

export interface ArticleStore extends ArticleReader, ArticleIngest {}

/** The single writer of articles during one ingest run (see ArticleIngest.openWriter). */
export interface ArticleWriter {
  /**
   * Stores a batch (one feed): candidates that share an identity key with each other or with a
   * stored article merge onto it. Results are in the candidates' order.
   *
   * @throws IngestBusyError if the writer lost its lease (it then writes nothing more).
   */
  store(candidates: readonly ArticleCandidate[], firstSeenAt: Date): Promise<StoredArticle[]>;
  /** Gives the lease back; the writer cannot be used afterwards. */
  close(): Promise<void>;
}
