import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FetchConditions } from '../../ports/feed-fetcher.ts';
import type { SourceState } from '../../model/sources.ts';
import type { SourceStateStore, SourceSuccess } from '../../ports/source-state-store.ts';
import { batchGetAll, batchPutAll } from './batch.ts';

const sourcePk = (sourceId: string) => `source#${sourceId}`;

/**
 * Per-source fetch state in the state table: the validators of the last good fetch (ETag,
 * Last-Modified, and the URL they came from) for conditional GET, where an API source's next
 * search window starts, and consecutive failures.
 */
export class DynamoSourceStateStore implements SourceStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(sourceId: string): Promise<SourceState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: sourcePk(sourceId) } }),
    );
    return Item ? toState(Item) : undefined;
  }

  async getMany(sourceIds: readonly string[]): Promise<Map<string, SourceState>> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(sourceIds)].map((sourceId) => ({ pk: sourcePk(sourceId) })),
      { consistent: true },
    );
    return new Map(items.map((item) => [String(item.sourceId), toState(item)]));
  }

  /**
   * Puts each state whole in BatchWrites (25 a call) instead of one UpdateItem per source: an
   * ingest of 200 sources sent 200 UpdateItems, the table's costliest request to evaluate.
   */
  async recordSuccesses(successes: readonly SourceSuccess[]): Promise<void> {
    await batchPutAll(
      this.client,
      this.tableName,
      successes.map(({ sourceId, at, conditions, url, previous, windowStart }) => ({
        pk: sourcePk(sourceId),
        sourceId,
        lastSuccessAt: at.toISOString(),
        consecutiveFailures: 0,
        ...(conditions.etag ? { etag: conditions.etag } : {}),
        ...(conditions.lastModified ? { lastModified: conditions.lastModified } : {}),
        ...(url ? { validatorsUrl: url } : {}),
        ...(windowStart ? { windowStart } : {}),
        ...(previous?.lastFailureAt ? { lastFailureAt: previous.lastFailureAt } : {}),
        ...(previous?.lastError ? { lastError: previous.lastError } : {}),
      })),
    );
  }

  async recordSuccess(sourceId: string, at: Date, conditions: FetchConditions, url?: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: sourcePk(sourceId) },
        UpdateExpression:
          'SET sourceId = :id, lastSuccessAt = :at, consecutiveFailures = :zero, etag = :etag, lastModified = :lastModified, validatorsUrl = :url',
        ExpressionAttributeValues: {
          ':id': sourceId,
          ':at': at.toISOString(),
          ':zero': 0,
          ':etag': conditions.etag ?? null,
          ':lastModified': conditions.lastModified ?? null,
          ':url': url ?? null,
        },
      }),
    );
  }

  async recordFailure(sourceId: string, at: Date, error: string): Promise<SourceState> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: sourcePk(sourceId) },
        UpdateExpression:
          'SET sourceId = :id, lastFailureAt = :at, lastError = :error ADD consecutiveFailures :one',
        ExpressionAttributeValues: {
          ':id': sourceId,
          ':at': at.toISOString(),
          ':error': error.slice(0, 1000),
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(Attributes ?? { sourceId, consecutiveFailures: 1 });
  }
}

function toState(item: Record<string, unknown>): SourceState {
  const optional = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] } : {});
  return {
    sourceId: String(item.sourceId),
    consecutiveFailures: Number(item.consecutiveFailures ?? 0),
    ...optional('etag'),
    ...optional('lastModified'),
    ...optional('validatorsUrl'),
    ...optional('windowStart'),
    ...optional('lastSuccessAt'),
    ...optional('lastFailureAt'),
    ...optional('lastError'),
  };
}
