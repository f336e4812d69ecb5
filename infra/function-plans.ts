import { Duration } from 'aws-cdk-lib';
import { SEND_QUEUE, type TableDefinition } from '../functions/adapters/dynamodb/tables.ts';
import type { HandlerName, QueueAccess, TableAccess } from './constructs/digest-function.ts';

type TableId = TableDefinition['id'];

/** What each function is, and exactly what it may touch. The service stack grants from this only. */
export interface FunctionPlan {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly tables: Readonly<Record<TableId, TableAccess>>;
  readonly queue: QueueAccess;
  /** ses:SendEmail on our identity and configuration set. */
  readonly sendsEmail: boolean;
  /** Invoked asynchronously (a schedule, an event rule): failures end in the events DLQ. */
  readonly asynchronous: boolean;
}

/**
 * The access matrix, one line per function and table. Every function also reads the token
 * secret: the application context verifies or signs links whatever the entry point.
 */
export const FUNCTION_PLANS: Readonly<Record<HandlerName, FunctionPlan>> = {
  ingest: {
    description: 'Fetches every feed, tags and deduplicates the new articles',
    timeout: Duration.minutes(5),
    memorySize: 512,
    // Articles and their identity claims; per-source fetch state (ETag, failures).
    tables: { articles: 'readWrite', subscribers: 'none', deliveries: 'none', state: 'readWrite' },
    queue: 'none',
    sendsEmail: false,
    asynchronous: true,
  },
  'plan-digest': {
    description: 'Finds the readers whose weekly slot has come and enqueues their send jobs',
    timeout: Duration.minutes(5),
    // Holds every confirmed reader of the hour in memory while it groups them.
    memorySize: 1024,
    // Reads the window's articles; marks readers planned; records "nothing to send" in the ledger.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'readWrite', state: 'none' },
    queue: 'send',
    sendsEmail: false,
    asynchronous: true,
  },
  send: {
    description: 'Renders each send job once and mails its recipients exactly once',
    timeout: Duration.seconds(SEND_QUEUE.consumerTimeoutSeconds),
    // MJML rendering is CPU-bound, and Lambda gives CPU in proportion to memory.
    memorySize: 1024,
    // Claims and marks ledger items, re-reads each reader, records deliveries; shared rate-limit counters.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'readWrite', state: 'readWrite' },
    queue: 'none',
    sendsEmail: true,
    asynchronous: false,
  },
  api: {
    description:
      'Public pages and JSON API (subscribe, confirm, preferences, unsubscribe, archive) and admin routes',
    timeout: Duration.seconds(15),
    // A reader waits on its cold start (MJML loads with it): more memory, more CPU, shorter wait.
    memorySize: 1024,
    // Subscribers; the archive reads articles; admin sends are stored in state, enqueued, counted in the ledger.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'read', state: 'readWrite' },
    // Admin sends are enqueued; the admin's redrive moves the DLQ's jobs back to the send queue.
    queue: 'send-and-redrive',
    sendsEmail: true,
    asynchronous: false,
  },
  'ses-events': {
    description: 'Suppresses readers on SES bounces and complaints',
    timeout: Duration.seconds(30),
    memorySize: 512,
    tables: { articles: 'none', subscribers: 'readWrite', deliveries: 'none', state: 'none' },
    queue: 'none',
    sendsEmail: false,
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
