import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nextSlotInstant } from '../../core/digest/schedule.ts';
import { isConditionFailure } from './batch.ts';
import { isSuppressionEntry, nextSlotAttributes, toSubscriber } from './subscriber-store.ts';

/**
 * `immuno-digest migrate next-slots`: files every reader who may be mailed in the next-slot index
 * (core/digest/schedule.ts nextSlotInstant, computed now), for records written before the index
 * existed. The hourly planner reads only that index, so a reader the backfill has not reached is
 * not planned; once it has, a reader whose slot passed in between is due at the next run (an
 * instant is never filed before the moment it is computed), so nobody's week is lost, only late.
 *
 * A reader already in the index is left as it is: every write since the upgrade keeps it. A record
 * that carries an instant but may not be mailed (written by hand, say) is taken out. Each write is
 * conditional on what was read, so the migration can run beside the live system, be stopped at any
 * point and run again (idempotent: a second run changes nothing). The table is read a page at a
 * time (a Scan, about 1 MB a page), so memory stays flat whatever the size of the list. A dry run
 * reads and counts, and writes nothing.
 */

export interface NextSlotBackfillReport {
  readonly dryRun: boolean;
  /** Items read (records, pending subscriptions and suppression entries alike). */
  itemsRead: number;
  /** Scan pages read. */
  pages: number;
  /** Live subscriber records among them. */
  readers: number;
  /** Readers filed in the index now. */
  indexed: number;
  /** Readers already in it, left alone. */
  alreadyIndexed: number;
  /** Records in the index that may not be mailed, taken out. */
  removed: number;
  /** Readers who may not be mailed (not confirmed, paused, no topics): not in the index. */
  notMailable: number;
  /** Records that changed between the read and the write: left to the writer that changed them. */
  changedMeanwhile: number;
}

type Item = Record<string, unknown>;

export async function backfillNextSlots(
  client: DynamoDBDocumentClient,
  subscribersTable: string,
  now: Date,
  options: { readonly dryRun: boolean; readonly log?: (line: string) => void },
): Promise<NextSlotBackfillReport> {
  const report: NextSlotBackfillReport = {
    dryRun: options.dryRun,
    itemsRead: 0,
    pages: 0,
    readers: 0,
    indexed: 0,
    alreadyIndexed: 0,
    removed: 0,
    notMailable: 0,
    changedMeanwhile: 0,
  };
  const update = async (key: string, expression: string, condition: string, values: Item) => {
    if (options.dryRun) return true;
    try {
      await client.send(
        new UpdateCommand({
          TableName: subscribersTable,
          Key: { subscriberId: key },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: subscribersTable,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    report.pages += 1;
    for (const item of page.Items ?? []) {
      report.itemsRead += 1;
      if (typeof item.pendingFor === 'string' || isSuppressionEntry(item)) continue;
      report.readers += 1;
      const subscriber = toSubscriber(item);
      const instant = nextSlotInstant(subscriber, now);
      const key = subscriber.subscriberId;
      if (instant === undefined) {
        if (typeof item.dueHour !== 'string') {
          report.notMailable += 1;
          continue;
        }
        const removed = await update(key, 'REMOVE nextSlotAt, dueHour', 'dueHour = :read', {
          ':read': item.dueHour,
        });
        if (removed) report.removed += 1;
        else report.changedMeanwhile += 1;
        continue;
      }
      if (typeof item.dueHour === 'string') {
        report.alreadyIndexed += 1;
        continue;
      }
      const attributes = nextSlotAttributes(key, instant);
      // Only the record as read: a change since (a pause, a new slot) was written by its own path.
      const readAt = typeof item.updatedAt === 'string' ? { ':updatedAt': item.updatedAt } : undefined;
      const filed = await update(
        key,
        'SET nextSlotAt = :nextSlotAt, dueHour = :dueHour',
        `attribute_not_exists(dueHour) AND ${readAt ? 'updatedAt = :updatedAt' : 'attribute_not_exists(updatedAt)'}`,
        { ':nextSlotAt': attributes.nextSlotAt, ':dueHour': attributes.dueHour, ...readAt },
      );
      if (filed) report.indexed += 1;
      else report.changedMeanwhile += 1;
    }
    options.log?.(`page ${report.pages}: ${report.itemsRead} items read, ${report.indexed} readers filed`);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return report;
}
