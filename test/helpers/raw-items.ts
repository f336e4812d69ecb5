import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../functions/app/context.ts';

/** The subscriber item exactly as DynamoDB holds it, every attribute, bypassing the store's mapping. */
export async function rawSubscriberItem(
  context: AppContext,
  subscriberId: string,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await context.clients.documents.send(
    new GetCommand({
      TableName: context.config.tables.subscribers,
      Key: { subscriberId },
      ConsistentRead: true,
    }),
  );
  return Item;
}
