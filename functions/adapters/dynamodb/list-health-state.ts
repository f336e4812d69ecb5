import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ReaderAuditEntry, RunKind, RunRecord, WeeklyReaderCounts } from '../../model/list-health.ts';
import type { ReaderAuditLog, RunLog, WeeklyCountStore } from '../../ports/list-health.ts';
import { batchGetAll } from './batch.ts';

/** Runs of each kind kept: the dashboard shows the last few; a week of hourly plans is more than enough. */
export const RUNS_KEPT = 10;

const runsPk = (kind: RunKind) => `runs#${kind}`;
const weekPk = (week: string) => `readercounts#${week}`;
/** Weekly counts live two years: the dashboard shows 12 weeks, a yearly comparison stays possible. */
const WEEKLY_COUNTS_TTL_S = 2 * 366 * 86_400;

/**
 * The run log in the state table: one item per job kind, `runs#<kind>`, whose `runs` list gets
 * the newest run at its head (one atomic list_append, so two runs ending at once both stay), then
 * is cut back to RUNS_KEPT.
 */
export class DynamoRunLog implements RunLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(run: RunRecord): Promise<void> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runsPk(run.kind) },
        UpdateExpression: 'SET runs = list_append(:run, if_not_exists(runs, :none))',
        ExpressionAttributeValues: { ':run': [run], ':none': [] },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const length = Array.isArray(Attributes?.runs) ? Attributes.runs.length : 0;
    if (length <= RUNS_KEPT) return;
    const extra = Array.from({ length: length - RUNS_KEPT }, (_, index) => `runs[${RUNS_KEPT + index}]`);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runsPk(run.kind) },
        UpdateExpression: `REMOVE ${extra.join(', ')}`,
      }),
    );
  }

  async latest(kind: RunKind): Promise<RunRecord[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: runsPk(kind) }, ConsistentRead: true }),
    );
    return Array.isArray(Item?.runs) ? (Item.runs as RunRecord[]).slice(0, RUNS_KEPT) : [];
  }
}

/** The reader counts of each ISO week in the state table, `readercounts#<week>`. */
export class DynamoWeeklyCountStore implements WeeklyCountStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(counts: WeeklyReaderCounts): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: weekPk(counts.week),
          ...counts,
          expiresAt: Math.ceil(Date.parse(counts.takenAt) / 1000) + WEEKLY_COUNTS_TTL_S,
        },
      }),
    );
  }

  async has(week: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: weekPk(week) }, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  }

  async getMany(weeks: readonly string[]): Promise<WeeklyReaderCounts[]> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(weeks)].map((week) => ({ pk: weekPk(week) })),
    );
    return items.map((item) => ({
      week: String(item.week),
      takenAt: String(item.takenAt),
      byState: item.byState as WeeklyReaderCounts['byState'],
      byTopic: item.byTopic ?? {},
    }));
  }
}

const auditPk = (subscriberId: string) => `readeraudit#${subscriberId}`;

/**
 * The audit of admins' changes to readers in the state table: one item per reader,
 * `readeraudit#<keyed id>`, whose `entries` list grows by one atomic list_append per change.
 */
export class DynamoReaderAuditLog implements ReaderAuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(subscriberId: string, entry: ReaderAuditEntry): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: auditPk(subscriberId) },
        UpdateExpression: 'SET entries = list_append(if_not_exists(entries, :none), :entry)',
        ExpressionAttributeValues: { ':entry': [entry], ':none': [] },
      }),
    );
  }

  async list(subscriberId: string): Promise<ReaderAuditEntry[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: auditPk(subscriberId) }, ConsistentRead: true }),
    );
    return Array.isArray(Item?.entries) ? (Item.entries as ReaderAuditEntry[]) : [];
  }

  async forget(subscriberId: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: auditPk(subscriberId) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Array.isArray(Attributes?.entries) ? Attributes.entries.length : 0;
  }
}
