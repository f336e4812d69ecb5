import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/adapters/aws-clients.ts';
import { ensureTables } from '../../functions/adapters/dynamodb/create-tables.ts';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store.ts';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamodb/delivery-ledger.ts';
import { DynamoSubscriberStore } from '../../functions/adapters/dynamodb/subscriber-store.ts';
import { loadConfig, prefixedResourceSettings, type Config } from '../../functions/config/config.ts';
import { describeArticleReaderContract } from '../contracts/article-reader.contract.ts';
import { describeDeliveryLedgerContract } from '../contracts/delivery-ledger.contract.ts';
import { describeSubscriberStoreContract } from '../contracts/subscriber-store.contract.ts';

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
