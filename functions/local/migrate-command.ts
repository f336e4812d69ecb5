import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ValidationError } from '../core/errors.ts';
import { deriveKey } from '../core/tokens/keys.ts';
import { createSubscriberIds } from '../core/subscribers/subscriber-ids.ts';
import { migrateSubscriberIds, type MigrationTables } from '../adapters/dynamodb/subscriber-id-migration.ts';
import { openLocalEnvironment } from './environment.ts';
import { migrateNextSlots } from './migrate-next-slots.ts';

export interface MigrateOptions {
  readonly dryRun: boolean;
  /** Migrate the tables of a deployment (AWS credentials and settings from the environment). */
  readonly cloud: boolean;
}

/**
 * `immuno-digest migrate subscriber-ids`: converts data written with unkeyed subscriber ids (see
 * functions/adapters/dynamodb/subscriber-id-migration.ts). Locally on .data (or a running
 * `npm start`'s stand-ins); with --cloud on a deployment's tables, named by SUBSCRIBERS_TABLE,
 * DELIVERIES_TABLE and STATE_TABLE, keyed by IDENTITY_SECRET_ARN (or IDENTITY_SECRET), in
 * AWS_REGION. The last line of stdout is the report as JSON.
 */
export async function migrateCommand(what: string, options: MigrateOptions): Promise<void> {
  if (what === 'next-slots') return migrateNextSlots(options);
  if (what !== 'subscriber-ids') {
    throw new ValidationError(
      `unknown migration "${what}": the migrations are subscriber-ids and next-slots`,
    );
  }
  const log = (line: string) => console.log(`${options.dryRun ? '[dry run] ' : ''}${line}`);
  if (options.cloud) {
    const { documents, tables, identitySecret, close } = await cloudTables(process.env);
    try {
      const ids = createSubscriberIds(deriveKey(identitySecret, 'subscriber-id').toString('base64url'));
      console.log(
        JSON.stringify(await migrateSubscriberIds(documents, tables, ids, { dryRun: options.dryRun, log })),
      );
    } finally {
      close();
    }
    return;
  }
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    const { context } = environment;
    const report = await migrateSubscriberIds(
      context.clients.documents,
      context.config.tables,
      context.subscriberIds,
      {
        dryRun: options.dryRun,
        log,
      },
    );
    console.log(JSON.stringify(report));
  } finally {
    await environment.stop();
  }
}

async function cloudTables(env: NodeJS.ProcessEnv) {
  const missing = ['SUBSCRIBERS_TABLE', 'DELIVERIES_TABLE', 'STATE_TABLE'].filter((name) => !env[name]);
  if (!env.IDENTITY_SECRET && !env.IDENTITY_SECRET_ARN) missing.push('IDENTITY_SECRET_ARN');
  if (missing.length > 0) {
    throw new ValidationError(
      `--cloud needs ${missing.join(', ')} (the stack outputs and function settings name them)`,
    );
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ValidationError('--cloud needs AWS_REGION');
  let identitySecret = env.IDENTITY_SECRET;
  if (!identitySecret) {
    const secrets = new SecretsManagerClient({ region });
    try {
      const { SecretString } = await secrets.send(
        new GetSecretValueCommand({ SecretId: env.IDENTITY_SECRET_ARN! }),
      );
      identitySecret = SecretString;
    } finally {
      secrets.destroy();
    }
  }
  if (!identitySecret || identitySecret.length < 32) {
    throw new ValidationError('the identity secret must be at least 32 characters');
  }
  const dynamo = new DynamoDBClient({ region });
  const tables: MigrationTables = {
    subscribers: env.SUBSCRIBERS_TABLE!,
    deliveries: env.DELIVERIES_TABLE!,
    state: env.STATE_TABLE!,
  };
  return {
    documents: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    tables,
    identitySecret,
    close: () => dynamo.destroy(),
  };
}
