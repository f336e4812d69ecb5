import { editorialMarksOf, editorRelevantOf, editorTopicsOf } from './editorial-items.ts';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Article, ArticleCandidate } from '../../model/articles.ts';
import type { ArticleStore, ArticleWriter, UpsertOutcome } from '../../ports/article-store.ts';
import { ARTICLES_TABLE } from './tables.ts';
import { batchGetAll } from './batch.ts';
import { DynamoArticleWriter } from './article-writer.ts';
import { articlePk } from './article-items.ts';
import { DEFAULT_LEASE_SETTINGS, WriterLease, type LeaseSettings } from './writer-lease.ts';

const FIRST_SEEN_INDEX = ARTICLES_TABLE.globalIndexes[0].indexName;
/** The item that holds the writer lease, beside the articles and claims it guards. */
const WRITER_LEASE_PK = 'lease#article-writer';
/** Long enough for a running ingest (seconds, usually) to finish; then the next one gives up. */
const DEFAULT_WRITER_WAIT_MS = 120_000;

/**
 * Articles in DynamoDB, deduplicated by claims: every identity key of a work (DOI, PMID, PMC id, NCT id,
 * URL, title within 14 days) is an item `claim#<key>` naming the article that owns it. The first
 * writer of a key owns the work; later sources merge onto it. One writer at a time holds the
 * table's writer lease (a conditional put with a heartbeat), which is what lets it read a whole
 * feed's claims with BatchGet and write the new ones with BatchWrite: no transactions, and no
 * conditional write per key.
 */
export class DynamoArticleStore implements ArticleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly leaseSettings: LeaseSettings = DEFAULT_LEASE_SETTINGS,
  ) {}

  async openWriter(options: { readonly waitMs?: number } = {}): Promise<ArticleWriter> {
    const lease = await WriterLease.acquire(
      this.client,
      this.tableName,
      WRITER_LEASE_PK,
      options.waitMs ?? DEFAULT_WRITER_WAIT_MS,
      this.leaseSettings,
    );
    return new DynamoArticleWriter(this.client, this.tableName, lease);
  }

  async upsert(
    candidate: ArticleCandidate,
    firstSeenAt: Date,
  ): Promise<{ outcome: UpsertOutcome; articleId: string }> {
    const writer = await this.openWriter();
    try {
      const [stored] = await writer.store([candidate], firstSeenAt);
      return stored!;
    } finally {
      await writer.close();
    }
  }

  async listFirstSeenBetween(from: Date, to: Date): Promise<Article[]> {
    const articles: Article[] = [];
    for (const day of daysBetween(from, to)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: FIRST_SEEN_INDEX,
            KeyConditionExpression: 'firstSeenDay = :day AND firstSeenAt BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':day': day, ':from': from.toISOString(), ':to': to.toISOString() },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          const article = toArticle(item);
          if (article.firstSeenAt > from.toISOString()) articles.push(article);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return articles;
  }

  async getMany(ids: readonly string[]): Promise<Article[]> {
    const unique = [...new Set(ids)];
    const items = await batchGetAll(
      this.client,
      this.tableName,
      unique.map((id) => ({ pk: articlePk(id) })),
    );
    return items.map(toArticle);
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** An article item as the Article it stores, the editors' marks applied (editorial-store.ts). */
export function toArticle(item: Record<string, unknown>): Article {
  const editorial = editorialMarksOf(item);
  const retagged = editorial?.retagged;
  return {
    id: text(item.id),
    title: text(item.title),
    url: text(item.url),
    summary: text(item.summary),
    publishedAt: text(item.publishedAt),
    firstSeenAt: text(item.firstSeenAt),
    sources: (item.sources ?? []) as Article['sources'],
    identifiers: item.identifiers ?? {},
    studyTypes: (item.studyTypes ?? []) as Article['studyTypes'],
    // An editor's topics replace the tagger's everywhere an article is read.
    topics: retagged ? editorTopicsOf(item) : (item.topics ?? {}),
    ...(item.matchedTerms ? { matchedTerms: item.matchedTerms } : {}),
    relevant: retagged ? editorRelevantOf(item) : item.relevant === true,
    ...(typeof item.journal === 'string' ? { journal: item.journal } : {}),
    ...(item.trial && typeof item.trial === 'object' ? { trial: item.trial as Article['trial'] } : {}),
    ...(editorial ? { editorial } : {}),
    ...(typeof item.digestReaders === 'number' ? { digestReaders: item.digestReaders } : {}),
  };
}

/** UTC calendar days (YYYY-MM-DD) touched by the window, oldest first. */
function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (cursor.getTime() <= to.getTime()) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}
