import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EditionStore } from '../../ports/edition-store.ts';
import type { StoredEdition } from '../../model/editions.ts';
import { batchGetAll } from './batch.ts';

const editionPk = (weekId: string) => `edition#${weekId}`;

/** Built archive editions in the state table, one small item per ISO week. */
export class DynamoEditionStore implements EditionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getMany(weekIds: readonly string[]): Promise<StoredEdition[]> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      [...new Set(weekIds)].map((weekId) => ({ pk: editionPk(weekId) })),
    );
    return items.map((item) => ({
      weekId: String(item.weekId),
      builtAt: String(item.builtAt),
      articleCount: Number(item.articleCount ?? 0),
      sections: (item.sections ?? []) as StoredEdition['sections'],
    }));
  }

  async put(edition: StoredEdition): Promise<void> {
    // Two requests building the same week at once write the same content: last writer wins harmlessly.
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: editionPk(edition.weekId), ...edition } }),
    );
  }
}
