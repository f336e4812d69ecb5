import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors.ts';
import { backfillNextSlots } from '../adapters/dynamodb/next-slot-migration.ts';
import { openLocalEnvironment } from './environment.ts';
import type { MigrateOptions } from './migrate-command.ts';

/**
 * `immuno-digest migrate next-slots`: files every reader who may be mailed in the next-slot index
 * (functions/adapters/dynamodb/next-slot-migration.ts). Locally on .data (or a running `npm
 * start`'s stand-ins); with --cloud on a deployment's subscribers table, named by
 * SUBSCRIBERS_TABLE, in AWS_REGION, with the caller's AWS credentials. The last line of stdout is
 * the report as JSON.
 */
export async function migrateNextSlots(options: MigrateOptions): Promise<void> {
  const log = (line: string) => console.log(`${options.dryRun ? '[dry run] ' : ''}${line}`);
  if (options.cloud) {
    const table = process.env.SUBSCRIBERS_TABLE;
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!table) throw new ValidationError('--cloud needs SUBSCRIBERS_TABLE (the data stack outputs name it)');
    if (!region) throw new ValidationError('--cloud needs AWS_REGION');
    const dynamo = new DynamoDBClient({ region });
    try {
      const documents = DynamoDBDocumentClient.from(dynamo);
      console.log(
        JSON.stringify(
          await backfillNextSlots(documents, table, new Date(), { dryRun: options.dryRun, log }),
        ),
      );
    } finally {
      dynamo.destroy();
    }
    return;
  }
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    const { context } = environment;
    const report = await backfillNextSlots(
      context.clients.documents,
      context.config.tables.subscribers,
      context.clock.now(),
      { dryRun: options.dryRun, log },
    );
    console.log(JSON.stringify(report));
  } finally {
    await environment.stop();
  }
}
