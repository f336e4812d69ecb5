import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  ERASED_TEST_ADDRESS,
  type AdminSendRecord,
  type AdminSendSummary,
  type AdminTestRecord,
  type AdminActor,
  type StoredDraft,
} from '../../model/announcements.ts';
import type {
  AdminSendStore,
  CreateSendResult,
  StoredPreview,
  TestOfSend,
} from '../../ports/admin-send-store.ts';
import type { DeliveryCounts } from '../../model/deliveries.ts';
import type { AudienceSummary } from '../../model/announcements.ts';
import { MAX_TESTS_PER_SEND } from '../../core/announcements/test-send.ts';
import { batchGetAll, isConditionFailure } from './batch.ts';

/**
 * Admin sends in the state table, which has a partition key only:
 * - `adminsend#<id>`: the send and its audit (content, who sent it and when, the audience, every
 *   test), created and changed with conditional writes only;
 * - `adminsends#<YYYY-MM>`: the ids first used or sent in that month, a string set that a single
 *   ADD extends (idempotent, no read first), so "the last twelve months of sends" is two batch
 *   reads and no scan;
 * - `adminpreview#<id>`: a rendered preview for the admin page, expiring after a few hours;
 * - `admintests#<address id>`: the ids of the sends with a test to that (keyed) address, a string
 *   set like the month's, so a reader's export and erasure find their audit entries without a scan;
 * - `adminscheduled`: the ids of the sends scheduled for later and not yet started or cancelled,
 *   a string set the local runtime reads each minute to start the due ones.
 */

const sendPk = (sendId: string) => `adminsend#${sendId}`;
const testsToPk = (toId: string) => `admintests#${toId}`;
const monthPk = (month: string) => `adminsends#${month}`;
const previewPk = (previewId: string) => `adminpreview#${previewId}`;
const SCHEDULED_PK = 'adminscheduled';

/** Everything of a send but its body, for lists. */
const SUMMARY_ATTRIBUTES = [
  'sendId',
  'status',
  'subject',
  'format',
  'topics',
  'draftHash',
  'firstUsedAt',
  'sentAt',
  'sentBy',
  'confirmedAudience',
  'audience',
  'enqueuedAt',
  'jobs',
  'tests',
  'finalCounts',
  'scheduledFor',
  'scheduledAt',
  'scheduledBy',
  'cancelledAt',
  'cancelledBy',
] as const;

/** Previews are kept only to be shown; DynamoDB's TTL removes them a day after they expire. */
const PREVIEW_TTL_GRACE_SECONDS = 24 * 3600;

export class DynamoAdminSendStore implements AdminSendStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(sendId: string): Promise<AdminSendRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: sendPk(sendId) }, ConsistentRead: true }),
    );
    return Item ? { ...toSummary(Item), body: text(Item.body) } : undefined;
  }

  async recordTest(
    sendId: string,
    draft: StoredDraft,
    test: AdminTestRecord,
  ): Promise<'recorded' | 'conflict'> {
    const values = {
      ':test': [test],
      ':empty': [],
      ':max': MAX_TESTS_PER_SEND,
    };
    const roomForTest = '(attribute_not_exists(tests) OR size(tests) < :max)';
    // A draft (or a new id) takes the tested content: it is what the admin is working on now.
    const asDraft = await this.update(
      sendId,
      'SET sendId = :id, #status = :draft, subject = :subject, #format = :format, body = :body, topics = :topics, ' +
        'draftHash = :hash, firstUsedAt = if_not_exists(firstUsedAt, :at), tests = list_append(if_not_exists(tests, :empty), :test)',
      `(attribute_not_exists(pk) OR #status = :draft) AND ${roomForTest}`,
      { ...values, ...draftValues(sendId, draft), ':draft': 'draft', ':at': test.at },
    );
    if (!asDraft) {
      // A send already made with this very content: the test is only added to its audit.
      const onSend = await this.update(
        sendId,
        'SET tests = list_append(if_not_exists(tests, :empty), :test)',
        `#status = :queued AND draftHash = :hash AND ${roomForTest}`,
        { ...values, ':queued': 'queued', ':hash': draft.draftHash },
      );
      if (!onSend) return 'conflict';
    }
    await this.listInMonth(sendId, test.at);
    await this.addToSet(testsToPk(test.toId), sendId);
    return 'recorded';
  }

  async listTestsTo(toId: string): Promise<TestOfSend[]> {
    const sends = await this.sendsWithTestsTo(toId);
    return sends.flatMap((send) =>
      send.tests.filter((test) => test.toId === toId).map((test) => ({ sendId: send.sendId, test })),
    );
  }

  async anonymiseTestsTo(toId: string): Promise<number> {
    let changed = 0;
    for (const send of await this.sendsWithTestsTo(toId)) {
      const count = send.tests.filter((test) => test.toId === toId).length;
      if (count === 0) continue;
      const tests = send.tests.map((test) =>
        test.toId === toId ? { ...test, toId: ERASED_TEST_ADDRESS } : test,
      );
      // Only over the list as read: a test added meanwhile is not lost (the erasure is retried).
      const written = await this.update(send.sendId, 'SET tests = :tests', 'size(tests) = :count', {
        ':tests': tests,
        ':count': send.tests.length,
      });
      if (!written) throw new Error(`send ${send.sendId} changed while its tests were being anonymised`);
      changed += count;
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: testsToPk(toId) } }));
    return changed;
  }

  private async sendsWithTestsTo(toId: string): Promise<AdminSendSummary[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: testsToPk(toId) }, ConsistentRead: true }),
    );
    const ids = [...((Item?.sendIds as Set<string> | undefined) ?? [])];
    const items = await batchGetAll(
      this.client,
      this.tableName,
      ids.map((sendId) => ({ pk: sendPk(sendId) })),
      { projection: 'sendId, tests', consistent: true },
    );
    return items.map(toSummary);
  }

  async createSend(
    sendId: string,
    draft: StoredDraft,
    sent: { readonly at: Date; readonly by: AdminActor; readonly confirmedAudience: number },
  ): Promise<CreateSendResult> {
    const at = sent.at.toISOString();
    const created = await this.update(
      sendId,
      'SET sendId = :id, #status = :queued, subject = :subject, #format = :format, body = :body, topics = :topics, ' +
        'draftHash = :hash, firstUsedAt = if_not_exists(firstUsedAt, :at), sentAt = :at, sentBy = :by, ' +
        'confirmedAudience = :confirmed, tests = if_not_exists(tests, :empty)',
      // Only a new id or a draft becomes a send: a send's content is never replaced.
      'attribute_not_exists(pk) OR #status = :draft',
      {
        ...draftValues(sendId, draft),
        ':queued': 'queued',
        ':draft': 'draft',
        ':at': at,
        ':by': { principal: sent.by.principal, via: sent.by.via },
        ':confirmed': sent.confirmedAudience,
        ':empty': [],
      },
    );
    if (!created) {
      const existing = await this.get(sendId);
      if (!existing) throw new Error(`send ${sendId}: the conditional create failed, yet no item exists`);
      return { created: false, existing };
    }
    await this.listInMonth(sendId, at);
    return { created: true };
  }

  async scheduleSend(
    sendId: string,
    draft: StoredDraft,
    schedule: { readonly at: Date; readonly by: AdminActor; readonly for: Date },
  ): Promise<CreateSendResult> {
    const at = schedule.at.toISOString();
    const created = await this.update(
      sendId,
      'SET sendId = :id, #status = :scheduled, subject = :subject, #format = :format, body = :body, topics = :topics, ' +
        'draftHash = :hash, firstUsedAt = if_not_exists(firstUsedAt, :at), scheduledAt = :at, scheduledBy = :by, ' +
        'scheduledFor = :for, tests = if_not_exists(tests, :empty)',
      'attribute_not_exists(pk) OR #status = :draft',
      {
        ...draftValues(sendId, draft),
        ':scheduled': 'scheduled',
        ':draft': 'draft',
        ':at': at,
        ':by': { principal: schedule.by.principal, via: schedule.by.via },
        ':for': schedule.for.toISOString(),
        ':empty': [],
      },
    );
    if (!created) {
      const existing = await this.get(sendId);
      if (!existing) throw new Error(`send ${sendId}: the conditional schedule failed, yet no item exists`);
      return { created: false, existing };
    }
    await this.listInMonth(sendId, at);
    await this.addToSet(SCHEDULED_PK, sendId);
    return { created: true };
  }

  async cancelScheduled(sendId: string, at: Date, by: AdminActor): Promise<boolean> {
    const cancelled = await this.update(
      sendId,
      'SET #status = :cancelled, cancelledAt = :at, cancelledBy = :by',
      '#status = :scheduled',
      {
        ':cancelled': 'cancelled',
        ':scheduled': 'scheduled',
        ':at': at.toISOString(),
        ':by': { principal: by.principal, via: by.via },
      },
    );
    if (cancelled) await this.removeFromScheduled(sendId);
    return cancelled;
  }

  async startScheduled(sendId: string, at: Date, confirmedAudience: number): Promise<boolean> {
    const started = await this.update(
      sendId,
      'SET #status = :queued, sentAt = :at, sentBy = scheduledBy, confirmedAudience = :confirmed',
      '#status = :scheduled',
      {
        ':queued': 'queued',
        ':scheduled': 'scheduled',
        ':at': at.toISOString(),
        ':confirmed': confirmedAudience,
      },
    );
    if (started) await this.removeFromScheduled(sendId);
    return started;
  }

  async listScheduled(): Promise<string[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: SCHEDULED_PK }, ConsistentRead: true }),
    );
    return [...((Item?.sendIds as Set<string> | undefined) ?? [])].sort();
  }

  private async removeFromScheduled(sendId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: SCHEDULED_PK },
        UpdateExpression: 'DELETE sendIds :id',
        ExpressionAttributeValues: { ':id': new Set([sendId]) },
      }),
    );
  }

  async markEnqueued(sendId: string, audience: AudienceSummary, jobs: number, at: Date): Promise<void> {
    await this.update(
      sendId,
      'SET audience = :audience, jobs = :jobs, enqueuedAt = :at',
      'attribute_exists(pk) AND attribute_not_exists(enqueuedAt)',
      { ':audience': audience, ':jobs': jobs, ':at': at.toISOString() },
    );
  }

  async saveFinalCounts(sendId: string, counts: DeliveryCounts): Promise<void> {
    await this.update(
      sendId,
      'SET finalCounts = :counts',
      'attribute_exists(pk) AND attribute_not_exists(finalCounts)',
      { ':counts': counts },
    );
  }

  async listRecent(now: Date, months: number): Promise<AdminSendSummary[]> {
    const buckets = await batchGetAll(
      this.client,
      this.tableName,
      recentMonths(now, months).map((month) => ({ pk: monthPk(month) })),
      { consistent: true },
    );
    const ids = new Set(
      buckets.flatMap((bucket) => [...((bucket.sendIds as Set<string> | undefined) ?? [])]),
    );
    const names = Object.fromEntries(SUMMARY_ATTRIBUTES.map((name, index) => [`#a${index}`, name]));
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...ids].map((sendId) => ({ pk: sendPk(sendId) })),
      { projection: Object.keys(names).join(', '), names, consistent: true },
    );
    return items
      .map(toSummary)
      .sort((a, b) => ((b.sentAt ?? b.firstUsedAt) < (a.sentAt ?? a.firstUsedAt) ? -1 : 1));
  }

  async putPreview(preview: StoredPreview): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: previewPk(preview.previewId),
          html: preview.html,
          expiresAtIso: preview.expiresAt,
          expiresAt: Math.ceil(Date.parse(preview.expiresAt) / 1000) + PREVIEW_TTL_GRACE_SECONDS,
        },
      }),
    );
  }

  async getPreview(previewId: string, now: Date): Promise<StoredPreview | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: previewPk(previewId) } }),
    );
    // TTL deletes late (and the local stand-in never): the expiry is checked here.
    if (!Item || typeof Item.expiresAtIso !== 'string' || Item.expiresAtIso <= now.toISOString())
      return undefined;
    return { previewId, html: text(Item.html), expiresAt: Item.expiresAtIso };
  }

  /** A conditional update of a send; false when the condition did not hold. */
  private async update(
    sendId: string,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    for (const [placeholder, name] of [
      ['#status', 'status'],
      ['#format', 'format'],
    ] as const) {
      if (expression.includes(placeholder) || condition.includes(placeholder)) names[placeholder] = name;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: sendPk(sendId) },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private listInMonth(sendId: string, at: string): Promise<void> {
    return this.addToSet(monthPk(at.slice(0, 7)), sendId);
  }

  private async addToSet(pk: string, sendId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk },
        UpdateExpression: 'ADD sendIds :id',
        ExpressionAttributeValues: { ':id': new Set([sendId]) },
      }),
    );
  }
}

function draftValues(sendId: string, draft: StoredDraft): Record<string, unknown> {
  return {
    ':id': sendId,
    ':subject': draft.subject,
    ':format': draft.format,
    ':body': draft.body,
    ':topics': [...draft.topics],
    ':hash': draft.draftHash,
  };
}

/** "2026-11", "2026-10", … : the current month (UTC) and the months before it. */
function recentMonths(now: Date, months: number): string[] {
  return Array.from({ length: Math.max(1, months) }, (_, back) => {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    return date.toISOString().slice(0, 7);
  });
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function toSummary(item: Record<string, unknown>): AdminSendSummary {
  const optional = <K extends string>(key: K) =>
    item[key] === undefined ? {} : ({ [key]: item[key] } as Record<K, never>);
  return {
    sendId: text(item.sendId),
    status: statusOf(item.status),
    subject: text(item.subject),
    format: item.format === 'mjml' ? 'mjml' : 'markdown',
    topics: (item.topics ?? []) as AdminSendSummary['topics'],
    draftHash: text(item.draftHash),
    firstUsedAt: text(item.firstUsedAt),
    tests: (item.tests ?? []) as AdminTestRecord[],
    ...optional('sentAt'),
    ...optional('sentBy'),
    ...optional('confirmedAudience'),
    ...optional('audience'),
    ...optional('enqueuedAt'),
    ...optional('jobs'),
    ...optional('finalCounts'),
    ...optional('scheduledFor'),
    ...optional('scheduledAt'),
    ...optional('scheduledBy'),
    ...optional('cancelledAt'),
    ...optional('cancelledBy'),
  };
}

function statusOf(value: unknown): AdminSendSummary['status'] {
  return value === 'queued' || value === 'scheduled' || value === 'cancelled' ? value : 'draft';
}
