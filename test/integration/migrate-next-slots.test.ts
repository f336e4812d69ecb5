import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillNextSlots } from '../../functions/adapters/dynamodb/next-slot-migration.ts';
import { planDigest } from '../../functions/core/digest/plan-digest.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot, Subscriber, SubscriberStatus } from '../../functions/model/subscribers.ts';
import { aCandidate, ArrayQueue, ManualClock } from '../../testkit/fakes.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

/**
 * `immuno-digest migrate next-slots` on dynalite, over records written before the next-slot
 * index existed (no nextSlotAt, no dueHour): it files each reader who may be mailed, leaves the
 * rest out, pages through the table, changes nothing the second time, and the planner then finds
 * the readers whose slot has come.
 */
describe('backfilling the next-slot index', () => {
  let world: TestWorld;
  const clock = new ManualClock(new Date('2026-12-07T09:05:00Z'));

  beforeAll(async () => {
    world = await createTestWorld({ clock });
  });

  afterAll(() => world.stop());

  const table = () => world.context.config.tables.subscribers;
  const item = async (subscriberId: string) =>
    (
      await world.context.clients.documents.send(
        new GetCommand({ TableName: table(), Key: { subscriberId }, ConsistentRead: true }),
      )
    ).Item!;

  /** A record as the versions before the index wrote it: the same item without its two attributes. */
  async function legacyReader(
    local: string,
    fields: { status?: SubscriberStatus; delivery?: DeliverySlot; paused?: boolean } = {},
  ): Promise<Subscriber> {
    const subscriber = {
      ...newSubscriber(
        {
          email: world.email(local),
          topics: ['car-t'],
          status: fields.status ?? 'confirmed',
          delivery: fields.delivery ?? { weekday: 1, hour: 8, timeZone: 'Europe/Paris' },
        },
        new Date('2026-11-01T10:00:00Z'),
        world.context.subscriberIds,
      ),
      ...(fields.paused ? { paused: true } : {}),
      // In the confirmed index, as every confirmed record was.
      ...((fields.status ?? 'confirmed') === 'confirmed' ? { confirmedShard: 'confirmed#0' } : {}),
    };
    await world.context.clients.documents.send(
      new PutCommand({ TableName: table(), Item: JSON.parse(JSON.stringify(subscriber)) }),
    );
    return subscriber;
  }

  it('files every reader who may be mailed, pages through the table, and changes nothing the second time', async () => {
    // Prepare: a Paris reader whose Monday 08:00 (07:00 UTC) passed two hours ago, a Friday
    // reader, a paused one, one who left, and a stale instant on a reader who left by hand.
    await world.context.articles.upsert(
      aCandidate({ url: 'https://research.example.org/backfill/car-t', topics: { 'car-t': 6 } }),
      new Date('2026-12-05T06:00:00Z'),
    );
    const mondayParis = await legacyReader('monday-paris');
    const friday = await legacyReader('friday', { delivery: { weekday: 5, hour: 8, timeZone: 'UTC' } });
    const paused = await legacyReader('paused', { paused: true });
    const left = await legacyReader('left', { status: 'unsubscribed' });
    const stale = await legacyReader('stale', { status: 'unsubscribed' });
    const queue = new ArrayQueue();
    const plan = () =>
      planDigest(
        { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50 },
        { ...world.context, queue },
      );
    const beforeBackfill = await plan();
    // Written after that run: a stale instant the run did not see.
    await world.context.clients.documents.send(
      new UpdateCommand({
        TableName: table(),
        Key: { subscriberId: stale.subscriberId },
        UpdateExpression: 'SET nextSlotAt = :at, dueHour = :hour',
        ExpressionAttributeValues: { ':at': '2026-12-07T07:00:00.000Z', ':hour': '2026-12-07T07#0' },
      }),
    );

    // Act
    const dry = await backfillNextSlots(world.context.clients.documents, table(), clock.now(), {
      dryRun: true,
    });
    const first = await backfillNextSlots(world.context.clients.documents, table(), clock.now(), {
      dryRun: false,
    });
    const second = await backfillNextSlots(world.context.clients.documents, table(), clock.now(), {
      dryRun: false,
    });
    const filed = await Promise.all([mondayParis, friday].map((reader) => item(reader.subscriberId)));
    clock.set('2026-12-07T10:05:00Z');
    const afterBackfill = await plan();

    // Assess: the planner finds nobody before (the index is empty), the overdue reader after.
    expect(beforeBackfill).toMatchObject({ readersRead: 0, due: 0 });
    expect(dry).toMatchObject({ dryRun: true, readers: 5, indexed: 2, removed: 1, notMailable: 2 });
    expect(first).toMatchObject({ dryRun: false, readers: 5, indexed: 2, removed: 1, notMailable: 2 });
    expect(first.pages).toBeGreaterThanOrEqual(1);
    expect(second).toMatchObject({ indexed: 0, alreadyIndexed: 2, removed: 0, notMailable: 3 });
    // Overdue since 07:00 UTC: filed at the backfill's own hour, so the next run plans them.
    expect(filed[0]).toMatchObject({
      nextSlotAt: '2026-12-07T09:05:00.000Z',
      dueHour: expect.stringMatching(/^2026-12-07T09#[0-7]$/),
    });
    expect(filed[1]?.nextSlotAt).toBe('2026-12-11T08:00:00.000Z');
    for (const reader of [paused, left, stale])
      expect(await item(reader.subscriberId)).not.toHaveProperty('dueHour');
    expect(afterBackfill).toMatchObject({ readersRead: 1, due: 1, planned: 1 });
    expect(queue.digestJobs.flatMap((job) => job.recipients.map((r) => r.subscriberId))).toEqual([
      mondayParis.subscriberId,
    ]);
  });

  it('pages through a table larger than one scan page', async () => {
    // Prepare: enough readers with long profiles that the scan needs several 1 MB pages.
    const own = await createTestWorld({ clock });
    try {
      const padding = 'x'.repeat(3_000);
      for (let start = 0; start < 600; start += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, offset) => {
            const subscriber = newSubscriber(
              { email: own.email(`bulk-${start + offset}`), topics: ['car-t'], status: 'confirmed' },
              new Date('2026-11-01T10:00:00Z'),
              own.context.subscriberIds,
            );
            return own.context.clients.documents.send(
              new PutCommand({
                TableName: own.context.config.tables.subscribers,
                Item: { ...JSON.parse(JSON.stringify(subscriber)), note: padding },
              }),
            );
          }),
        );
      }

      // Act
      const report = await backfillNextSlots(
        own.context.clients.documents,
        own.context.config.tables.subscribers,
        clock.now(),
        { dryRun: false },
      );

      // Assess
      expect(report.pages).toBeGreaterThan(1);
      expect(report).toMatchObject({ readers: 600, indexed: 600 });
    } finally {
      own.stop();
    }
  });
});

describe('`immuno-digest migrate next-slots`', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-migrate-next-slots-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs on the local data, a dry run and a real one, each ending with its report as JSON', async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, 'migrate', 'next-slots', ...args],
          { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });

    const dry = await run('--dry-run');
    const real = await run();

    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout.trim().split('\n').at(-1)!)).toMatchObject({ dryRun: true, indexed: 0 });
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout.trim().split('\n').at(-1)!)).toMatchObject({ dryRun: false });
  });
});
