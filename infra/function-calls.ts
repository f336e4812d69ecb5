import type { TableDefinition } from '../functions/adapters/dynamodb/tables.ts';
import type { HandlerName } from './constructs/digest-function.ts';

/**
 * The AWS calls each function's code makes, by resource: the list the IAM grants of the stacks
 * are derived from (function-plans.ts), and that a test keeps in step with the code. The bundle
 * check and test/integration/iam-bundles.test.ts run every bundle through a proxy that enforces
 * the synthesized roles and records every call: a call made but not declared here, or declared
 * but never made on any path they drive, fails them. So a new call is added here, and its grant
 * follows; nobody has to remember which role needs what.
 *
 * Resources are named in one vocabulary: `table/<id>` and `table/<id>/index/<name>` (the tables
 * of tables.ts), `queue/send`, `queue/send-dlq` (its dead-letter queue), `secret/token`,
 * `secret/identity`, `secret/ncbi-api-key`, `ses/identity` (the sender identity),
 * `ses/configuration-set`, `schedule/send` (the schedules of the send schedule group),
 * `role/send-scheduler` (the role those schedules run as), and `*` for actions IAM grants on no
 * resource type.
 */

type TableId = TableDefinition['id'];

export type CallResource =
  | `table/${TableId}`
  | `table/${TableId}/index/${string}`
  | 'queue/send'
  | 'queue/send-dlq'
  | 'secret/token'
  | 'secret/identity'
  | 'secret/ncbi-api-key'
  | 'ses/identity'
  | 'ses/configuration-set'
  | 'schedule/send'
  | 'role/send-scheduler'
  | '*';

/** Resource → the IAM actions called on it. */
export type FunctionCalls = Readonly<Partial<Record<CallResource, readonly string[]>>>;

// Every function reads the link secret (its current and previous versions) and the identity
// secret once, at cold start (functions/app/context.ts).
const SECRET: FunctionCalls = {
  'secret/token': ['secretsmanager:GetSecretValue'],
  'secret/identity': ['secretsmanager:GetSecretValue'],
};
// Sending one email: the identity of the From address and the configuration set it names.
const SEND_EMAIL: FunctionCalls = {
  'ses/identity': ['ses:SendEmail'],
  'ses/configuration-set': ['ses:SendEmail'],
  // The send rate the shared limiter paces by, read from SES on the first send of a process.
  '*': ['ses:GetAccount'],
};

export const FUNCTION_CALLS: Readonly<Record<HandlerName, FunctionCalls>> = {
  ingest: {
    ...SECRET,
    // The NCBI API key of the PubMed sources, read once, at the first PubMed request.
    'secret/ncbi-api-key': ['secretsmanager:GetSecretValue'],
    // Identity claims and articles in batches; the writer lease is a put and a delete; another
    // source's sighting of an article stored by an earlier run (or a trial's newer facts) is a
    // conditional update.
    'table/articles': [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
    ],
    // Per-source fetch state (validators, failures); the run's summary for the dashboard.
    'table/state': ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  },
  'plan-digest': {
    ...SECRET,
    'table/articles/index/byFirstSeenDay': ['dynamodb:Query'],
    // The readers whose slot came since the last completed run: the next-slot index's hours.
    'table/subscribers/index/nextSlotByHour': ['dynamodb:Query'],
    // Marks each reader planned (moving their next slot); once a week, the census of readers for
    // the dashboard's history.
    'table/subscribers': ['dynamodb:UpdateItem', 'dynamodb:Scan'],
    // A reader with nothing new is recorded as skipped in the ledger.
    'table/deliveries': ['dynamodb:UpdateItem'],
    // The run's summary (run log), the week's reader counts unless already taken, and the
    // planner's cursor (read at the start of a run, moved on at its end).
    'table/state': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'queue/send': ['sqs:SendMessage'],
  },
  send: {
    ...SECRET,
    ...SEND_EMAIL,
    // Reads each job's articles; adds the job's sent count to each (the editors' desk shows it).
    'table/articles': ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
    // Re-reads each reader before sending; moves their digest window on. Carries out the requests
    // typed on the site (account-email jobs): reads the address, puts a pending subscription.
    'table/subscribers': ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    // An announcement's plan job lists its audience.
    'table/subscribers/index/confirmedByShard': ['dynamodb:Query'],
    // Claims and marks each delivery.
    'table/deliveries': ['dynamodb:UpdateItem'],
    // The shared rate-limit counters; an announcement's record.
    'table/state': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // The fan-out of an announcement, and continuations (deadline, throttling, quota).
    'queue/send': ['sqs:SendMessage'],
  },
  api: {
    ...SECRET,
    ...SEND_EMAIL,
    // The editors' desk: hide, pin and retag are conditional updates of the article item.
    'table/articles': ['dynamodb:UpdateItem'],
    // The archive (and the editors' desk) lists the articles of each week.
    'table/articles/index/byFirstSeenDay': ['dynamodb:Query'],
    // Confirmation reads the pending subscription and makes it the live one (deleting the pending
    // item); preferences, unsubscribe and erasure change the record. The dashboard counts readers
    // with a scan that never reads an address.
    'table/subscribers': [
      'dynamodb:Scan',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    // An admin send's audience.
    'table/subscribers/index/confirmedByShard': ['dynamodb:Query'],
    // An admin send's progress counts the ledger; a reader's export lists their rows, and their
    // erasure anonymises them (a copy under a random id, then the row deleted).
    'table/deliveries': [
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ],
    // Request counters, archive editions, admin sends and their previews; an erasure drops the
    // reader's entry in the index of admin test sends. An import reads and writes its marks on the
    // addresses it asked to confirm, in batches, and records its run.
    'table/state': [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    // An admin send's plan job; the admin's redrive moves the dead letters back here.
    'queue/send': ['sqs:SendMessage'],
    // A send scheduled for later: its one-off schedule is created (handing Scheduler the role it
    // puts the plan job on the queue as), and deleted when the send is cancelled.
    'schedule/send': ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
    'role/send-scheduler': ['iam:PassRole'],
    // The admin's look at the dead letters and their redrive: found by name, counted, read, deleted.
    'queue/send-dlq': [
      'sqs:GetQueueUrl',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
    ],
  },
  'ses-events': {
    ...SECRET,
    // Suppresses the reader of a bounce or complaint.
    'table/subscribers': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Records SES's acceptance (a Send event) on the email's ledger item: one conditional update.
    'table/deliveries': ['dynamodb:UpdateItem'],
  },
};

/** A call as the IAM proxy reports it, its resource in the vocabulary above. */
export interface ObservedCall {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
}

const describe = (principal: string, action: string, resource: string) =>
  `${principal}: ${action} on ${resource}`;

/** Calls made that FUNCTION_CALLS does not declare: each needs its line (and so its grant). */
export function undeclaredCalls(observed: readonly ObservedCall[]): string[] {
  const missing = new Set<string>();
  for (const call of observed) {
    const declared = (FUNCTION_CALLS as Record<string, FunctionCalls>)[call.principal]?.[
      call.resource as CallResource
    ];
    if (!declared?.includes(call.action)) missing.add(describe(call.principal, call.action, call.resource));
  }
  return [...missing];
}

/**
 * Declared calls that a run of every path makes or not, as its data and its pace decide: asked of
 * no run by `unseenCalls`, granted all the same. Ingest's UpdateItem on articles renews the writer
 * lease every 15 s (a run slower than that, on a busy machine) and adds a second source's sighting
 * to an article stored before (which the bundle run's one ingest may or may not meet).
 */
export const OCCASIONAL_CALLS: readonly string[] = ['ingest: dynamodb:UpdateItem on table/articles'];

/** Calls declared that were never made: a stale line, or a path the run did not drive. */
export function unseenCalls(observed: readonly ObservedCall[]): string[] {
  const seen = new Set([
    ...observed.map((call) => describe(call.principal, call.action, call.resource)),
    ...OCCASIONAL_CALLS,
  ]);
  return Object.entries(FUNCTION_CALLS).flatMap(([principal, calls]) =>
    Object.entries(calls).flatMap(([resource, actions]) =>
      (actions ?? [])
        .map((action) => describe(principal, action, resource))
        .filter((call) => !seen.has(call)),
    ),
  );
}
