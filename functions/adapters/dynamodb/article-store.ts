import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Article, ArticleCandidate } from '../../core/model.ts';
import { articleIdFor, neighbouringTitleKeys } from '../../core/ingest/identity.ts';
import type { ArticleStore, UpsertOutcome } from '../../ports/index.ts';
import { ARTICLES_TABLE } from './tables.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';

const articlePk = (id: string) => `article#${id}`;
const claimPk = (key: string) => `claim#${key}`;
const FIRST_SEEN_INDEX = ARTICLES_TABLE.globalIndexes[0].indexName;

/**
 * Articles in DynamoDB with deduplication by claims. Every identity key of a work (DOI, PMID,
 * NCT id, canonical URL, title bucket) is an item written with attribute_not_exists: the first
 * writer owns the work, later sources find a claim and merge onto its owner. No transactions.
 */
export class DynamoArticleStore implements ArticleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async upsert(
    candidate: ArticleCandidate,
    firstSeenAt: Date,
  ): Promise<{ outcome: UpsertOutcome; articleId: string }> {
    const [strongest] = candidate.identityKeys;
    if (!strongest) throw new Error(`article "${candidate.title}" has no identity key`);

    const lookup = [...candidate.identityKeys, ...candidate.identityKeys.flatMap(neighbouringTitleKeys)];
    const owners = await this.findOwners(lookup);
    const ownerKey = lookup.find((key) => owners.has(key));
    if (ownerKey) return this.merge(owners.get(ownerKey)!, candidate, owners, firstSeenAt);

    const articleId = articleIdFor(strongest);
    if (!(await this.putClaim(strongest, articleId))) {
      const owner = (await this.findOwners([strongest])).get(strongest)!;
      return this.merge(owner, candidate, new Map([[strongest, owner]]), firstSeenAt);
    }
    if (!(await this.putArticle(articleId, candidate, firstSeenAt))) {
      return this.merge(articleId, candidate, new Map([[strongest, articleId]]), firstSeenAt);
    }
    await this.putMissingClaims(candidate.identityKeys, articleId, new Map([[strongest, articleId]]));
    return { outcome: 'created', articleId };
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

  private async findOwners(keys: readonly string[]): Promise<Map<string, string>> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(keys)].map((key) => ({ pk: claimPk(key) })),
    );
    return new Map(items.map((item) => [String(item.pk).slice('claim#'.length), String(item.articleId)]));
  }

  private async putClaim(key: string, articleId: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: claimPk(key), kind: 'claim', articleId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async putMissingClaims(
    keys: readonly string[],
    articleId: string,
    known: ReadonlyMap<string, string>,
  ): Promise<void> {
    // A key already claimed by another article stays with it: first writer wins, nothing is stolen.
    for (const key of keys) if (!known.has(key)) await this.putClaim(key, articleId);
  }

  private async putArticle(
    articleId: string,
    candidate: ArticleCandidate,
    firstSeenAt: Date,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: articlePk(articleId),
            kind: 'article',
            id: articleId,
            title: candidate.title,
            url: candidate.url,
            summary: candidate.summary,
            publishedAt: candidate.publishedAt,
            firstSeenAt: firstSeenAt.toISOString(),
            firstSeenDay: firstSeenAt.toISOString().slice(0, 10),
            sources: [candidate.source],
            sourceIds: new Set([candidate.source.sourceId]),
            identifiers: candidate.identifiers,
            studyTypes: candidate.studyTypes,
            topics: candidate.topics,
            relevant: candidate.relevant,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Adds the candidate's source to its owner article unless already there, and claims its new keys. */
  private async merge(
    articleId: string,
    candidate: ArticleCandidate,
    known: ReadonlyMap<string, string>,
    firstSeenAt: Date,
  ): Promise<{ outcome: UpsertOutcome; articleId: string }> {
    await this.putMissingClaims(candidate.identityKeys, articleId, known);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const existing = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: articlePk(articleId) },
          ProjectionExpression: 'sourceIds',
          ConsistentRead: true,
        }),
      );
      if (!existing.Item) {
        // The claim's writer has not stored the article yet, or crashed in between: store it ourselves.
        if (await this.putArticle(articleId, candidate, firstSeenAt))
          return { outcome: 'created', articleId };
        continue;
      }
      const sourceIds = existing.Item.sourceIds as Set<string> | undefined;
      if (sourceIds?.has(candidate.source.sourceId)) return { outcome: 'unchanged', articleId };
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: articlePk(articleId) },
            UpdateExpression: 'SET sources = list_append(sources, :source) ADD sourceIds :sourceIdSet',
            ConditionExpression: 'attribute_exists(pk) AND NOT contains(sourceIds, :sourceId)',
            ExpressionAttributeValues: {
              ':source': [candidate.source],
              ':sourceIdSet': new Set([candidate.source.sourceId]),
              ':sourceId': candidate.source.sourceId,
            },
          }),
        );
        return { outcome: 'merged', articleId };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return { outcome: 'unchanged', articleId };
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function toArticle(item: Record<string, unknown>): Article {
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
    topics: item.topics ?? {},
    relevant: item.relevant === true,
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
