import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AdminTestRecord } from '../../model/announcements.ts';
import type { SubscriberIds } from '../../core/subscribers/subscriber-ids.ts';
import { isLegacySubscriberId, newInstance } from '../../core/subscribers/subscriber-ids.ts';
import { isConditionFailure } from './batch.ts';
import { confirmedShardOf } from './subscriber-store.ts';

/**
 * `immuno-digest migrate subscriber-ids`: turns data written when subscriber ids were an unkeyed
 * SHA-256 of the address (32 characters) into data keyed with the identity secret (43), and gives
 * every subscription an instance. What it touches:
 *
 * - subscriber records: moved to their keyed id, with an instance, their confirmed-index shard
 *   recomputed and their planned marks cleared (a job planned under the old id finds nobody and
 *   skips them; the planner plans them again, and the moved ledger rows keep anyone who was sent
 *   this week's digest from getting it twice);
 * - pending records of the first versions (status "pending", the address in clear, their old
 *   confirmation links already dead): deleted;
 * - suppression entries (erasures, bounces): moved to the keyed id computed from the old one, the
 *   only thing they hold;
 * - delivery-ledger rows: moved to the keyed id;
 * - admin test sends audited with an address in clear: the address replaced by its keyed id.
 *
 * Every move writes the new item first (only if it is not there yet) and then deletes the old
 * one, so the migration can be stopped at any point and run again: a run finds only what is left
 * (idempotent, resumable). Where an item was already written under the new id since the upgrade
 * (a bounce or a subscription that came in before the migration ran) the newer one is kept, and
 * a bounce or complaint recorded since applies to the moved record. A dry run reads and counts,
 * and writes nothing.
 *
 * Run it right after deploying, between two hourly planner runs: until it has run, readers of
 * the old data are not found by address (subscribe, "email me a link", bounces).
 */

export interface MigrationTables {
  readonly subscribers: string;
  readonly deliveries: string;
  readonly state: string;
}

export interface MigrationReport {
  readonly dryRun: boolean;
  subscribersMoved: number;
  suppressionsMoved: number;
  legacyPendingDeleted: number;
  plannedMarksCleared: number;
  ledgerRowsMoved: number;
  auditTestsRewritten: number;
  /** Old items left where they were, and why (the operator decides). */
  readonly leftAlone: string[];
}

type Item = Record<string, unknown>;

const isSuppression = (item: Item) => typeof item.erasedAt === 'string';
const strength = { erased: 0, bounced: 1, complained: 2 } as Record<string, number>;

export async function migrateSubscriberIds(
  client: DynamoDBDocumentClient,
  tables: MigrationTables,
  ids: SubscriberIds,
  options: { readonly dryRun: boolean; readonly log?: (line: string) => void },
): Promise<MigrationReport> {
  const report: MigrationReport = {
    dryRun: options.dryRun,
    subscribersMoved: 0,
    suppressionsMoved: 0,
    legacyPendingDeleted: 0,
    plannedMarksCleared: 0,
    ledgerRowsMoved: 0,
    auditTestsRewritten: 0,
    leftAlone: [],
  };
  const write = !options.dryRun;
  const log = options.log ?? (() => undefined);

  const put = async (table: string, item: Item, condition?: { expression: string; values?: Item }) => {
    if (!write) return true;
    try {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ...(condition
            ? {
                ConditionExpression: condition.expression,
                ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };
  const remove = async (table: string, key: Item) => {
    if (write) await client.send(new DeleteCommand({ TableName: table, Key: key }));
  };
  const get = async (table: string, key: Item) =>
    (await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  // Subscriber records, suppression entries and the pending records of the first versions.
  for await (const item of scan(client, tables.subscribers)) {
    const oldId = String(item.subscriberId);
    if (oldId.includes('#') || !isLegacySubscriberId(oldId)) continue;
    const newId = ids.fromLegacyId(oldId);
    if (!isSuppression(item) && typeof item.email === 'string' && ids.idFor(item.email) !== newId) {
      report.leftAlone.push(`${oldId}: its address does not give its id`);
      continue;
    }
    if (!isSuppression(item) && item.status === 'pending') {
      await remove(tables.subscribers, { subscriberId: oldId });
      report.legacyPendingDeleted += 1;
      continue;
    }
    const moved = movedRecord(item, newId);
    if (moved.plannedDigestId === undefined && item.plannedDigestId !== undefined)
      report.plannedMarksCleared += 1;
    if (await put(tables.subscribers, moved, { expression: 'attribute_not_exists(subscriberId)' })) {
      await remove(tables.subscribers, { subscriberId: oldId });
      if (isSuppression(item)) report.suppressionsMoved += 1;
      else report.subscribersMoved += 1;
      continue;
    }
    // Something was written under the new id since the upgrade: keep what is newer, merged.
    const current = await get(tables.subscribers, { subscriberId: newId });
    const merged = current ? mergeRecords(item, moved, current) : moved;
    if (merged === 'keep-old') {
      report.leftAlone.push(`${oldId}: ${newId} holds an erasure written since the upgrade`);
      continue;
    }
    if (merged !== current) await put(tables.subscribers, merged);
    await remove(tables.subscribers, { subscriberId: oldId });
    if (isSuppression(item)) report.suppressionsMoved += 1;
    else report.subscribersMoved += 1;
  }
  log(`subscribers: ${report.subscribersMoved} moved, ${report.suppressionsMoved} suppression entries moved`);

  // The delivery ledger.
  for await (const row of scan(client, tables.deliveries)) {
    const oldId = String(row.subscriberId);
    if (!isLegacySubscriberId(oldId)) continue;
    const newId = ids.fromLegacyId(oldId);
    // A row written under the new id since the upgrade is newer: it stays, the old one goes.
    await put(
      tables.deliveries,
      { ...row, subscriberId: newId },
      { expression: 'attribute_not_exists(digestId)' },
    );
    await remove(tables.deliveries, { digestId: row.digestId, subscriberId: oldId });
    report.ledgerRowsMoved += 1;
  }
  log(`ledger: ${report.ledgerRowsMoved} rows moved`);

  // Admin test sends audited with the address in clear.
  for await (const record of scan(client, tables.state)) {
    if (!String(record.pk).startsWith('adminsend#') || !Array.isArray(record.tests)) continue;
    const tests = record.tests as (AdminTestRecord & { to?: string })[];
    if (!tests.some((test) => typeof test.to === 'string')) continue;
    const rewritten = tests.map(({ to, ...test }) =>
      typeof to === 'string' ? { ...test, toId: ids.idFor(to) } : test,
    );
    const written = await put(
      tables.state,
      { ...record, tests: rewritten },
      { expression: 'size(tests) = :count', values: { ':count': tests.length } },
    );
    if (!written) {
      report.leftAlone.push(`${String(record.pk)}: changed while it was being rewritten (run again)`);
      continue;
    }
    for (const test of rewritten) {
      if (write && test.toId) await addToTestIndex(client, tables.state, test.toId, String(record.sendId));
    }
    report.auditTestsRewritten += tests.filter((test) => typeof test.to === 'string').length;
  }
  log(`admin audit: ${report.auditTestsRewritten} test sends rewritten`);
  return report;
}

/** The record under its new id: with an instance and its shard, without planned marks. */
function movedRecord(item: Item, newId: string): Item {
  if (isSuppression(item)) return { ...item, subscriberId: newId };
  const { plannedDigestId: _digest, plannedAt: _at, confirmedShard: _shard, ...rest } = item;
  return {
    ...rest,
    subscriberId: newId,
    instance: typeof item.instance === 'string' ? item.instance : newInstance(),
    ...(item.status === 'confirmed' ? { confirmedShard: confirmedShardOf(newId) } : {}),
  };
}

/**
 * An old item meets one written under the new id since the upgrade. The same item (a run that was
 * cut short between its two writes) or a newer subscription wins; a bounce or complaint recorded
 * since applies to a moved live record; of two suppressions the stronger reason stays.
 */
function mergeRecords(old: Item, moved: Item, current: Item): Item | 'keep-old' {
  if (!isSuppression(current)) {
    // Moved before, or subscribed again since: that record stays, unless the address bounced or
    // complained before the upgrade (an address that did is never mailed again).
    const oldReason = isSuppression(old) ? String(old.suppression) : undefined;
    if (oldReason !== 'bounced' && oldReason !== 'complained') return current;
    const { confirmedShard: _shard, ...live } = current;
    return { ...live, status: oldReason };
  }
  const reason = String(current.suppression);
  if (isSuppression(old)) return strength[reason]! >= strength[String(old.suppression)]! ? current : moved;
  if (reason === 'erased') return 'keep-old';
  const status = old.status === 'complained' ? 'complained' : reason;
  const { confirmedShard: _shard, ...live } = moved;
  return { ...live, status, updatedAt: current.erasedAt };
}

async function addToTestIndex(client: DynamoDBDocumentClient, table: string, toId: string, sendId: string) {
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: `admintests#${toId}` },
      UpdateExpression: 'ADD sendIds :id',
      ExpressionAttributeValues: { ':id': new Set([sendId]) },
    }),
  );
}

async function* scan(client: DynamoDBDocumentClient, table: string): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) yield item;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
