import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/adapters/aws-clients.ts';
import { ensureTables } from '../../functions/adapters/dynamodb/create-tables.ts';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store.ts';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamodb/delivery-ledger.ts';
import {
  CONFIRMED_SHARDS_IN_FLIGHT,
  confirmedShardOf,
  DynamoSubscriberStore,
} from '../../functions/adapters/dynamodb/subscriber-store.ts';
import { CONFIRMED_SHARDS } from '../../functions/adapters/dynamodb/tables.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { loadConfig, prefixedResourceSettings, type Config } from '../../functions/config/config.ts';
import { describeArticleReaderContract } from '../contracts/article-reader.contract.ts';
import { describeDeliveryLedgerContract } from '../contracts/delivery-ledger.contract.ts';
import { describeSubscriberStoreContract } from '../contracts/subscriber-store.contract.ts';
import { testSubscriberIds } from '../../testkit/fakes.ts';

/**
 * The DynamoDB adapters on dynalite, held to the contracts the in-memory fakes pass in the unit
 * project (test/unit/store-contracts.test.ts). Every test gets tables of its own.
 */

let clients: AwsClients;

function configFor(prefix: string): Config {
  const endpoints = inject('standIns');
  return loadConfig(
    {
      TOKEN_SECRET: 'test-secret-test-secret-test-secret-0123',
      ...prefixedResourceSettings(prefix),
      DYNAMODB_ENDPOINT: endpoints.dynamodb,
      SES_ENDPOINT: endpoints.ses,
      SQS_ENDPOINT: endpoints.sqs,
    },
    'local',
  );
}

async function freshTables(): Promise<Config['tables']> {
  const { tables } = configFor(`c${randomBytes(5).toString('hex')}`);
  await ensureTables(clients.dynamo, tables);
  return tables;
}

beforeAll(() => {
  clients = createAwsClients(configFor('contracts'));
});

afterAll(() => {
  clients.dynamo.destroy();
  clients.ses.destroy();
  clients.sqs.destroy();
});

describeDeliveryLedgerContract(
  'DynamoDB on dynalite',
  async () => new DynamoDeliveryLedger(clients.documents, (await freshTables()).deliveries),
);

describeSubscriberStoreContract(
  'DynamoDB on dynalite',
  async () => new DynamoSubscriberStore(clients.documents, (await freshTables()).subscribers),
);

describeArticleReaderContract('DynamoDB on dynalite', async () => {
  const store = new DynamoArticleStore(clients.documents, (await freshTables()).articles);
  return {
    reader: store,
    store: async (candidates, firstSeenAt) => {
      const writer = await store.openWriter();
      try {
        const stored = await writer.store(candidates, firstSeenAt);
        if (stored.some((result) => result.outcome !== 'created')) throw new Error('expected new works only');
        return stored.map((result) => result.articleId);
      } finally {
        await writer.close();
      }
    },
  };
});

/**
 * What the contract cannot see: the adapter reads the confirmed index's shards side by side, each a
 * page ahead, and pages from different shards arrive interleaved. Pages of three readers make every
 * shard take several, so a page lost or read twice at a shard's seam would show.
 */
describe('the DynamoDB confirmed index, its shards read side by side', () => {
  it('yields every reader of every shard once, a few shards at a time, however many pages each takes', async () => {
    // Prepare
    const table = (await freshTables()).subscribers;
    const writer = new DynamoSubscriberStore(clients.documents, table);
    const at = new Date('2026-11-25T12:00:00.000Z');
    const readers = Array.from({ length: 120 }, (_, index) =>
      newSubscriber(
        { email: `sharded-${index}@example.org`, topics: ['access'], status: 'confirmed' },
        at,
        testSubscriberIds,
      ),
    );
    for (let start = 0; start < readers.length; start += 20)
      await Promise.all(readers.slice(start, start + 20).map((reader) => writer.create(reader)));
    let inFlight = 0;
    let mostInFlight = 0;
    const counting = {
      send: async (command: unknown) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          return await clients.documents.send(command as Parameters<DynamoDBDocumentClient['send']>[0]);
        } finally {
          inFlight -= 1;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new DynamoSubscriberStore(counting, table, { confirmedPageSize: 3 });

    // Act
    const pages: (readonly string[])[] = [];
    for await (const page of store.confirmedPages()) pages.push(page.map((reader) => reader.subscriberId));

    // Assess
    const ids = pages.flat();
    expect(ids).toHaveLength(readers.length);
    expect(new Set(ids)).toEqual(new Set(readers.map((reader) => reader.subscriberId)));
    const pagesPerShard = new Map<string, number>();
    for (const page of pages) {
      expect(page.length).toBeGreaterThan(0);
      expect(page.length).toBeLessThanOrEqual(3);
      const shards = new Set(page.map(confirmedShardOf));
      expect(shards.size).toBe(1);
      const [shard] = shards;
      pagesPerShard.set(shard!, (pagesPerShard.get(shard!) ?? 0) + 1);
    }
    expect(pagesPerShard.size).toBe(CONFIRMED_SHARDS);
    for (const count of pagesPerShard.values()) expect(count).toBeGreaterThanOrEqual(2);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(CONFIRMED_SHARDS_IN_FLIGHT);
  });
});
