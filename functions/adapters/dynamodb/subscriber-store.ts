import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, Subscriber, SubscriberStatus } from '../../core/model.ts';
import type { ProfileFields, SubscriberStore } from '../../ports/index.ts';
import { CONFIRMED_SHARDS, SUBSCRIBERS_TABLE } from './tables.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';

const CONFIRMED_INDEX = SUBSCRIBERS_TABLE.globalIndexes[0].indexName;

/** The shard of the sparse confirmed index a subscriber lives in while confirmed. */
export function confirmedShardOf(subscriberId: string): string {
  const hash = createHash('sha1').update(subscriberId).digest();
  return `confirmed#${hash[0]! % CONFIRMED_SHARDS}`;
}

function toItem(subscriber: Subscriber): Record<string, unknown> {
  return {
    ...subscriber,
    // Only confirmed readers are in the planner's index: the rest cannot be mailed by mistake.
    ...(subscriber.status === 'confirmed'
      ? { confirmedShard: confirmedShardOf(subscriber.subscriberId) }
      : {}),
  };
}

function toSubscriber(item: Record<string, unknown>): Subscriber {
  const { confirmedShard: _shard, ...rest } = item;
  return rest as unknown as Subscriber;
}

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(subscriberId: string): Promise<Subscriber | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
    );
    return Item ? toSubscriber(Item) : undefined;
  }

  async getMany(subscriberIds: readonly string[]): Promise<Subscriber[]> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(subscriberIds)].map((subscriberId) => ({ subscriberId })),
      { consistent: true },
    );
    return items.map(toSubscriber);
  }

  async create(subscriber: Subscriber): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(subscriber),
          ConditionExpression: 'attribute_not_exists(subscriberId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async updateProfile(subscriberId: string, fields: ProfileFields, at: Date): Promise<boolean> {
    const sets = ['updatedAt = :at'];
    const values: Record<string, unknown> = { ':at': at.toISOString() };
    if (fields.topics) {
      sets.push('topics = :topics');
      values[':topics'] = fields.topics;
    }
    if (fields.delivery) {
      sets.push('delivery = :delivery');
      values[':delivery'] = fields.delivery;
    }
    if (fields.paused !== undefined) {
      sets.push('paused = :paused');
      values[':paused'] = fields.paused;
    }
    return this.conditionalUpdate(
      subscriberId,
      `SET ${sets.join(', ')}`,
      'attribute_exists(subscriberId)',
      values,
    );
  }

  async confirm(subscriberId: string, consent: ConsentRecord, at: Date): Promise<boolean> {
    return this.conditionalUpdate(
      subscriberId,
      'SET #status = :confirmed, consent = :consent, updatedAt = :at, confirmedShard = :shard',
      '#status = :pending',
      {
        ':confirmed': 'confirmed',
        ':pending': 'pending',
        ':consent': consent,
        ':at': at.toISOString(),
        ':shard': confirmedShardOf(subscriberId),
      },
    );
  }

  async reopen(
    subscriberId: string,
    fields: Required<Pick<ProfileFields, 'topics' | 'delivery'>>,
    at: Date,
  ): Promise<boolean> {
    return this.conditionalUpdate(
      subscriberId,
      'SET #status = :pending, topics = :topics, delivery = :delivery, updatedAt = :at REMOVE confirmedShard',
      '#status IN (:pending, :unsubscribed)',
      {
        ':pending': 'pending',
        ':unsubscribed': 'unsubscribed',
        ':topics': fields.topics,
        ':delivery': fields.delivery,
        ':at': at.toISOString(),
      },
    );
  }

  private async conditionalUpdate(
    subscriberId: string,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ...(update.includes('#status') || condition.includes('#status')
            ? { ExpressionAttributeNames: { '#status': 'status' } }
            : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listConfirmed(): Promise<Subscriber[]> {
    const shards = Array.from({ length: CONFIRMED_SHARDS }, (_, shard) => `confirmed#${shard}`);
    const pages = await Promise.all(shards.map((shard) => this.queryShard(shard)));
    return pages.flat();
  }

  private async queryShard(shard: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: CONFIRMED_INDEX,
          KeyConditionExpression: 'confirmedShard = :shard',
          ExpressionAttributeValues: { ':shard': shard },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) subscribers.push(toSubscriber(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return subscribers;
  }

  async hasAny(): Promise<boolean> {
    const page = await this.client.send(
      new ScanCommand({ TableName: this.tableName, Limit: 1, ProjectionExpression: 'subscriberId' }),
    );
    return (page.Items?.length ?? 0) > 0;
  }

  async setStatus(subscriberId: string, status: SubscriberStatus, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { subscriberId },
        UpdateExpression:
          status === 'confirmed'
            ? 'SET #status = :status, updatedAt = :at, confirmedShard = :shard'
            : 'SET #status = :status, updatedAt = :at REMOVE confirmedShard',
        ConditionExpression: 'attribute_exists(subscriberId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at.toISOString(),
          ...(status === 'confirmed' ? { ':shard': confirmedShardOf(subscriberId) } : {}),
        },
      }),
    );
  }

  async claimConfirmationEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression: 'SET confirmationSentAt = :now',
          ConditionExpression:
            'attribute_exists(subscriberId) AND (attribute_not_exists(confirmationSentAt) OR confirmationSentAt < :cutoff)',
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':cutoff': new Date(now.getTime() - minIntervalMs).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordSoftBounce(subscriberId: string, at: Date): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression: 'SET lastSoftBounceAt = :at ADD softBounces :one',
          ConditionExpression: 'attribute_exists(subscriberId)',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.softBounces ?? 0);
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
  }

  async markPlanned(subscriberId: string, digestId: string, at: Date): Promise<void> {
    await this.updateIfExists(subscriberId, 'SET plannedDigestId = :digest, plannedAt = :at', {
      ':digest': digestId,
      ':at': at.toISOString(),
    });
  }

  async markSkipped(subscriberId: string, digestId: string, at: Date): Promise<void> {
    await this.updateIfExists(subscriberId, 'SET skippedDigestId = :digest, skippedAt = :at', {
      ':digest': digestId,
      ':at': at.toISOString(),
    });
  }

  async clearPlanned(subscriberId: string): Promise<void> {
    await this.updateIfExists(subscriberId, 'REMOVE plannedDigestId, plannedAt', {});
  }

  async recordDelivery(subscriberId: string, digestId: string, windowEnd: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression:
            'SET lastDigestAt = :end, lastDigestId = :digest REMOVE plannedDigestId, plannedAt',
          // Never move the window backwards: a late retry of an older week changes nothing.
          ConditionExpression:
            'attribute_exists(subscriberId) AND (attribute_not_exists(lastDigestAt) OR lastDigestAt < :end)',
          ExpressionAttributeValues: { ':end': windowEnd.toISOString(), ':digest': digestId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async updateIfExists(
    subscriberId: string,
    expression: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(subscriberId)',
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
