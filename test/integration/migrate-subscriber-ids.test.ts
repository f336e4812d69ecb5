import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { legacySubscriberId } from '../../functions/core/subscribers/subscriber-ids.ts';
import { migrateSubscriberIds } from '../../functions/adapters/dynamodb/subscriber-id-migration.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { EXIT_CODES } from '../../functions/local/exit-codes.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

/**
 * `immuno-digest migrate subscriber-ids` on the stand-ins, over data written the way the first
 * versions wrote it: unkeyed ids (an SHA-256 of the address), no subscription instances, pending
 * records with the address in clear, test addresses in clear in the admin audit.
 */
describe('migrating data written with unkeyed subscriber ids', () => {
  let world: TestWorld;
  let api: Hono;
  const at = '2026-11-20T08:00:00.000Z';

  beforeAll(async () => {
    world = await createTestWorld();
    api = createApi(world.context, { clientIp: () => '192.0.2.91' });
  });

  afterAll(() => world.stop());

  const tables = () => world.context.config.tables;
  const ids = () => world.context.subscriberIds;

  async function putRaw(table: string, item: Record<string, unknown>) {
    await world.context.clients.documents.send(new PutCommand({ TableName: table, Item: item }));
  }

  async function scanRaw(table: string): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await world.context.clients.documents.send(
      new ScanCommand({ TableName: table, ConsistentRead: true }),
    );
    return Items;
  }

  /** A subscriber record exactly as the first versions wrote it. */
  function oldRecord(email: string, status: string, extra: Record<string, unknown> = {}) {
    return {
      subscriberId: legacySubscriberId(email),
      email,
      topics: ['car-t'],
      status,
      delivery: { weekday: 1, hour: 8, timeZone: 'UTC' },
      createdAt: at,
      updatedAt: at,
      softBounces: 0,
      ...(status === 'confirmed' ? { confirmedShard: 'confirmed#3' } : {}),
      ...extra,
    };
  }

  it('moves records, suppression entries, ledger rows and audit entries to keyed ids; a dry run and a second run change nothing', async () => {
    // Prepare: the old data.
    const reader = world.email('old-reader');
    const left = world.email('old-left');
    const waiting = world.email('old-pending');
    const erased = world.email('old-erased');
    const bounced = world.email('old-bounced');
    const bouncedSince = world.email('bounced-since-upgrade');
    const editor = world.email('old-editor');
    await putRaw(
      tables().subscribers,
      oldRecord(reader, 'confirmed', { plannedDigestId: 'weekly-2026-W48', plannedAt: at, lastDigestAt: at }),
    );
    await putRaw(tables().subscribers, oldRecord(left, 'unsubscribed'));
    await putRaw(tables().subscribers, oldRecord(waiting, 'pending', { confirmationSentAt: at }));
    await putRaw(tables().subscribers, {
      subscriberId: legacySubscriberId(erased),
      erasedAt: at,
      suppression: 'erased',
    });
    await putRaw(tables().subscribers, {
      subscriberId: legacySubscriberId(bounced),
      erasedAt: at,
      suppression: 'bounced',
    });
    // A reader of the old data whose address bounced after the upgrade, before the migration ran.
    await putRaw(tables().subscribers, oldRecord(bouncedSince, 'confirmed'));
    await world.context.subscribers.suppress(ids().idFor(bouncedSince), 'bounced', new Date(at));
    await putRaw(tables().deliveries, {
      digestId: 'weekly-2026-W47',
      subscriberId: legacySubscriberId(reader),
      status: 'sent',
      messageId: 'ses-old-1',
      sentAt: at,
      attempts: 1,
    });
    await putRaw(tables().state, {
      pk: 'adminsend#old-welcome',
      sendId: 'old-welcome',
      status: 'draft',
      subject: 'Welcome',
      format: 'markdown',
      body: 'Hello.',
      topics: [],
      draftHash: 'hash',
      firstUsedAt: at,
      tests: [
        {
          at,
          by: { principal: 'editor', via: 'cli' },
          to: editor,
          messageId: 'ses-test-1',
          draftHash: 'hash',
        },
      ],
    });
    const before = await scanRaw(tables().subscribers);

    // Act 1: a dry run counts and writes nothing.
    const dry = await migrateSubscriberIds(world.context.clients.documents, tables(), ids(), {
      dryRun: true,
    });
    expect(dry).toMatchObject({
      dryRun: true,
      subscribersMoved: 3,
      suppressionsMoved: 2,
      legacyPendingDeleted: 1,
    });
    expect(await scanRaw(tables().subscribers)).toEqual(before);

    // Act 2: the migration.
    const report = await migrateSubscriberIds(world.context.clients.documents, tables(), ids(), {
      dryRun: false,
    });

    // Assess
    expect(report).toEqual({
      dryRun: false,
      subscribersMoved: 3,
      suppressionsMoved: 2,
      legacyPendingDeleted: 1,
      plannedMarksCleared: 1,
      ledgerRowsMoved: 1,
      auditTestsRewritten: 1,
      leftAlone: [],
    });
    const items = await scanRaw(tables().subscribers);
    expect(items.filter((item) => String(item.subscriberId).length === 32)).toEqual([]);
    expect(JSON.stringify(items)).not.toContain(waiting);
    const migrated = await world.context.subscribers.get(ids().idFor(reader));
    expect(migrated).toMatchObject({ email: reader, status: 'confirmed', lastDigestAt: at });
    expect(migrated?.instance).toMatch(/^[\w-]{12}$/);
    expect(migrated?.plannedDigestId).toBeUndefined();
    expect((await world.context.subscribers.listConfirmed()).map((s) => s.email)).toContain(reader);
    expect((await world.context.subscribers.get(ids().idFor(left)))?.status).toBe('unsubscribed');
    expect((await world.context.subscribers.getSuppression(ids().idFor(erased)))?.reason).toBe('erased');
    expect((await world.context.subscribers.getSuppression(ids().idFor(bounced)))?.reason).toBe('bounced');
    expect((await world.context.subscribers.get(ids().idFor(bouncedSince)))?.status).toBe('bounced');
    expect(await world.context.ledger.listForReader(ids().idFor(reader), ['weekly-2026-W47'])).toMatchObject([
      { status: 'sent', messageId: 'ses-old-1' },
    ]);
    expect(await world.context.adminSends.listTestsTo(ids().idFor(editor))).toMatchObject([
      { sendId: 'old-welcome', test: { messageId: 'ses-test-1' } },
    ]);
    expect(JSON.stringify(await scanRaw(tables().state))).not.toContain(editor);

    // A reader of the old data is found by address again: their manage link comes, and works.
    await api.request('/manage', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: reader }).toString(),
    });
    await drainSendQueue(world.context, world.queues.sendUrl);
    const [mail] = await sentEmails(world.endpoints.ses, (to) => to === reader);
    const link = /(\/preferences\?token=[\w.-]+)/.exec(mail!.body.text!)?.[1];
    expect((await api.request(link!)).status).toBe(200);

    // Act 3: run again: nothing is left to do.
    const again = await migrateSubscriberIds(world.context.clients.documents, tables(), ids(), {
      dryRun: false,
    });
    expect(again).toMatchObject({
      subscribersMoved: 0,
      suppressionsMoved: 0,
      legacyPendingDeleted: 0,
      ledgerRowsMoved: 0,
      auditTestsRewritten: 0,
    });
  });

  it('finishes a run that was cut short between writing the new item and deleting the old one', async () => {
    const email = world.email('cut-short');
    const old = oldRecord(email, 'confirmed');
    await putRaw(tables().subscribers, old);
    await putRaw(tables().subscribers, {
      ...old,
      subscriberId: ids().idFor(email),
      instance: 'written-before',
      confirmedShard: 'confirmed#1',
    });

    const report = await migrateSubscriberIds(world.context.clients.documents, tables(), ids(), {
      dryRun: false,
    });

    expect(report.subscribersMoved).toBe(1);
    expect(await scanRaw(tables().subscribers)).not.toContainEqual(
      expect.objectContaining({ subscriberId: legacySubscriberId(email) }),
    );
    expect((await world.context.subscribers.get(ids().idFor(email)))?.instance).toBe('written-before');
  });
});

describe('`immuno-digest migrate`', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-migrate-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'migrate', ...args],
        { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('runs a dry run on the local data and ends with the report as JSON; refuses an unknown migration', async () => {
    const dry = await run('subscriber-ids', '--dry-run');
    const unknown = await run('everything');

    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      dryRun: true,
      subscribersMoved: 0,
    });
    expect(unknown.code).toBe(EXIT_CODES.badInput);
    expect(unknown.stderr).toContain('the migrations are subscriber-ids and next-slots');
  });
});
