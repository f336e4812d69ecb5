import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  PendingSubscription,
  Subscriber,
  SubscriberStatus,
  SuppressionEntry,
} from '../../model/subscribers.ts';
import type {
  ActivationBase,
  AddressRecords,
  ProfileFields,
  SubscriberStore,
} from '../../ports/subscriber-store.ts';
import { CONFIRMED_SHARDS, NEXT_SLOT_SHARDS, PENDING_TTL_ATTRIBUTE, SUBSCRIBERS_TABLE } from './tables.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';
import {
  hourBucketOf,
  hourBucketsBetween,
  nextSlotInstant,
  replanInstant,
} from '../../core/digest/schedule.ts';

const CONFIRMED_INDEX = SUBSCRIBERS_TABLE.globalIndexes[0].indexName;
const NEXT_SLOT_INDEX = SUBSCRIBERS_TABLE.globalIndexes[1].indexName;

/** The shard of the sparse confirmed index a subscriber lives in while confirmed. */
export function confirmedShardOf(subscriberId: string): string {
  const hash = createHash('sha1').update(subscriberId).digest();
  return `confirmed#${hash[0]! % CONFIRMED_SHARDS}`;
}

/** The partition of the next-slot index a reader's instant falls in: its UTC hour and a shard. */
export function dueHourOf(subscriberId: string, instant: Date): string {
  const hash = createHash('sha1').update(subscriberId).digest();
  return `${hourBucketOf(instant)}#${hash[1]! % NEXT_SLOT_SHARDS}`;
}

/** The next-slot index's two attributes for a reader whose planner must look at them at `instant`. */
export function nextSlotAttributes(subscriberId: string, instant: Date) {
  return { nextSlotAt: instant.toISOString(), dueHour: dueHourOf(subscriberId, instant) };
}

/** A subscriber as its item: the record, its confirmed-index shard and its next-slot attributes. */
export function toItem(subscriber: Subscriber): Record<string, unknown> {
  // A whole record is written as of its updatedAt: its next slot is computed from then.
  const writtenAt = new Date(subscriber.updatedAt);
  const instant = Number.isNaN(writtenAt.getTime()) ? undefined : nextSlotInstant(subscriber, writtenAt);
  return {
    ...subscriber,
    // Only confirmed readers are in the planner's index: the rest cannot be mailed by mistake.
    ...(subscriber.status === 'confirmed'
      ? { confirmedShard: confirmedShardOf(subscriber.subscriberId) }
      : {}),
    ...(instant ? nextSlotAttributes(subscriber.subscriberId, instant) : {}),
  };
}

/**
 * The instance of a record written before subscriptions had instances (until the migration gives
 * it one): its links of the first format are refused anyway, and new ones carry this.
 */
export const LEGACY_INSTANCE = 'legacy';

export function toSubscriber(item: Record<string, unknown>): Subscriber {
  const { confirmedShard: _shard, dueHour: _hour, nextSlotAt: _next, ...rest } = item;
  return {
    ...rest,
    instance: typeof item.instance === 'string' ? item.instance : LEGACY_INSTANCE,
  } as Subscriber;
}

/** An erased subscriber's item is a suppression entry: no address, no profile, never a Subscriber. */
export const isSuppressionEntry = (item: Record<string, unknown>) => typeof item.erasedAt === 'string';

/** Every write that touches a live subscriber must not bring an erased one back to life. */
const LIVE = 'attribute_exists(subscriberId) AND attribute_not_exists(erasedAt)';

/** `instance = :instance`, for a record of the first versions too (it has no instance attribute). */
const instanceIs = (instance: string, placeholder: string) =>
  instance === LEGACY_INSTANCE ? 'attribute_not_exists(instance)' : `instance = ${placeholder}`;

const ERASE_ATTEMPTS = 3;

/**
 * A pending subscription's key, in the same table as the records: `pending#` never collides with
 * an id (base64url has no `#`), and it is not in the confirmed index (no confirmedShard).
 */
export const pendingKey = (subscriberId: string) => `pending#${subscriberId}`;

function toPendingItem(pending: PendingSubscription): Record<string, unknown> {
  return {
    ...pending,
    subscriberId: pendingKey(pending.subscriberId),
    pendingFor: pending.subscriberId,
    // DynamoDB's TTL deletes it (in epoch seconds) within a day or two of expiring; reads check expiresAt.
    [PENDING_TTL_ATTRIBUTE]: Math.ceil(Date.parse(pending.expiresAt) / 1000),
  };
}

export function toPending(item: Record<string, unknown>): PendingSubscription {
  const { pendingFor, [PENDING_TTL_ATTRIBUTE]: _ttl, ...rest } = item;
  return { ...rest, subscriberId: String(pendingFor) } as unknown as PendingSubscription;
}

export function toSuppression(item: Record<string, unknown>): SuppressionEntry {
  const reason = item.suppression;
  return {
    subscriberId: String(item.subscriberId),
    erasedAt: String(item.erasedAt),
    reason: reason === 'bounced' || reason === 'complained' ? reason : 'erased',
    ...(typeof item.confirmationSentAt === 'string' ? { confirmationSentAt: item.confirmationSentAt } : {}),
  };
}

const latest = (...times: (string | undefined)[]) =>
  times
    .filter((time): time is string => typeof time === 'string')
    .sort()
    .at(-1);

/**
 * Shards of the confirmed index read at once by confirmedPages, each with one page on the way. Four
 * of the eight keep four round trips in flight (most of the parallel read's speed) while at most
 * four pages (about 1 MB each) wait beside the one the caller holds, whatever the list's size.
 */
export const CONFIRMED_SHARDS_IN_FLIGHT = 4;

export interface DynamoSubscriberStoreOptions {
  /**
   * Readers per page of the confirmed index; unset, DynamoDB's own pages of up to 1 MB. Small in
   * tests, to make every shard take several pages.
   */
  readonly confirmedPageSize?: number;
}

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoSubscriberStoreOptions = {},
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

  async updateProfile(
    subscriberId: string,
    fields: ProfileFields,
    at: Date,
    instance?: string,
  ): Promise<boolean> {
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
    const removes: string[] = [];
    if (fields.country === null) removes.push('country');
    else if (fields.country !== undefined) {
      sets.push('country = :country');
      values[':country'] = fields.country;
    }
    if (fields.paused !== undefined) {
      sets.push('paused = :paused');
      values[':paused'] = fields.paused;
    }
    if (fields.scheduleFrom) {
      sets.push('scheduleFrom = :scheduleFrom');
      values[':scheduleFrom'] = fields.scheduleFrom;
    }
    // The next-slot index moves in the same write as the change that moves it.
    if (fields.nextSlotAt === null) removes.push('nextSlotAt', 'dueHour');
    else if (fields.nextSlotAt !== undefined) {
      sets.push('nextSlotAt = :nextSlotAt', 'dueHour = :dueHour');
      const attributes = nextSlotAttributes(subscriberId, fields.nextSlotAt);
      values[':nextSlotAt'] = attributes.nextSlotAt;
      values[':dueHour'] = attributes.dueHour;
    }
    if (instance !== undefined && instance !== LEGACY_INSTANCE) values[':instance'] = instance;
    const condition = instance === undefined ? LIVE : `${LIVE} AND ${instanceIs(instance, ':instance')}`;
    const remove = removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : '';
    return this.conditionalUpdate(subscriberId, `SET ${sets.join(', ')}${remove}`, condition, values);
  }

  async activate(subscriber: Subscriber, over: ActivationBase): Promise<boolean> {
    if (over.kind !== 'left') {
      // A whole new item: where there was nothing, or only an erasure's entry (never a bounce's).
      const condition =
        over.kind === 'nothing'
          ? { ConditionExpression: 'attribute_not_exists(subscriberId)' }
          : {
              ConditionExpression: 'attribute_exists(erasedAt) AND suppression = :erased',
              ExpressionAttributeValues: { ':erased': 'erased' },
            };
      try {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: toItem(subscriber), ...condition }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    }
    // A reader who left comes back: the subscription changes, their digest window stays.
    const values: Record<string, unknown> = {
      ':confirmed': 'confirmed',
      ':unsubscribed': 'unsubscribed',
      ':pending': 'pending',
      ':email': subscriber.email,
      ':topics': subscriber.topics,
      ':delivery': subscriber.delivery,
      ':new': subscriber.instance,
      ':consent': subscriber.consent,
      ':at': subscriber.updatedAt,
      ':shard': confirmedShardOf(subscriber.subscriberId),
      ...(over.instance === LEGACY_INSTANCE ? {} : { ':old': over.instance }),
      ...(subscriber.confirmationSentAt ? { ':sent': subscriber.confirmationSentAt } : {}),
      ...(subscriber.country ? { ':country': subscriber.country } : {}),
    };
    // The country is the new subscription's: chosen again, or forgotten with the old one.
    const country = subscriber.country ? ', country = :country' : '';
    // From the new subscription alone (the old window is not read): at worst early, and a reader
    // the planner reads too early is moved on by it (see nextSlotInstant).
    const instant = nextSlotInstant(subscriber, new Date(subscriber.updatedAt));
    if (instant) {
      const attributes = nextSlotAttributes(subscriber.subscriberId, instant);
      values[':nextSlotAt'] = attributes.nextSlotAt;
      values[':dueHour'] = attributes.dueHour;
    }
    const nextSlot = instant ? ', nextSlotAt = :nextSlotAt, dueHour = :dueHour' : '';
    return this.conditionalUpdate(
      subscriber.subscriberId,
      'SET #status = :confirmed, email = :email, topics = :topics, delivery = :delivery, instance = :new, ' +
        `consent = :consent, updatedAt = :at, confirmedShard = :shard${subscriber.confirmationSentAt ? ', confirmationSentAt = :sent' : ''}${country}${nextSlot} REMOVE paused${country ? '' : ', country'}${instant ? '' : ', nextSlotAt, dueHour'}`,
      `${LIVE} AND #status IN (:unsubscribed, :pending) AND ${instanceIs(over.instance, ':old')}`,
      values,
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

  /**
   * The confirmed index's shards read side by side: up to CONFIRMED_SHARDS_IN_FLIGHT at once, the
   * next shard started as one ends, each shard one page ahead of the caller, pages yielded as they
   * arrive. Each reader is on one shard and each shard is read once from start to end, so each
   * reader comes exactly once, in no particular order.
   */
  async *confirmedPages(): AsyncIterable<readonly Subscriber[]> {
    const waiting = Array.from({ length: CONFIRMED_SHARDS }, (_, shard) => `confirmed#${shard}`);
    /** The shards being read, each with its next page on the way. */
    const reading = new Map<string, Promise<{ shard: string; page: ConfirmedPage }>>();
    const read = (shard: string, startKey?: Record<string, unknown>) => {
      const next = this.queryConfirmedPage(shard, startKey).then((page) => ({ shard, page }));
      // A caller that stops early never awaits the pages read ahead: their failure is not theirs.
      next.catch(() => undefined);
      reading.set(shard, next);
    };
    const startShards = () => {
      while (reading.size < CONFIRMED_SHARDS_IN_FLIGHT && waiting.length > 0) read(waiting.shift()!);
    };
    startShards();
    while (reading.size > 0) {
      const { shard, page } = await Promise.race(reading.values());
      reading.delete(shard);
      // Read on (this shard's next page, or the next shard) while the caller works on this page.
      if (page.startKey) read(shard, page.startKey);
      startShards();
      if (page.readers.length > 0) yield page.readers;
    }
  }

  private async queryConfirmedPage(
    shard: string,
    startKey?: Record<string, unknown>,
  ): Promise<ConfirmedPage> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: CONFIRMED_INDEX,
        KeyConditionExpression: 'confirmedShard = :shard',
        ExpressionAttributeValues: { ':shard': shard },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(this.options.confirmedPageSize ? { Limit: this.options.confirmedPageSize } : {}),
      }),
    );
    return { readers: (page.Items ?? []).map(toSubscriber), startKey: page.LastEvaluatedKey };
  }

  private async queryShard(shard: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.queryConfirmedPage(shard, startKey);
      for (const reader of page.readers) subscribers.push(reader);
      startKey = page.startKey;
    } while (startKey);
    return subscribers;
  }

  async hasAny(): Promise<boolean> {
    const page = await this.client.send(
      new ScanCommand({ TableName: this.tableName, Limit: 1, ProjectionExpression: 'subscriberId' }),
    );
    return (page.Items?.length ?? 0) > 0;
  }

  async setStatus(
    subscriberId: string,
    status: SubscriberStatus,
    at: Date,
    options?: { readonly expectedInstance: string; readonly newInstance: string },
  ): Promise<boolean> {
    // A subscriber erased in the meantime stays erased: the status change is a no-op, as in the fake.
    const shard = status === 'confirmed' ? ', confirmedShard = :shard' : '';
    const newInstance = options ? ', instance = :new' : '';
    return this.conditionalUpdate(
      subscriberId,
      // Whoever is no longer confirmed leaves both planner indexes in the same write.
      `SET #status = :status, updatedAt = :at${shard}${newInstance}${status === 'confirmed' ? '' : ' REMOVE confirmedShard, nextSlotAt, dueHour'}`,
      options ? `${LIVE} AND ${instanceIs(options.expectedInstance, ':old')}` : LIVE,
      {
        ':status': status,
        ':at': at.toISOString(),
        ...(status === 'confirmed' ? { ':shard': confirmedShardOf(subscriberId) } : {}),
        ...(options ? { ':new': options.newInstance } : {}),
        ...(options && options.expectedInstance !== LEGACY_INSTANCE
          ? { ':old': options.expectedInstance }
          : {}),
      },
    );
  }

  /** One conditional write: concurrent requests cannot both see "not sent yet" and both send. */
  async claimManageLinkEmail(subscriberId: string, now: Date, minIntervalMs: number): Promise<boolean> {
    return this.conditionalUpdate(
      subscriberId,
      'SET manageLinkSentAt = :now',
      `${LIVE} AND (attribute_not_exists(manageLinkSentAt) OR manageLinkSentAt <= :cutoff)`,
      { ':now': now.toISOString(), ':cutoff': new Date(now.getTime() - minIntervalMs).toISOString() },
    );
  }

  async releaseEmailClaim(subscriberId: string, _kind: 'manage-link', claimedAt: Date): Promise<void> {
    await this.conditionalUpdate(
      subscriberId,
      'REMOVE manageLinkSentAt',
      `${LIVE} AND manageLinkSentAt = :claimed`,
      { ':claimed': claimedAt.toISOString() },
    );
  }

  async readAddress(subscriberId: string, now: Date): Promise<AddressRecords> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [{ subscriberId }, { subscriberId: pendingKey(subscriberId) }],
      { consistent: true },
    );
    const record = items.find((item) => item.subscriberId === subscriberId);
    const pendingItem = items.find((item) => item.subscriberId === pendingKey(subscriberId));
    const pending = pendingItem ? toPending(pendingItem) : undefined;
    return {
      ...(record && !isSuppressionEntry(record) ? { subscriber: toSubscriber(record) } : {}),
      ...(record && isSuppressionEntry(record) ? { suppression: toSuppression(record) } : {}),
      ...(pending && pending.expiresAt > now.toISOString() ? { pending } : {}),
    };
  }

  async getPending(subscriberId: string, now: Date): Promise<PendingSubscription | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subscriberId: pendingKey(subscriberId) },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const pending = toPending(Item);
    // TTL deletes late (up to a day or two): an expired instance is gone from the moment it expires.
    return pending.expiresAt > now.toISOString() ? pending : undefined;
  }

  async putPending(pending: PendingSubscription, now: Date, minIntervalMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toPendingItem({ ...pending, confirmationSentAt: now.toISOString() }),
          ConditionExpression:
            'attribute_not_exists(subscriberId) OR attribute_not_exists(confirmationSentAt) OR confirmationSentAt <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': new Date(now.getTime() - minIntervalMs).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async claimConfirmationEmail(
    subscriberId: string,
    instance: string,
    now: Date,
    minIntervalMs: number,
    expiresAt: Date,
  ): Promise<boolean> {
    return this.conditionalUpdate(
      pendingKey(subscriberId),
      `SET confirmationSentAt = :now, expiresAt = :expires, ${PENDING_TTL_ATTRIBUTE} = :ttl`,
      'attribute_exists(subscriberId) AND instance = :instance AND expiresAt > :now AND ' +
        '(attribute_not_exists(confirmationSentAt) OR confirmationSentAt <= :cutoff)',
      {
        ':now': now.toISOString(),
        ':instance': instance,
        ':cutoff': new Date(now.getTime() - minIntervalMs).toISOString(),
        ':expires': expiresAt.toISOString(),
        ':ttl': Math.ceil(expiresAt.getTime() / 1000),
      },
    );
  }

  async releaseConfirmationClaim(subscriberId: string, instance: string, claimedAt: Date): Promise<void> {
    await this.conditionalUpdate(
      pendingKey(subscriberId),
      'REMOVE confirmationSentAt',
      'instance = :instance AND confirmationSentAt = :claimed',
      { ':instance': instance, ':claimed': claimedAt.toISOString() },
    );
  }

  async deletePending(subscriberId: string, instance?: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { subscriberId: pendingKey(subscriberId) },
          ...(instance === undefined
            ? {}
            : {
                ConditionExpression: 'instance = :instance',
                ExpressionAttributeValues: { ':instance': instance },
              }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async sweepExpiredPending(now: Date): Promise<number> {
    let swept = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'attribute_exists(pendingFor) AND expiresAt <= :now',
          ExpressionAttributeValues: { ':now': now.toISOString() },
          ProjectionExpression: 'subscriberId',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        try {
          // Only if still expired: a new request may have replaced it since the scan.
          await this.client.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: { subscriberId: String(item.subscriberId) },
              ConditionExpression: 'expiresAt <= :now',
              ExpressionAttributeValues: { ':now': now.toISOString() },
            }),
          );
          swept += 1;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return swept;
  }

  async suppress(subscriberId: string, reason: 'bounced' | 'complained', at: Date): Promise<void> {
    const [{ Item }, pending] = await Promise.all([
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
      ),
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { subscriberId: pendingKey(subscriberId) },
          ConsistentRead: true,
        }),
      ),
    ]);
    if (Item && !isSuppressionEntry(Item)) return; // a live subscriber: setStatus is the way
    const sentAt = latest(
      Item?.confirmationSentAt as string | undefined,
      pending.Item?.confirmationSentAt as string | undefined,
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            subscriberId,
            erasedAt: at.toISOString(),
            suppression: reason,
            ...(sentAt ? { confirmationSentAt: sentAt } : {}),
          },
          // Over nothing or an erasure; over a bounce only with a complaint, which outranks it.
          ConditionExpression:
            reason === 'complained'
              ? 'attribute_not_exists(subscriberId) OR suppression IN (:erased, :bounced)'
              : 'attribute_not_exists(subscriberId) OR suppression = :erased',
          ExpressionAttributeValues:
            reason === 'complained'
              ? { ':erased': 'erased', ':bounced': 'bounced' }
              : { ':erased': 'erased' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    await this.deletePending(subscriberId);
  }

  async erase(subscriberId: string, at: Date): Promise<boolean> {
    for (let attempt = 0; attempt < ERASE_ATTEMPTS; attempt += 1) {
      const [{ Item }, pending] = await Promise.all([
        this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { subscriberId }, ConsistentRead: true }),
        ),
        this.client.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { subscriberId: pendingKey(subscriberId) },
            ConsistentRead: true,
          }),
        ),
      ]);
      if (!Item || isSuppressionEntry(Item)) return false;
      const status = Item.status as SubscriberStatus;
      // Erasing must not reset the one-confirmation-a-day limit: the latest claim stays.
      const sentAt = latest(
        Item.confirmationSentAt as string | undefined,
        pending.Item?.confirmationSentAt as string | undefined,
      );
      const entry: SuppressionEntry = {
        subscriberId,
        erasedAt: at.toISOString(),
        reason: status === 'bounced' || status === 'complained' ? status : 'erased',
        ...(sentAt ? { confirmationSentAt: sentAt } : {}),
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
        await this.deletePending(subscriberId);
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
    return toSuppression(Item);
  }

  async recordSoftBounce(subscriberId: string, at: Date): Promise<number> {
    // The live subscriber's count, or else the pending subscription's (carried over when confirmed).
    for (const [key, condition] of [
      [subscriberId, LIVE],
      [pendingKey(subscriberId), 'attribute_exists(subscriberId)'],
    ] as const) {
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { subscriberId: key },
            UpdateExpression: 'SET lastSoftBounceAt = :at ADD softBounces :one',
            ConditionExpression: condition,
            ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(Attributes?.softBounces ?? 0);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return 0;
  }

  async markPlanned(subscriberId: string, digestId: string, at: Date): Promise<void> {
    // Looked at again once the replan delay has passed, in case the digest is never delivered.
    await this.updateMovingNextSlot(
      subscriberId,
      { set: ['plannedDigestId = :digest', 'plannedAt = :at'], remove: [] },
      LIVE,
      { ':digest': digestId, ':at': at.toISOString() },
      replanInstant(at),
    );
  }

  async markSkipped(subscriberId: string, digestId: string, at: Date, nextSlotAt?: Date): Promise<void> {
    await this.updateMovingNextSlot(
      subscriberId,
      { set: ['skippedDigestId = :digest', 'skippedAt = :at'], remove: [] },
      LIVE,
      { ':digest': digestId, ':at': at.toISOString() },
      nextSlotAt ?? replanInstant(at),
    );
  }

  async clearPlanned(subscriberId: string, lookAgainAt?: Date): Promise<void> {
    await this.updateMovingNextSlot(
      subscriberId,
      { set: [], remove: ['plannedDigestId', 'plannedAt'] },
      LIVE,
      {},
      lookAgainAt,
    );
  }

  async recordDelivery(
    subscriberId: string,
    digestId: string,
    windowEnd: Date,
    nextSlotAt?: Date,
  ): Promise<void> {
    await this.updateMovingNextSlot(
      subscriberId,
      { set: ['lastDigestAt = :end', 'lastDigestId = :digest'], remove: ['plannedDigestId', 'plannedAt'] },
      // Never move the window backwards: a late retry of an older week changes nothing.
      `${LIVE} AND (attribute_not_exists(lastDigestAt) OR lastDigestAt < :end)`,
      { ':end': windowEnd.toISOString(), ':digest': digestId },
      nextSlotAt,
    );
  }

  /**
   * One update that also moves the reader's next-slot instant, when they carry one (only readers
   * who may be mailed do: a mark must not put a paused reader back in the index). A reader who
   * carries none (paused meanwhile, or not backfilled yet) gets the update alone. A condition that
   * still fails is a no-op, as it always was for these marks.
   */
  private async updateMovingNextSlot(
    subscriberId: string,
    change: { readonly set: readonly string[]; readonly remove: readonly string[] },
    condition: string,
    values: Record<string, unknown>,
    instant: Date | undefined,
  ): Promise<void> {
    const expression = (set: readonly string[]) =>
      [
        set.length > 0 ? `SET ${set.join(', ')}` : '',
        change.remove.length > 0 ? `REMOVE ${change.remove.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    if (instant) {
      const attributes = nextSlotAttributes(subscriberId, instant);
      const moved = await this.conditionalUpdate(
        subscriberId,
        expression([...change.set, 'nextSlotAt = :nextSlotAt', 'dueHour = :dueHour']),
        `${condition} AND attribute_exists(dueHour)`,
        { ...values, ':nextSlotAt': attributes.nextSlotAt, ':dueHour': attributes.dueHour },
      );
      if (moved) return;
    }
    await this.updateIfExists(subscriberId, expression(change.set), values, condition);
  }

  // -------------------------------------------------------------------------------------------
  // The next-slot index: the hourly planner's reader source (core/digest/reader-pages.ts).

  /**
   * Readers whose next-slot instant falls in the UTC hours from `from`'s to `to`'s and is not
   * after `to`, page by page: every shard of every hour, oldest hour first.
   */
  async *nextSlotPages(from: Date, to: Date): AsyncIterable<readonly Subscriber[]> {
    const until = to.toISOString();
    for (const hour of hourBucketsBetween(from, to)) {
      const shards = Array.from({ length: NEXT_SLOT_SHARDS }, (_, shard) => `${hour}#${shard}`);
      // The first page of every shard at once: most hours are empty, and an hour's emptiness
      // should cost one round trip, not eight.
      let pending = await Promise.all(
        shards.map((dueHour) =>
          this.queryNextSlots(dueHour, until, undefined).then((page) => ({ dueHour, page })),
        ),
      );
      while (pending.length > 0) {
        const next: typeof pending = [];
        for (const { dueHour, page } of pending) {
          if (page.subscribers.length > 0) yield page.subscribers;
          if (page.next) next.push({ dueHour, page: await this.queryNextSlots(dueHour, until, page.next) });
        }
        pending = next;
      }
    }
  }

  private async queryNextSlots(
    dueHour: string,
    until: string,
    startKey: Record<string, unknown> | undefined,
  ): Promise<{ subscribers: Subscriber[]; next?: Record<string, unknown> }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: NEXT_SLOT_INDEX,
        KeyConditionExpression: 'dueHour = :hour AND nextSlotAt <= :until',
        ExpressionAttributeValues: { ':hour': dueHour, ':until': until },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      subscribers: (page.Items ?? []).filter((item) => !isSuppressionEntry(item)).map(toSubscriber),
      ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
    };
  }

  async moveNextSlot(subscriberId: string, to: Date | undefined, readAt: Date): Promise<void> {
    // Only an instant the planner has reached: a change made since the read set a later one.
    const condition = `${LIVE} AND attribute_exists(dueHour) AND nextSlotAt <= :readAt`;
    if (to === undefined) {
      await this.conditionalUpdate(subscriberId, 'REMOVE nextSlotAt, dueHour', condition, {
        ':readAt': readAt.toISOString(),
      });
      return;
    }
    const attributes = nextSlotAttributes(subscriberId, to);
    await this.conditionalUpdate(
      subscriberId,
      'SET nextSlotAt = :nextSlotAt, dueHour = :dueHour',
      condition,
      {
        ':readAt': readAt.toISOString(),
        ':nextSlotAt': attributes.nextSlotAt,
        ':dueHour': attributes.dueHour,
      },
    );
  }

  private async updateIfExists(
    subscriberId: string,
    expression: string,
    values: Record<string, unknown>,
    condition: string = LIVE,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { subscriberId },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** One page of the confirmed index, and where the next one starts (none after the last). */
interface ConfirmedPage {
  readonly readers: Subscriber[];
  readonly startKey: Record<string, unknown> | undefined;
}
