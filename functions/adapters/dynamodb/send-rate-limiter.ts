import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  SharedSendRateLimiter,
  type RateCounter,
  type RateCounterItem,
  type SharedSendRateLimiterOptions,
} from '../../core/delivery/send-policy.ts';
import { isConditionFailure } from './batch.ts';

/**
 * A window's counter as one item of the state table, taken with a conditional `ADD count 1`: the
 * condition `count < limit` is checked by DynamoDB itself, so no number of Lambdas can overshoot.
 * Which item, what limit and how long it lives are the send policy's (core/delivery/send-policy.ts).
 */
export class DynamoRateCounter implements RateCounter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async takePlace(item: RateCounterItem): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.key },
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':limit': item.limit, ':expires': item.expiresAtSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.count ?? 1);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

/** The account's SES rate across every sender, counted in the state table. */
export class DynamoSendRateLimiter extends SharedSendRateLimiter {
  constructor(client: DynamoDBDocumentClient, tableName: string, options: SharedSendRateLimiterOptions) {
    super(new DynamoRateCounter(client, tableName), options);
  }
}
