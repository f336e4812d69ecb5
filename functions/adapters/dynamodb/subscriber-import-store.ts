import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AddressRecords } from '../../ports/subscriber-store.ts';
import type {
  AddressBatchReader,
  ConfirmedPage,
  ConfirmedSubscriberPages,
  ImportClaims,
  ImportRunRecord,
  ImportRuns,
} from '../../ports/subscriber-import.ts';
import { ValidationError } from '../../core/errors.ts';
import { batchGetAll, batchPutAll } from './batch.ts';
import { CONFIRMED_SHARDS, SUBSCRIBERS_TABLE } from './tables.ts';
import {
  isSuppressionEntry,
  pendingKey,
  toPending,
  toSubscriber,
  toSuppression,
} from './subscriber-store.ts';

const CONFIRMED_INDEX = SUBSCRIBERS_TABLE.globalIndexes[0].indexName;

/** An import's mark on an address it asked to confirm (state table): the keyed id, no address. */
const claimKey = (subscriberId: string) => `import-claim#${subscriberId}`;
const runKey = (importId: string) => `import-run#${importId}`;

/**
 * Import and export reads and marks: batched address reads of the subscribers table, the import
 * claims and runs in the state table, and the confirmed index read a page at a time.
 */
export class DynamoSubscriberImportStore
  implements AddressBatchReader, ImportClaims, ImportRuns, ConfirmedSubscriberPages
{
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly subscribersTable: string,
    private readonly stateTable: string,
  ) {}

  async readAddresses(subscriberIds: readonly string[], now: Date): Promise<Map<string, AddressRecords>> {
    const items = await batchGetAll(
      this.client,
      this.subscribersTable,
      subscriberIds.flatMap((subscriberId) => [{ subscriberId }, { subscriberId: pendingKey(subscriberId) }]),
      { consistent: true },
    );
    const byKey = new Map(items.map((item) => [String(item.subscriberId), item]));
    const records = new Map<string, AddressRecords>();
    for (const subscriberId of subscriberIds) {
      const record = byKey.get(subscriberId);
      const pendingItem = byKey.get(pendingKey(subscriberId));
      const pending = pendingItem ? toPending(pendingItem) : undefined;
      records.set(subscriberId, {
        ...(record && !isSuppressionEntry(record) ? { subscriber: toSubscriber(record) } : {}),
        ...(record && isSuppressionEntry(record) ? { suppression: toSuppression(record) } : {}),
        ...(pending && pending.expiresAt > now.toISOString() ? { pending } : {}),
      });
    }
    return records;
  }

  async claimed(subscriberIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGetAll(
      this.client,
      this.stateTable,
      subscriberIds.map((subscriberId) => ({ pk: claimKey(subscriberId) })),
      { consistent: true, projection: 'subscriberId' },
    );
    return new Set(items.map((item) => String(item.subscriberId)));
  }

  async claim(subscriberIds: readonly string[], importId: string, at: Date): Promise<void> {
    // Unconditional: a mark says "asked once"; which import wrote it last does not matter.
    await batchPutAll(
      this.client,
      this.stateTable,
      subscriberIds.map((subscriberId) => ({
        pk: claimKey(subscriberId),
        subscriberId,
        importId,
        claimedAt: at.toISOString(),
      })),
    );
  }

  async recordRun(run: ImportRunRecord): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.stateTable, Item: { pk: runKey(run.importId), ...run } }),
    );
  }

  async *confirmedPages(pageSize: number, after?: string): AsyncIterable<ConfirmedPage> {
    const from = after === undefined ? { shard: 0 } : readCursor(after);
    for (let shard = from.shard; shard < CONFIRMED_SHARDS; shard += 1) {
      let startKey: Record<string, unknown> | undefined = shard === from.shard ? from.key : undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.subscribersTable,
            IndexName: CONFIRMED_INDEX,
            KeyConditionExpression: 'confirmedShard = :shard',
            ExpressionAttributeValues: { ':shard': `confirmed#${shard}` },
            Limit: pageSize,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        startKey = page.LastEvaluatedKey;
        const next = startKey
          ? writeCursor({ shard, key: startKey })
          : shard + 1 < CONFIRMED_SHARDS
            ? writeCursor({ shard: shard + 1 })
            : undefined;
        yield { subscribers: (page.Items ?? []).map(toSubscriber), ...(next ? { next } : {}) };
      } while (startKey);
    }
  }
}

interface Cursor {
  readonly shard: number;
  readonly key?: Record<string, unknown>;
}

const writeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** A cursor from a client: only a shard number and the index's own key attributes pass. */
function readCursor(text: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError('after: not a cursor of this export', [], { cause: error });
  }
  const { shard, key } = (parsed ?? {}) as { shard?: unknown; key?: unknown };
  const keyOk =
    key === undefined ||
    (typeof key === 'object' &&
      key !== null &&
      Object.keys(key).sort().join() === 'confirmedShard,subscriberId' &&
      Object.values(key).every((part) => typeof part === 'string'));
  if (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= CONFIRMED_SHARDS || !keyOk)
    throw new ValidationError('after: not a cursor of this export');
  return { shard: shard as number, ...(key ? { key: key as Record<string, unknown> } : {}) };
}
