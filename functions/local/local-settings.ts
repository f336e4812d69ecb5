import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/**
 * Settings of the local runtime only (ports, data folder, demo seeding). Like the main
 * configuration they are validated once and a bad value is named.
 */
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const localSchema = z.object({
  API_PORT: port(3000),
  SES_PORT: port(8005),
  DYNAMODB_PORT: port(8000),
  SQS_PORT: port(4566),
  SNAPSHOT_PORT: port(0),
  DATA_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, '.data')),
  DEMO_SUBSCRIBERS: z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Redelivery delay of a failed send job locally (the cloud derives it from the sender's timeout). */
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
});

export interface LocalSettings {
  readonly ports: {
    readonly api: number;
    readonly ses: number;
    readonly dynamodb: number;
    readonly sqs: number;
    readonly snapshots: number;
  };
  readonly dataDir: string;
  readonly demoSubscribers: boolean;
  readonly visibilityTimeoutSeconds: number;
}

/** Env variable names of the ports, for messages that tell the reader what to change. */
export const PORT_VARIABLES = {
  api: 'API_PORT',
  ses: 'SES_PORT',
  dynamodb: 'DYNAMODB_PORT',
  sqs: 'SQS_PORT',
  snapshots: 'SNAPSHOT_PORT',
} as const;

export function loadLocalSettings(env: Readonly<Record<string, string | undefined>>): LocalSettings {
  const source = Object.fromEntries(
    Object.keys(localSchema.shape).map((key) => [
      key,
      env[key]?.trim() === '' ? undefined : env[key]?.trim(),
    ]),
  );
  const parsed = localSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) =>
        `${issue.path.join('.')} ${issue.message} (got ${JSON.stringify(source[String(issue.path[0])])})`,
    );
    throw new ConfigError(`Invalid local settings:\n  - ${problems.join('\n  - ')}`);
  }
  const e = parsed.data;
  return {
    ports: {
      api: e.API_PORT,
      ses: e.SES_PORT,
      dynamodb: e.DYNAMODB_PORT,
      sqs: e.SQS_PORT,
      snapshots: e.SNAPSHOT_PORT,
    },
    dataDir: path.resolve(e.DATA_DIR),
    demoSubscribers: e.DEMO_SUBSCRIBERS,
    visibilityTimeoutSeconds: e.LOCAL_VISIBILITY_TIMEOUT_SECONDS,
  };
}
