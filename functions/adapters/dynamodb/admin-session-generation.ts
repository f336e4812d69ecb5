import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AdminSessionGeneration } from '../../ports/admin-sessions.ts';

/**
 * The admin session generation in the state table: one item, `adminsessions`, whose `generation`
 * an atomic ADD moves on, with who revoked and when. It is read on every admin request with a
 * session cookie (a consistent single-item read), so a revocation holds for every Lambda instance
 * at once: no cache to outlive it.
 */

const PK = 'adminsessions';

export class DynamoAdminSessionGeneration implements AdminSessionGeneration {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async current(): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: PK },
        ConsistentRead: true,
        ProjectionExpression: 'generation',
      }),
    );
    return typeof Item?.generation === 'number' ? Item.generation : 0;
  }

  async revokeAll(revocation: { readonly at: Date; readonly by: string }): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: PK },
        UpdateExpression: 'ADD generation :one SET revokedAt = :at, revokedBy = :by',
        ExpressionAttributeValues: { ':one': 1, ':at': revocation.at.toISOString(), ':by': revocation.by },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.generation ?? 0);
  }
}
