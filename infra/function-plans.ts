import { Duration } from 'aws-cdk-lib';
import {
  SEND_QUEUE,
  TABLE_DEFINITIONS,
  type TableDefinition,
} from '../functions/adapters/dynamodb/tables.ts';
import type { HandlerName, QueueAccess, TableAccess } from './constructs/digest-function.ts';
import { FUNCTION_CALLS, type FunctionCalls } from './function-calls.ts';

type TableId = TableDefinition['id'];

/** What the grants of one function are made of: derived from the calls its code makes. */
export interface FunctionAccess {
  readonly tables: Readonly<Record<TableId, TableAccess>>;
  readonly queue: QueueAccess;
  /** ses:SendEmail on our identity and configuration set. */
  readonly sendsEmail: boolean;
  /** ses:GetAccount: the account's send rate, which the rate limiter paces by. */
  readonly readsSendQuota: boolean;
  /** The NCBI API key secret of the PubMed sources (ingest only). */
  readonly readsNcbiApiKey: boolean;
  /** Creates and deletes the schedules of sends scheduled for later, passing Scheduler its role. */
  readonly schedulesSends: boolean;
}

/** What each function is, and exactly what it may touch. The service stack grants from this only. */
export interface FunctionPlan extends FunctionAccess {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Invoked asynchronously (a schedule, an event rule): failures end in the events DLQ. */
  readonly asynchronous: boolean;
}

const TABLE_WRITES = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
]);

/**
 * The grants a function needs for the calls it makes: a table it calls anything on is read,
 * one it writes is readWrite (CDK's grantReadData / grantReadWriteData: the action lists of a
 * level, so a path the runs did not drive, a lease renewal say, is still covered); the send
 * queue when it sends messages, and its dead-letter queue's messages when it redrives them; SES sending and the account's quota when it calls them.
 */
export function accessFor(calls: FunctionCalls): FunctionAccess {
  const entries = Object.entries(calls) as [string, readonly string[]][];
  const actionsOn = (matches: (resource: string) => boolean) =>
    entries.filter(([resource]) => matches(resource)).flatMap(([, actions]) => actions);
  const tables = Object.fromEntries(
    TABLE_DEFINITIONS.map(({ id }) => {
      const onTable = actionsOn((resource) => resource === `table/${id}`);
      const onIndexes = actionsOn((resource) => resource.startsWith(`table/${id}/index/`));
      const access: TableAccess = onTable.some((action) => TABLE_WRITES.has(action))
        ? 'readWrite'
        : onTable.length + onIndexes.length > 0
          ? 'read'
          : 'none';
      return [id, access];
    }),
  ) as Record<TableId, TableAccess>;
  const all = actionsOn(() => true);
  return {
    tables,
    queue: actionsOn((resource) => resource === 'queue/send-dlq').includes('sqs:ReceiveMessage')
      ? 'send-and-redrive'
      : actionsOn((resource) => resource === 'queue/send').includes('sqs:SendMessage')
        ? 'send'
        : 'none',
    sendsEmail: all.includes('ses:SendEmail'),
    readsSendQuota: all.includes('ses:GetAccount'),
    readsNcbiApiKey: actionsOn((resource) => resource === 'secret/ncbi-api-key').includes(
      'secretsmanager:GetSecretValue',
    ),
    schedulesSends: actionsOn((resource) => resource === 'schedule/send').includes(
      'scheduler:CreateSchedule',
    ),
  };
}

/**
 * Every function: what it is, and its grants, from the calls its code makes
 * (function-calls.ts, which the IAM-enforcing bundle run keeps in step with the code). Every
 * function also reads the token secret: the application context verifies or signs links
 * whatever the entry point.
 */
export const FUNCTION_PLANS: Readonly<Record<HandlerName, FunctionPlan>> = {
  ingest: {
    description: 'Fetches every feed, tags and deduplicates the new articles',
    timeout: Duration.minutes(5),
    memorySize: 512,
    ...accessFor(FUNCTION_CALLS.ingest),
    asynchronous: true,
  },
  'plan-digest': {
    description: 'Finds the readers whose weekly slot has come and enqueues their send jobs',
    timeout: Duration.minutes(5),
    // Holds every confirmed reader of the hour in memory while it groups them.
    memorySize: 1024,
    ...accessFor(FUNCTION_CALLS['plan-digest']),
    asynchronous: true,
  },
  send: {
    description: 'Renders each send job once and mails its recipients exactly once',
    timeout: Duration.seconds(SEND_QUEUE.consumerTimeoutSeconds),
    // MJML rendering is CPU-bound, and Lambda gives CPU in proportion to memory.
    memorySize: 1024,
    ...accessFor(FUNCTION_CALLS.send),
    asynchronous: false,
  },
  api: {
    description:
      'Public pages and JSON API (subscribe, confirm, preferences, unsubscribe, archive) and admin routes',
    timeout: Duration.seconds(15),
    // A reader waits on its cold start (MJML loads with it): more memory, more CPU, shorter wait.
    memorySize: 1024,
    ...accessFor(FUNCTION_CALLS.api),
    asynchronous: false,
  },
  'ses-events': {
    description: 'Records SES acceptances on the ledger; suppresses readers on bounces and complaints',
    timeout: Duration.seconds(30),
    memorySize: 512,
    ...accessFor(FUNCTION_CALLS['ses-events']),
    asynchronous: true,
  },
};

/** The variable functions/config/config.ts reads each table's name from. */
export const TABLE_ENV: Readonly<Record<TableId, string>> = {
  articles: 'ARTICLES_TABLE',
  subscribers: 'SUBSCRIBERS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  state: 'STATE_TABLE',
};
