import { createReadStream } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberImportDependencies } from '../../functions/app/subscriber-import.ts';
import { exportConfirmedSubscribers } from '../../functions/core/subscribers/import/export-subscribers.ts';
import {
  importSubscribers,
  type ImportOptions,
  type ImportReport,
} from '../../functions/core/subscribers/import/import-subscribers.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * Importing the three tools' exports (test/fixtures/imports/) into a seeded world on the
 * stand-ins: the counts of docs/admin.md#import-and-export, dry and real; a second run adds 0;
 * the addresses suppressed here stay suppressed; the pending readers get one confirmation email
 * each through the sender; the export reads the confirmed back.
 */

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/imports');
const fixture = (name: string) => createReadStream(path.join(FIXTURES, name));

const MAILCHIMP = 'mailchimp-subscribed.csv';
const BUTTONDOWN = 'buttondown-subscribers.csv';
const LISTMONK = 'listmonk-subscribers.csv';

const counts = (report: ImportReport) => ({
  rows: report.rows,
  new: report.new,
  confirmed: report.confirmed,
  pending: report.pending,
  alreadyHere: report.alreadyHere,
  suppressed: report.suppressed,
  invalid: report.invalid,
  duplicates: report.duplicates,
});

let world: TestWorld;

async function seed(email: string, status: SubscriberStatus | 'erased' | 'bounced-entry'): Promise<void> {
  const { context } = world;
  const now = new Date(Date.now() - 3_600_000);
  const reader = newSubscriber({ email, topics: ['car-t'], status: 'confirmed' }, now, context.subscriberIds);
  if (status === 'bounced-entry') {
    // A confirmation that bounced before the address was ever confirmed: only the suppression entry.
    await context.subscribers.suppress(reader.subscriberId, 'bounced', now);
    return;
  }
  await context.subscribers.create(reader);
  if (status === 'erased') await context.subscribers.erase(reader.subscriberId, now);
  else if (status !== 'confirmed') await context.subscribers.setStatus(reader.subscriberId, status, now);
}

function run(file: string, options: Partial<ImportOptions> = {}): Promise<ImportReport> {
  return importSubscribers(
    fixture(file),
    { dryRun: false, consented: false, importId: 'it-import', by: 'test', via: 'cli', ...options },
    subscriberImportDependencies(world.context),
  );
}

beforeAll(async () => {
  world = await createTestWorld();
  await seed('dan.unsub@example.org', 'unsubscribed');
  await seed('erin.bounced@example.org', 'bounced-entry');
  await seed('hana.erased@example.org', 'erased');
  await seed('iris.here@example.org', 'confirmed');
});

afterAll(() => world.stop());

describe('subscribers import of the three tools’ exports', () => {
  it('counts what each file would do in a dry run, and changes nothing', async () => {
    const mailchimp = await run(MAILCHIMP, { dryRun: true, consented: true });
    expect(mailchimp.sourceTool).toBe('mailchimp');
    expect(counts(mailchimp)).toEqual({
      rows: 12,
      new: 4,
      confirmed: 3,
      pending: 1,
      alreadyHere: 1,
      suppressed: 3,
      invalid: 3,
      duplicates: 1,
    });
    expect(mailchimp.suppressedBy).toEqual({ unsubscribed: 1, bounced: 1, erased: 1 });
    expect(mailchimp.perTopic).toEqual({
      'car-t': 1,
      'checkpoint-inhibitors': 1,
      vaccines: 1,
      melanoma: 1,
      'lung-cancer': 1,
      'side-effects': 1,
    });
    expect(mailchimp.unknownTopics).toEqual({ VIP: 1, knitting: 1 });
    expect(mailchimp.problems.map(({ line }) => line)).toEqual([6, 10, 13]);
    expect(mailchimp.problems[1]!.problem).toContain('unknown: VIP, knitting');

    const buttondown = await run(BUTTONDOWN, { dryRun: true, consented: true });
    expect(buttondown.sourceTool).toBe('buttondown');
    expect(counts(buttondown)).toEqual({
      rows: 10,
      new: 3,
      confirmed: 2,
      pending: 1,
      alreadyHere: 1,
      suppressed: 3,
      invalid: 2,
      duplicates: 1,
    });
    expect(buttondown.suppressedBy).toEqual({
      'source-unsubscribed': 1,
      'source-bounced': 1,
      unsubscribed: 1,
    });
    expect(buttondown.problems.map(({ line }) => line)).toEqual([7, 8]);

    const listmonk = await run(LISTMONK, { dryRun: true });
    expect(listmonk.sourceTool).toBe('listmonk');
    expect(counts(listmonk)).toEqual({
      rows: 9,
      new: 2,
      confirmed: 0,
      pending: 2,
      alreadyHere: 1,
      suppressed: 2,
      invalid: 3,
      duplicates: 1,
    });
    expect(listmonk.problems.map(({ line }) => line)).toEqual([3, 9, 10]);

    expect(await world.context.subscribers.hasAny()).toBe(true);
    const exported = await collect(exportConfirmedSubscribers(world.context.subscriberImports));
    expect(exported.trim().split('\n')).toHaveLength(2); // the header and Iris: nothing was added
  });

  it('imports them, asks the unconfirmed once each, and a second run adds nothing', async () => {
    const before = Math.floor(Date.now() / 1000) - 1;
    const first = [
      await run(MAILCHIMP, { consented: true, importId: 'mc-1' }),
      await run(BUTTONDOWN, { consented: true, importId: 'bd-1' }),
      await run(LISTMONK, { importId: 'lm-1' }),
    ];
    expect(first.map((report) => [report.confirmed, report.pending])).toEqual([
      [3, 1],
      [2, 1],
      [0, 2],
    ]);

    const ana = await world.context.subscribers.get(
      world.context.subscriberIds.idFor('ana.lopez@example.org'),
    );
    expect(ana).toMatchObject({
      status: 'confirmed',
      topics: ['car-t', 'melanoma'],
      delivery: { timeZone: 'Europe/Madrid' },
      consent: {
        at: '2025-03-14T09:12:44.000Z',
        wordingVersion: 'imported',
        imported: { sourceTool: 'mailchimp', importId: 'mc-1', by: 'test' },
      },
    });
    expect(ana!.consent!.ipHash).not.toBe('');
    const carla = await world.context.subscribers.get(world.context.subscriberIds.idFor('carla@example.org'));
    expect(carla?.delivery.timeZone).toBe('Europe/Rome');

    // The sender carries out the confirmation requests, through the rate limiter.
    await drainSendQueue(world.context, world.queues.sendUrl);
    const asked = ['gus@example.org', 'kim@example.org', 'quinn@example.org', 'tess@example.org'];
    const mails = (await sentEmails(world.endpoints.ses, (to) => asked.includes(to))).filter(
      (mail) => mail.at >= before,
    );
    expect(mails.map((mail) => mail.destination.to[0]).sort()).toEqual(asked);

    const second = [
      await run(MAILCHIMP, { consented: true, importId: 'mc-2' }),
      await run(BUTTONDOWN, { consented: true, importId: 'bd-2' }),
      await run(LISTMONK, { importId: 'lm-2' }),
    ];
    expect(second.map((report) => report.new)).toEqual([0, 0, 0]);
    expect(second.map((report) => report.alreadyHere)).toEqual([5, 4, 3]);
    expect(second.map((report) => report.suppressed)).toEqual([3, 3, 2]);
    await drainSendQueue(world.context, world.queues.sendUrl);
    const again = (await sentEmails(world.endpoints.ses, (to) => asked.includes(to))).filter(
      (mail) => mail.at >= before,
    );
    expect(again).toHaveLength(asked.length);
  });

  it('leaves the addresses suppressed here suppressed', async () => {
    const { context } = world;
    const id = (email: string) => context.subscriberIds.idFor(email);
    expect((await context.subscribers.get(id('dan.unsub@example.org')))?.status).toBe('unsubscribed');
    expect(await context.subscribers.get(id('erin.bounced@example.org'))).toBeUndefined();
    expect((await context.subscribers.getSuppression(id('erin.bounced@example.org')))?.reason).toBe(
      'bounced',
    );
    expect((await context.subscribers.getSuppression(id('hana.erased@example.org')))?.reason).toBe('erased');
    // Unsubscribed in the source: not added at all.
    expect(await context.subscribers.get(id('lee@example.org'))).toBeUndefined();
    expect(await context.subscribers.getPending(id('lee@example.org'), new Date())).toBeUndefined();
  });

  it('exports the confirmed readers, and the export imports back as nothing new', async () => {
    const csv = await collect(exportConfirmedSubscribers(world.context.subscriberImports));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'email,topics,slot,zone,created,consent_at,consent_wording_version,consent_source,country',
    );
    // Iris, Ana, Ben, Carla (Mailchimp), Jo, Pia (Buttondown).
    expect(lines).toHaveLength(7);
    expect(lines.find((line) => line.startsWith('ana.lopez@example.org'))).toMatch(
      /^ana\.lopez@example\.org,car-t;melanoma,Mon 08:00,Europe\/Madrid,[^,]+,2025-03-14T09:12:44\.000Z,imported,import:mailchimp,$/,
    );
    const back = await importSubscribers(
      (async function* () {
        yield csv;
      })(),
      { dryRun: true, consented: true, importId: 'round-trip', by: 'test', via: 'cli' },
      subscriberImportDependencies(world.context),
    );
    expect(back.sourceTool).toBe('immuno-digest');
    expect(counts(back)).toMatchObject({ rows: 6, new: 0, alreadyHere: 6, invalid: 0 });
  });
});

describe('a country in the round trip', () => {
  it('exports each reader’s country, and an import into a fresh table keeps it', async () => {
    const source = await createTestWorld();
    const target = await createTestWorld();
    try {
      const now = new Date(Date.now() - 3_600_000);
      const confirmed = (email: string, country?: string) => {
        const reader = newSubscriber(
          { email, topics: ['car-t'], status: 'confirmed', ...(country ? { country } : {}) },
          now,
          source.context.subscriberIds,
        );
        const consent = { at: now.toISOString(), ipHash: '', topics: reader.topics, wordingVersion: '1' };
        return source.context.subscribers.create({ ...reader, consent });
      };
      await confirmed('fleur@example.org', 'FR');
      await confirmed('nomad@example.org');
      const csv = await collect(exportConfirmedSubscribers(source.context.subscriberImports));
      expect(csv.split('\n')[0]).toBe(
        'email,topics,slot,zone,created,consent_at,consent_wording_version,consent_source,country',
      );
      expect(csv).toMatch(/^fleur@example\.org,car-t,Mon 08:00,UTC,[^,]+,[^,]+,1,sign-up,FR$/m);
      expect(csv).toMatch(/^nomad@example\.org,.*,sign-up,$/m);
      // Rows of our own format added by hand: one asked to confirm, one with a country we do not know.
      const file = `${csv}asked@example.org,melanoma,Mon 08:00,UTC,,,,,de\natlantis@example.org,car-t,Mon 08:00,UTC,${now.toISOString()},${now.toISOString()},1,sign-up,ZZ\n`;

      const report = await importSubscribers(
        (async function* () {
          yield file;
        })(),
        { dryRun: false, consented: true, importId: 'country-round-trip', by: 'test', via: 'cli' },
        subscriberImportDependencies(target.context),
      );

      expect(report.sourceTool).toBe('immuno-digest');
      expect(counts(report)).toMatchObject({ rows: 4, new: 4, confirmed: 3, pending: 1, invalid: 0 });
      expect(report.problems).toEqual([]);
      expect(report.unknownCountries).toBe(1);
      expect(report.warnings).toEqual([{ line: 5, problem: expect.stringContaining('country "ZZ"') }]);
      const get = (email: string) =>
        target.context.subscribers.get(target.context.subscriberIds.idFor(email));
      expect(await get('fleur@example.org')).toMatchObject({ status: 'confirmed', country: 'FR' });
      expect(await get('nomad@example.org')).not.toHaveProperty('country');
      const atlantis = await get('atlantis@example.org');
      expect(atlantis?.status).toBe('confirmed');
      expect(atlantis).not.toHaveProperty('country');
      // The confirmation request carries the country to the pending subscription it makes.
      await drainSendQueue(target.context, target.queues.sendUrl);
      const pending = await target.context.subscribers.getPending(
        target.context.subscriberIds.idFor('asked@example.org'),
        new Date(),
      );
      expect(pending?.country).toBe('DE');

      const again = await collect(exportConfirmedSubscribers(target.context.subscriberImports));
      expect(again).toMatch(
        /^fleur@example\.org,car-t,Mon 08:00,UTC,[^,]+,[^,]+,imported,import:immuno-digest,FR$/m,
      );
    } finally {
      source.stop();
      target.stop();
    }
  });
});

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('an import that crashes half-way', () => {
  it('finishes on a re-run without a duplicate reader or a second confirmation email', async () => {
    const crashWorld = await createTestWorld();
    try {
      const rows = Array.from({ length: 250 }, (_, index) =>
        index % 2 === 0
          ? `crash-${index}@example.net,car-t,2025-01-01T00:00:00Z`
          : `crash-${index}@example.net,melanoma,`,
      );
      const csv = ['email,tags,consent_at', ...rows].join('\n');
      const deps = subscriberImportDependencies(crashWorld.context);
      let enqueues = 0;
      const crashing = {
        ...deps,
        queue: {
          enqueue: async (jobs: Parameters<typeof deps.queue.enqueue>[0]) => {
            enqueues += 1;
            if (enqueues === 2) throw new Error('the process died here');
            await deps.queue.enqueue(jobs);
          },
        },
      };
      const options = { dryRun: false, consented: true, importId: 'crash', by: 'test', via: 'cli' } as const;
      const once = (async function* () {
        yield csv;
      })();
      await expect(importSubscribers(once, options, crashing)).rejects.toThrow('the process died here');

      const again = (async function* () {
        yield csv;
      })();
      const rerun = await importSubscribers(again, { ...options, importId: 'crash-rerun' }, deps);
      expect(rerun.new + rerun.alreadyHere).toBe(250);
      expect(rerun.alreadyHere).toBeGreaterThan(0);

      const exported = await collect(exportConfirmedSubscribers(crashWorld.context.subscriberImports));
      expect(exported.trim().split('\n')).toHaveLength(1 + 125);
      await drainSendQueue(crashWorld.context, crashWorld.queues.sendUrl);
      const asked = await sentEmails(crashWorld.endpoints.ses, (to) => /^crash-\d+@example\.net$/.test(to));
      const addresses = asked.map((mail) => mail.destination.to[0]);
      expect(addresses).toHaveLength(125);
      expect(new Set(addresses).size).toBe(125);

      const third = await importSubscribers(
        (async function* () {
          yield csv;
        })(),
        { ...options, importId: 'crash-third' },
        deps,
      );
      expect(third.new).toBe(0);
    } finally {
      crashWorld.stop();
    }
  });
});
