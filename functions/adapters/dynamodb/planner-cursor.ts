import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PlannerCursor } from '../../ports/planner-cursor.ts';
import { isConditionFailure } from './batch.ts';

/** The planner's cursor: one item of the state table. */
export const PLANNER_CURSOR_KEY = 'planner-cursor';

export class DynamoPlannerCursor implements PlannerCursor {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async lastCompletedRun(): Promise<Date | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: PLANNER_CURSOR_KEY }, ConsistentRead: true }),
    );
    return typeof Item?.completedRunAt === 'string' ? new Date(Item.completedRunAt) : undefined;
  }

  async recordCompletedRun(at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: PLANNER_CURSOR_KEY },
          UpdateExpression: 'SET completedRunAt = :at',
          // Two runs ending out of order (a slow one overtaken): the later start stays.
          ConditionExpression: 'attribute_not_exists(completedRunAt) OR completedRunAt < :at',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
