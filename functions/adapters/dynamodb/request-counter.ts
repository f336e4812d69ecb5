import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RequestCounter } from '../../ports/request-counter.ts';
import { isConditionFailure } from './batch.ts';

/**
 * Fixed-window request counters in the state table: one item per (key, window), counted with
 * a single conditional ADD, so concurrent requests (several Lambdas) can never overshoot the
 * limit. Items carry the state table's TTL attribute and expire an hour after their window.
 */
export class DynamoRequestCounter implements RequestCounter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(key: string, windowStart: Date, windowMs: number, limit: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `ratelimit#${key}#${windowStart.getTime()}` },
          UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expires': Math.ceil((windowStart.getTime() + windowMs) / 1000) + 3600,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
