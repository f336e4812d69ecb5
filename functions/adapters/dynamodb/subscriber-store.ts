import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, Subscriber, SubscriberStatus } from '../../model/subscribers.ts';
import type { EmailClaimKind, ProfileFields, SubscriberStore } from '../../ports/subscriber-store.ts';
import type { SuppressionEntry } from '../../model/subscribers.ts';
import { CONFIRMED_SHARDS, SUBSCRIBERS_TABLE } from './tables.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';

const CONFIRMED_INDEX = SUBSCRIBERS_TABLE.globalIndexes[0].indexName;

/** The shard of the sparse confirmed index a subscriber lives in while confirmed. */
function confirmedShardOf(subscriberId: string): string {
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

/** An erased subscriber's item is a suppression entry: no address, no profile, never a Subscriber. */
const isSuppressionEntry = (item: Record<string, unknown>) => typeof item.erasedAt === 'string';

/** Every write that touches a live subscriber must not bring an erased one back to life. */
const LIVE = 'attribute_exists(subscriberId) AND attribute_not_exists(erasedAt)';

const ERASE_ATTEMPTS = 3;

const CLAIM_ATTRIBUTES = {
  confirmation: 'confirmationSentAt',
  'manage-link': 'manageLinkSentAt',
} as const satisfies Record<EmailClaimKind, keyof Subscriber>;

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(subscriberId: string): Promise<Subscriber | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
    );
    return Item && !isSuppressionEntry(Item) ? toSubscriber(Item) : undefined;
  }

  async getMany(subscriberIds: readonly string[]): Promise<Subscriber[]> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(subscriberIds)].map((subscriberId) => ({ subscriberId })),
      { consistent: true },
    );
    return items.filter((item) => !isSuppressionEntry(item)).map(toSubscriber);
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
    if (fields.scheduleFrom) {
      sets.push('scheduleFrom = :scheduleFrom');
      values[':scheduleFrom'] = fields.scheduleFrom;
    }
    return this.conditionalUpdate(subscriberId, `SET ${sets.join(', ')}`, LIVE, values);
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
    // A subscriber erased in the meantime stays erased: the status change is a no-op, as in the fake.
    await this.conditionalUpdate(
      subscriberId,
      status === 'confirmed'
        ? 'SET #status = :status, updatedAt = :at, confirmedShard = :shard'
        : 'SET #status = :status, updatedAt = :at REMOVE confirmedShard',
      LIVE,
      {
        ':status': status,
        ':at': at.toISOString(),
        ...(status === 'confirmed' ? { ':shard': confirmedShardOf(subscriberId) } : {}),
      },
    );
  }

  async claimConfirmationEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean> {
    return this.claimOncePer(CLAIM_ATTRIBUTES.confirmation, subscriberId, now, minIntervalMs);
  }

  async claimManageLinkEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean> {
    return this.claimOncePer(CLAIM_ATTRIBUTES['manage-link'], subscriberId, now, minIntervalMs);
  }

  async releaseEmailClaim(subscriberId: string, kind: EmailClaimKind, claimedAt: Date): Promise<void> {
    const attribute = CLAIM_ATTRIBUTES[kind];
    await this.conditionalUpdate(subscriberId, `REMOVE ${attribute}`, `${LIVE} AND ${attribute} = :claimed`, {
      ':claimed': claimedAt.toISOString(),
    });
  }

  /** One conditional write: concurrent requests cannot both see "not sent yet" and both send. */
  private claimOncePer(
    attribute: (typeof CLAIM_ATTRIBUTES)[EmailClaimKind],
    subscriberId: string,
    now: Date,
    minIntervalMs: number,
  ): Promise<boolean> {
    return this.conditionalUpdate(
      subscriberId,
      `SET ${attribute} = :now`,
      `${LIVE} AND (attribute_not_exists(${attribute}) OR ${attribute} <= :cutoff)`,
      { ':now': now.toISOString(), ':cutoff': new Date(now.getTime() - minIntervalMs).toISOString() },
    );
  }

  async erase(subscriberId: string, at: Date): Promise<boolean> {
    for (let attempt = 0; attempt < ERASE_ATTEMPTS; attempt += 1) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
      );
      if (!Item || isSuppressionEntry(Item)) return false;
      const status = Item.status as SubscriberStatus;
      const entry: SuppressionEntry = {
        subscriberId,
        erasedAt: at.toISOString(),
        reason: status === 'bounced' || status === 'complained' ? status : 'erased',
        ...(typeof Item.confirmationSentAt === 'string'
          ? { confirmationSentAt: Item.confirmationSentAt }
          : {}),
      };
      try {
        // The whole item is replaced, so no attribute of the old profile can survive by accident.
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              subscriberId,
              erasedAt: entry.erasedAt,
              suppression: entry.reason,
              ...(entry.confirmationSentAt ? { confirmationSentAt: entry.confirmationSentAt } : {}),
            },
            // If a bounce or complaint changed the status meanwhile, read again and keep that reason.
            ConditionExpression: `${LIVE} AND #status = :status`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status },
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return false;
  }

  async getSuppression(subscriberId: string): Promise<SuppressionEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
    );
    if (!Item || !isSuppressionEntry(Item)) return undefined;
    const reason = Item.suppression as unknown;
    return {
      subscriberId,
      erasedAt: String(Item.erasedAt),
      reason: reason === 'bounced' || reason === 'complained' ? reason : 'erased',
      ...(typeof Item.confirmationSentAt === 'string' ? { confirmationSentAt: Item.confirmationSentAt } : {}),
    };
  }

  async replaceErased(subscriber: Subscriber): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(subscriber),
          ConditionExpression: 'attribute_exists(erasedAt) AND suppression = :erased',
          ExpressionAttributeValues: { ':erased': 'erased' },
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
          ConditionExpression: LIVE,
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
          ConditionExpression: `${LIVE} AND (attribute_not_exists(lastDigestAt) OR lastDigestAt < :end)`,
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
          ConditionExpression: LIVE,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
