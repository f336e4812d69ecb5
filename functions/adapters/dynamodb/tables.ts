/**
 * THE definition of every table and queue: keys, indexes, TTL attributes, queue timeouts. The CDK
 * stack, the local bootstrap and the tests all read this module, so the cloud, the laptop and the
 * test suite can never disagree about a key name.
 *
 * The data model needs only single-item conditional writes (the DynamoDB stand-in has no
 * transactions and no TTL): claims are items written with attribute_not_exists, leases are
 * conditional updates, and TTL only tidies up items whose expiry the code checks itself.
 */

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
}

export interface TableDefinition {
  /** Which Config.tables entry names this table. */
  readonly id: 'articles' | 'subscribers' | 'deliveries' | 'state';
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly globalIndexes: readonly IndexDefinition[];
  /** Epoch-seconds attribute DynamoDB TTL deletes by; code never relies on the deletion. */
  readonly timeToLiveAttribute?: string;
  readonly purpose: string;
}

export const ARTICLES_TABLE = {
  id: 'articles',
  purpose:
    'Articles (pk "article#<id>") and identity claims (pk "claim#<kind>:<value>") that make every work one article.',
  partitionKey: { name: 'pk', type: 'S' },
  globalIndexes: [
    {
      // Sparse: only article items carry firstSeenDay. Answers "what arrived in this window".
      indexName: 'byFirstSeenDay',
      partitionKey: { name: 'firstSeenDay', type: 'S' },
      sortKey: { name: 'firstSeenAt', type: 'S' },
    },
  ],
} as const satisfies TableDefinition;

/** Shards of the sparse confirmed-subscriber index, so a 100k-reader week is read in parallel. */
export const CONFIRMED_SHARDS = 8;

/**
 * Shards of each hour of the next-slot index: the default slot (Monday 08:00) puts a large share
 * of a list in a few hours, and one partition key takes about 1,000 writes a second; eight spread
 * the planner's moves of one busy hour over eight keys, and cost eight small queries per hour read.
 */
export const NEXT_SLOT_SHARDS = 8;

/**
 * Only pending subscriptions carry it (epoch seconds): TTL deletes a request nobody confirmed,
 * and can never touch a subscriber's record. Reads check the expiry themselves (TTL is lazy, and
 * the DynamoDB stand-in has none: the local runtime sweeps instead).
 */
export const PENDING_TTL_ATTRIBUTE = 'pendingExpiresAt';

export const SUBSCRIBERS_TABLE = {
  id: 'subscribers',
  purpose:
    'One item per address, keyed by an HMAC of the normalised email (after erasure only that keyed id stays, as the suppression entry), and at most one pending subscription beside it ("pending#<id>") until it is confirmed or expires.',
  partitionKey: { name: 'subscriberId', type: 'S' },
  globalIndexes: [
    {
      // Sparse: confirmedShard exists only while status = confirmed, so the planner reads only readers it may mail.
      indexName: 'confirmedByShard',
      partitionKey: { name: 'confirmedShard', type: 'S' },
      sortKey: { name: 'subscriberId', type: 'S' },
    },
    {
      // Sparse: only readers who may be mailed carry dueHour ("2026-12-07T08#3": the UTC hour of
      // their next slot, then a shard) and nextSlotAt (that instant). The hourly planner reads the
      // hours since its last completed run, not the whole list (docs/digests.md).
      indexName: 'nextSlotByHour',
      partitionKey: { name: 'dueHour', type: 'S' },
      sortKey: { name: 'nextSlotAt', type: 'S' },
    },
  ],
  timeToLiveAttribute: PENDING_TTL_ATTRIBUTE,
} as const satisfies TableDefinition;

const DELIVERIES_TABLE = {
  id: 'deliveries',
  purpose:
    'The delivery ledger: one item per (digest or send id, subscriber), claimed with a lease before SES is called.',
  partitionKey: { name: 'digestId', type: 'S' },
  sortKey: { name: 'subscriberId', type: 'S' },
  globalIndexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

const STATE_TABLE = {
  id: 'state',
  purpose: 'Small single items: source fetch state, run summaries, admin sends, rate-limit counters.',
  partitionKey: { name: 'pk', type: 'S' },
  globalIndexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

export const TABLE_DEFINITIONS: readonly TableDefinition[] = [
  ARTICLES_TABLE,
  SUBSCRIBERS_TABLE,
  DELIVERIES_TABLE,
  STATE_TABLE,
];

export interface QueueDefinition {
  readonly id: 'send';
  /** Lambda timeout of the consumer; the visibility timeout derives from it. */
  readonly consumerTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly messageRetentionSeconds: number;
  readonly deadLetterRetentionSeconds: number;
}

const SENDER_TIMEOUT_SECONDS = 60;

export const SEND_QUEUE = {
  id: 'send',
  consumerTimeoutSeconds: SENDER_TIMEOUT_SECONDS,
  // AWS advises ≥ 6 × the function timeout so a batch still being retried is not redelivered.
  visibilityTimeoutSeconds: 6 * SENDER_TIMEOUT_SECONDS,
  maxReceiveCount: 5,
  // Each message is a group of up to 50 recipients; 5 messages keep one invocation well inside its timeout.
  batchSize: 5,
  messageRetentionSeconds: 4 * 24 * 3600,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
} as const satisfies QueueDefinition;
