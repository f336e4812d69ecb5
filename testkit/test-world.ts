import { randomBytes } from 'node:crypto';
import { loadConfig, prefixedResourceSettings } from '../functions/config/config.ts';
import { createAppContext, type AppContext, type ContextOverrides } from '../functions/app/context.ts';
import { createAwsClients } from '../functions/adapters/aws-clients.ts';
import { ensureTables } from '../functions/adapters/dynamodb/create-tables.ts';
import { ensureQueues, type QueueUrls } from '../functions/adapters/sqs/create-queues.ts';
import { silentLogger } from '../functions/ports/logger.ts';

export interface TestWorld {
  readonly context: AppContext;
  readonly queues: QueueUrls;
  readonly endpoints: { dynamodb: string; ses: string; sqs: string };
  /** A unique recipient address for this world, so assertions on the SES store never see another test's mail. */
  email(local: string): string;
  /** True for addresses made by `email`. */
  isMine(address: string): boolean;
  stop(): void;
}

export type WorldOverrides = ContextOverrides & {
  env?: Record<string, string>;
  visibilityTimeoutSeconds?: number;
};

/** The same world on any running stand-ins (benchmarks start their own, outside vitest). */
export async function createWorld(
  endpoints: { dynamodb: string; ses: string; sqs: string },
  overrides: WorldOverrides = {},
): Promise<TestWorld> {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const config = loadConfig(
    {
      TOKEN_SECRET: 'test-secret-test-secret-test-secret-0123',
      ...prefixedResourceSettings(prefix),
      DYNAMODB_ENDPOINT: endpoints.dynamodb,
      SES_ENDPOINT: endpoints.ses,
      SQS_ENDPOINT: endpoints.sqs,
      SES_MAX_SEND_RATE: '1000',
      ...overrides.env,
    },
    'local',
  );
  const clients = overrides.clients ?? createAwsClients(config);
  await ensureTables(clients.dynamo, config.tables);
  const queues = await ensureQueues(clients.sqs, config.queues, {
    visibilityTimeoutSeconds: overrides.visibilityTimeoutSeconds ?? 1,
  });
  const context = await createAppContext(
    { ...config, queues: { ...config.queues, sendUrl: queues.sendUrl } },
    { logger: silentLogger, mjmlValidation: 'strict', ...overrides, clients },
  );
  return {
    context,
    queues,
    endpoints,
    email: (local) => `${local}.${prefix}@example.org`,
    isMine: (address) => address.endsWith(`.${prefix}@example.org`),
    stop: () => {
      clients.dynamo.destroy();
      clients.ses.destroy();
      clients.sqs.destroy();
    },
  };
}

export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo?: string[];
  readonly destination: { to: string[] };
  readonly subject: string;
  readonly body: { html?: string; text?: string };
  readonly headers?: { name: string; value: string }[];
  readonly at: number;
}

/** What the SES stand-in stored for these recipients (GET /store). */
export async function sentEmails(
  sesEndpoint: string,
  recipients?: (to: string) => boolean,
): Promise<StoredEmail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return recipients ? emails.filter((email) => email.destination.to.some(recipients)) : emails;
}
