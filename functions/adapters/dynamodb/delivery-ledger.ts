import { randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ClaimResult, DeliveryLedger } from '../../ports/delivery-ledger.ts';
import {
  LEDGER_RETENTION_DAYS,
  type DeliveryCounts,
  type DeliveryKey,
  type DeliveryRecord,
  type DeliveryStatus,
} from '../../model/deliveries.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';

/** Ledger items are kept 180 days: long enough for audits, bounce analysis and the soak's checks. */
const RETENTION_SECONDS = LEDGER_RETENTION_DAYS * 24 * 3600;

/**
 * The delivery ledger: one item per (digest id, subscriber). A claim is a conditional update that
 * succeeds only if nobody holds the item, it was merely skipped, or the holder's lease expired
 * without a send. That single-item condition is what makes "exactly once" hold across concurrent
 * senders, duplicate SQS deliveries and crashed processes.
 */
export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(key: DeliveryKey, now: Date, leaseMs: number): Promise<ClaimResult> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...key },
          UpdateExpression:
            'SET #status = :claimed, claimedAt = :now, leaseUntil = :lease, expiresAt = :expires ADD attempts :one',
          // An expired claim whose email SES is known to have accepted is not taken over: its
          // sender died after the send, and the taker records it instead (markAcceptedSent).
          ConditionExpression:
            'attribute_not_exists(digestId) OR #status = :skipped OR (#status = :claimed AND leaseUntil < :now AND attribute_not_exists(acceptedMessageId))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':claimed': 'claimed',
            ':skipped': 'skipped',
            ':now': now.toISOString(),
            ':lease': new Date(now.getTime() + leaseMs).toISOString(),
            ':expires': Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
            ':one': 1,
          },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // The stand-in ignores ReturnValuesOnConditionCheckFailure; a consistent read tells who holds it.
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { ...key }, ConsistentRead: true }),
    );
    return { claimed: false, existing: toRecord(Item ?? { ...key, status: 'claimed' }) };
  }

  async markSent(key: DeliveryKey, messageId: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { ...key },
        UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAt = :at REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':messageId': messageId, ':at': at.toISOString() },
      }),
    );
  }

  async markAcceptedSent(key: DeliveryKey, messageId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...key },
          UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAt = :at REMOVE leaseUntil',
          // Only one taker records it: a second finds it sent already.
          ConditionExpression: '#status = :claimed AND acceptedMessageId = :messageId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':claimed': 'claimed',
            ':messageId': messageId,
            ':at': at.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async recordAccepted(key: DeliveryKey, messageId: string, at: Date): Promise<DeliveryRecord | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...key },
          UpdateExpression:
            'SET acceptedMessageId = if_not_exists(acceptedMessageId, :messageId), acceptedAt = if_not_exists(acceptedAt, :at)',
          // An item that is not there (never claimed, anonymised, expired) is not created.
          ConditionExpression: 'attribute_exists(digestId)',
          ExpressionAttributeValues: { ':messageId': messageId, ':at': at.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toRecord(Attributes) : undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  async markFailed(key: DeliveryKey, reason: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { ...key },
        UpdateExpression: 'SET #status = :failed, reason = :reason, failedAt = :at REMOVE leaseUntil',
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':claimed': 'claimed',
          ':reason': reason.slice(0, 500),
          ':at': at.toISOString(),
        },
      }),
    );
  }

  async markSkipped(key: DeliveryKey, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...key },
          UpdateExpression: 'SET #status = :skipped, reason = :reason, skippedAt = :at, expiresAt = :expires',
          // Only a fresh item or an earlier skip: a skip never overwrites a claim or a send.
          ConditionExpression: 'attribute_not_exists(digestId) OR #status = :skipped',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':skipped': 'skipped',
            ':reason': reason,
            ':at': at.toISOString(),
            ':expires': Math.floor(at.getTime() / 1000) + RETENTION_SECONDS,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async release(key: DeliveryKey): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...key },
          // An expired lease is exactly what the next claim may take over.
          UpdateExpression: 'SET leaseUntil = :past',
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':past': new Date(0).toISOString(), ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async listForDigest(digestId: string): Promise<DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    for await (const items of this.itemsOf(digestId)) records.push(...items.map(toRecord));
    return records;
  }

  async countByStatus(digestId: string): Promise<DeliveryCounts> {
    const counts: Record<DeliveryStatus, number> = { claimed: 0, sent: 0, failed: 0, skipped: 0 };
    // Only the status travels: a send of 100,000 readers is counted without reading its items whole.
    const onlyStatus = { ExpressionAttributeNames: { '#status': 'status' }, ProjectionExpression: '#status' };
    for await (const items of this.itemsOf(digestId, onlyStatus)) {
      for (const item of items) {
        const status = item.status as DeliveryStatus;
        if (status in counts) counts[status] += 1;
      }
    }
    return counts;
  }

  async sentTimes(digestId: string): Promise<number[]> {
    const times: number[] = [];
    // Only the status and the time travel, as for countByStatus.
    const projection = {
      ExpressionAttributeNames: { '#status': 'status' },
      ProjectionExpression: '#status, sentAt',
    };
    for await (const items of this.itemsOf(digestId, projection)) {
      for (const item of items) {
        if (item.status === 'sent' && typeof item.sentAt === 'string') times.push(Date.parse(item.sentAt));
      }
    }
    return times;
  }

  async listForReader(subscriberId: string, ledgerIds: readonly string[]): Promise<DeliveryRecord[]> {
    const items = await this.readerItems(subscriberId, ledgerIds);
    return items.map(toRecord).sort((a, b) => a.digestId.localeCompare(b.digestId));
  }

  async anonymiseReader(subscriberId: string, ledgerIds: readonly string[]): Promise<number> {
    let anonymised = 0;
    for (const item of await this.readerItems(subscriberId, ledgerIds)) {
      const status = item.status as DeliveryStatus;
      if (status === 'claimed') continue; // a send in flight: its sender still writes to this key
      const kept: Record<string, unknown> = {
        digestId: item.digestId,
        // No reader has an id of this shape (keyed ids are 43 characters of base64url).
        subscriberId: `erased-${randomBytes(8).toString('base64url')}`,
        status,
        attempts: Number(item.attempts ?? 0),
        anonymised: true,
      };
      for (const field of ['sentAt', 'skippedAt', 'failedAt', 'expiresAt'] as const) {
        if (item[field] !== undefined) kept[field] = item[field];
      }
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: kept,
          ConditionExpression: 'attribute_not_exists(digestId)',
        }),
      );
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { digestId: item.digestId, subscriberId },
            // Changed meanwhile (a late claim): leave it, and drop the copy made of it.
            ConditionExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status },
          }),
        );
        anonymised += 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { digestId: kept.digestId, subscriberId: kept.subscriberId },
          }),
        );
      }
    }
    return anonymised;
  }

  private readerItems(subscriberId: string, ledgerIds: readonly string[]) {
    return batchGetAll(
      this.client,
      this.tableName,
      [...new Set(ledgerIds)].map((digestId) => ({ digestId, subscriberId })),
      { consistent: true },
    );
  }

  /** Every ledger item of one digest or send, page by page, read consistently. */
  private async *itemsOf(
    digestId: string,
    projection: Pick<QueryCommandInput, 'ExpressionAttributeNames' | 'ProjectionExpression'> = {},
  ): AsyncGenerator<Record<string, unknown>[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'digestId = :digest',
        ExpressionAttributeValues: { ':digest': digestId },
        ConsistentRead: true,
        ...projection,
      },
    );
    for await (const page of pages) yield page.Items ?? [];
  }
}

function toRecord(item: Record<string, unknown>): DeliveryRecord {
  return {
    digestId: item.digestId as string,
    subscriberId: item.subscriberId as string,
    status: item.status as DeliveryRecord['status'],
    attempts: Number(item.attempts ?? 0),
    ...(typeof item.claimedAt === 'string' ? { claimedAt: item.claimedAt } : {}),
    ...(typeof item.leaseUntil === 'string' ? { leaseUntil: item.leaseUntil } : {}),
    ...(typeof item.sentAt === 'string' ? { sentAt: item.sentAt } : {}),
    ...(typeof item.messageId === 'string' ? { messageId: item.messageId } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    ...(typeof item.acceptedMessageId === 'string' ? { acceptedMessageId: item.acceptedMessageId } : {}),
    ...(typeof item.acceptedAt === 'string' ? { acceptedAt: item.acceptedAt } : {}),
  };
}
