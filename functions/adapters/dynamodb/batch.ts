import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * The batch calls send the DynamoDB client's own BatchGetItem and BatchWriteItem commands, with
 * items marshalled here, rather than the document client's BatchGet and BatchWrite. Same items
 * and same attribute values (the document client marshals with these very functions and
 * options), at half the client CPU: the document commands walk every request and response a
 * second time to find the values to convert, which costs more than the conversion itself and
 * made the SDK the largest part of an ingest's CPU.
 */

type RawItem = Record<string, AttributeValue>;

/** As the document client is configured in aws-clients.ts. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/** The document client is a client of the same service: it sends the low-level commands as they are. */
function rawSend(client: DynamoDBDocumentClient) {
  return client as unknown as {
    send(command: BatchGetItemCommand): Promise<BatchGetItemCommandOutput>;
    send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
  };
}

const BATCH_GET_LIMIT = 100;

/**
 * BatchGet of any number of keys: chunks of 100, unprocessed keys retried with backoff (DynamoDB
 * returns them under load instead of failing).
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: { projection?: string; names?: Record<string, string>; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: RawItem[] | undefined = keys
      .slice(start, start + BATCH_GET_LIMIT)
      .map((key) => marshall(key, MARSHALL_OPTIONS));
    for (let attempt = 0; pending && pending.length > 0; attempt += 1) {
      if (attempt > 8) throw new Error(`BatchGet on ${tableName} kept returning unprocessed keys`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const response: BatchGetItemCommandOutput = await rawSend(client).send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
              ...(options.consistent ? { ConsistentRead: true } : {}),
            },
          },
        }),
      );
      for (const item of response.Responses?.[tableName] ?? []) items.push(unmarshall(item));
      pending = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

/** True when the SDK error is a failed condition (the normal outcome of losing a race). */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

const BATCH_WRITE_LIMIT = 25;

/**
 * BatchWrite (puts) of any number of items: chunks of 25 sent in parallel, unprocessed items
 * retried with backoff. Unconditional: only for writers that hold the right to write these items.
 */
export async function batchPutAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
    chunks.push(
      items
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((item) => ({ PutRequest: { Item: marshall(item, MARSHALL_OPTIONS) } })),
    );
  }
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 8) throw new Error(`BatchWrite on ${tableName} kept returning unprocessed items`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const response: BatchWriteItemCommandOutput = await rawSend(client).send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
        );
        pending = response.UnprocessedItems?.[tableName] ?? [];
      }
    }),
  );
}
