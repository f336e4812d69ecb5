import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Article, EditorAction, TopicScores } from '../../model/articles.ts';
import type {
  DigestReaderCounts,
  EditorialMarksStore,
  EditorNote,
  EditorNoteStore,
} from '../../ports/editorial-store.ts';
import { isConditionFailure } from './batch.ts';
import { articlePk } from './article-items.ts';
import { toArticle } from './article-store.ts';
import { EDITORIAL_ATTRIBUTES } from './editorial-items.ts';

/** The editors' marks, written on the article items of the articles table (editorial-items.ts). */
export class DynamoEditorialMarksStore implements EditorialMarksStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly articlesTable: string,
  ) {}

  hide(articleId: string, action: EditorAction & { readonly reason?: string }) {
    return this.set(articleId, EDITORIAL_ATTRIBUTES.hidden, action);
  }

  unhide(articleId: string) {
    return this.remove(articleId, EDITORIAL_ATTRIBUTES.hidden);
  }

  pin(articleId: string, action: EditorAction) {
    return this.set(articleId, EDITORIAL_ATTRIBUTES.pinned, action);
  }

  unpin(articleId: string) {
    return this.remove(articleId, EDITORIAL_ATTRIBUTES.pinned);
  }

  retag(
    articleId: string,
    tags: EditorAction & { readonly topics: TopicScores; readonly relevant: boolean },
  ) {
    return this.set(articleId, EDITORIAL_ATTRIBUTES.tags, tags);
  }

  async listRetagged(): Promise<Article[]> {
    const articles: Article[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.articlesTable,
          FilterExpression: 'attribute_exists(#tags)',
          ExpressionAttributeNames: { '#tags': EDITORIAL_ATTRIBUTES.tags },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      articles.push(...(page.Items ?? []).map(toArticle));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return articles.sort((a, b) => a.id.localeCompare(b.id));
  }

  private set(articleId: string, attribute: string, value: object) {
    return this.update(articleId, 'SET #mark = :mark', { ':mark': value }, attribute);
  }

  private remove(articleId: string, attribute: string) {
    return this.update(articleId, 'REMOVE #mark', undefined, attribute);
  }

  private async update(
    articleId: string,
    expression: string,
    values: Record<string, unknown> | undefined,
    attribute: string,
  ): Promise<Article | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.articlesTable,
          Key: { pk: articlePk(articleId) },
          UpdateExpression: expression,
          // Only an article item: an unknown id must not create a stub article.
          ConditionExpression: 'attribute_exists(pk) AND kind = :article',
          ExpressionAttributeNames: { '#mark': attribute },
          ExpressionAttributeValues: { ':article': 'article', ...values },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? toArticle(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

/** The count of readers sent each article, an attribute of the article item ingest never writes. */
export class DynamoDigestReaderCounts implements DigestReaderCounts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly articlesTable: string,
  ) {}

  async addDigestReaders(articleIds: readonly string[], readers: number): Promise<void> {
    await Promise.all(
      [...new Set(articleIds)].map(async (articleId) => {
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.articlesTable,
              Key: { pk: articlePk(articleId) },
              UpdateExpression: 'ADD digestReaders :readers',
              // An article deleted since would come back as a stub: count only stored ones.
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':readers': readers },
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }
}

const notePk = (weekId: string) => `editor-note#${weekId}`;

/** The editor's note of each week: one small item per week in the state table. */
export class DynamoEditorNoteStore implements EditorNoteStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly stateTable: string,
  ) {}

  async getNote(weekId: string): Promise<EditorNote | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.stateTable, Key: { pk: notePk(weekId) } }),
    );
    if (!Item || typeof Item.body !== 'string') return undefined;
    return { weekId, body: Item.body, by: String(Item.by ?? ''), at: String(Item.at ?? '') };
  }

  async putNote(note: EditorNote): Promise<void> {
    if (note.body.trim() === '') {
      await this.client.send(
        new DeleteCommand({ TableName: this.stateTable, Key: { pk: notePk(note.weekId) } }),
      );
      return;
    }
    await this.client.send(
      new PutCommand({ TableName: this.stateTable, Item: { pk: notePk(note.weekId), ...note } }),
    );
  }
}
