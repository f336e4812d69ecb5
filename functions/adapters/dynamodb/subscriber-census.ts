import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CensusRow } from '../../model/list-health.ts';
import type { SubscriberStatus } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { SubscriberCensus } from '../../ports/list-health.ts';

/**
 * The census of the subscribers table: one scan that projects the fields the dashboard counts and
 * never the address (nor the sealed one of a pending request). 100,000 readers are ~100 pages of
 * small items: seconds, read by an admin's request or once a week by the planner.
 */
export class DynamoSubscriberCensus implements SubscriberCensus {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async census(): Promise<CensusRow[]> {
    const rows: CensusRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression:
            '#status, topics, paused, createdAt, updatedAt, erasedAt, suppression, pendingFor, requestedAt, expiresAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) rows.push(rowOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }
}

function rowOf(item: Record<string, unknown>): CensusRow {
  if (typeof item.erasedAt === 'string') {
    const reason =
      item.suppression === 'bounced' || item.suppression === 'complained' ? item.suppression : 'erased';
    return { kind: 'suppressed', reason, at: item.erasedAt };
  }
  if (typeof item.pendingFor === 'string') {
    return { kind: 'pending', requestedAt: String(item.requestedAt), expiresAt: String(item.expiresAt) };
  }
  return {
    kind: 'reader',
    status: String(item.status) as SubscriberStatus,
    topics: Array.isArray(item.topics) ? (item.topics as TopicId[]) : [],
    paused: item.paused === true,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt ?? item.createdAt),
  };
}
