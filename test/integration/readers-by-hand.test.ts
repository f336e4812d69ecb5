import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import type { Hono } from 'hono';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { withLocalData } from '../helpers/local-data.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

/**
 * Readers one at a time on the real stand-ins: a keyed lookup by exact address, changes by hand
 * that are audited (who, when, why) and never logged with the address, and the SES-events path
 * driven locally by `immuno-digest simulate`.
 */
describe('readers one at a time', () => {
  let world: TestWorld;
  let api: Hono;
  const logged: string[] = [];
  const logger: Logger = {
    info: (message, extra) => logged.push(`${message} ${JSON.stringify(extra ?? {})}`),
    warn: (message, extra) => logged.push(`${message} ${JSON.stringify(extra ?? {})}`),
    error: (message, extra) => logged.push(`${message} ${JSON.stringify(extra ?? {})}`),
  };

  const asAdmin = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN }, logger });
    api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    for (const [name, status] of [
      ['ana', 'confirmed'],
      ['ben', 'confirmed'],
    ] as [string, SubscriberStatus][]) {
      await world.context.subscribers.create(
        newSubscriber(
          { email: world.email(name), topics: ['car-t', 'melanoma'], status },
          new Date(Date.now() - 86_400_000),
          world.context.subscriberIds,
        ),
      );
    }
  });

  afterAll(() => world.stop());

  it('finds a reader by exact address only, with status, topics, slot and zone', async () => {
    const found = await api.request(
      '/admin/subscribers/find',
      asAdmin({ email: ` ${world.email('ana').toUpperCase()} ` }),
    );
    const unknown = await api.request('/admin/subscribers/find', asAdmin({ email: world.email('nobody') }));
    const partial = await api.request('/admin/subscribers/find', asAdmin({ email: 'ana' }));
    const anonymous = await api.request('/admin/subscribers/find', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: world.email('ana') }),
    });

    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({
      subscriberId: world.context.subscriberIds.idFor(world.email('ana')),
      state: 'confirmed',
      topics: ['car-t', 'melanoma'],
      delivery: { weekday: 1, hour: 8, timeZone: 'UTC' },
      lastDigests: [],
      audit: [],
    });
    expect(await unknown.json()).toMatchObject({ state: 'unknown' });
    expect(partial.status).toBe(400);
    expect(anonymous.status).toBe(401);
  });

  it('unsubscribes a reader by hand with a reason, audited, and logs no address', async () => {
    const noReason = await api.request(
      '/admin/subscribers/unsubscribe',
      asAdmin({ email: world.email('ana') }),
    );
    const done = await api.request(
      '/admin/subscribers/unsubscribe',
      asAdmin({ email: world.email('ana'), reason: 'asked by mailto: unsubscribe' }),
    );
    const again = await api.request(
      '/admin/subscribers/unsubscribe',
      asAdmin({ email: world.email('ana'), reason: 'asked twice' }),
    );

    expect(noReason.status).toBe(400);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      outcome: 'unsubscribed',
      reader: {
        state: 'unsubscribed',
        audit: [
          {
            action: 'unsubscribe',
            reason: 'asked by mailto: unsubscribe',
            outcome: 'unsubscribed',
            by: { principal: 'local admin (admin token)', via: 'api' },
            at: expect.stringMatching(/^\d{4}-/),
          },
        ],
      },
    });
    expect(await again.json()).toMatchObject({ outcome: 'already', reader: { state: 'unsubscribed' } });
    const stored = await world.context.subscribers.get(world.context.subscriberIds.idFor(world.email('ana')));
    expect(stored?.status).toBe('unsubscribed');
    expect(logged.some((line) => line.startsWith('reader changed by an admin'))).toBe(true);
    expect(logged.filter((line) => line.includes(world.email('ana')))).toEqual([]);
  });

  it('suppresses an address for good, with or without a record: never mailed, not revived', async () => {
    const reader = await api.request(
      '/admin/subscribers/suppress',
      asAdmin({ email: world.email('ben'), reason: 'support mail: asked never to be mailed' }),
    );
    const stranger = await api.request(
      '/admin/subscribers/suppress',
      asAdmin({ email: world.email('stranger'), reason: 'forwarded a complaint' }),
    );

    expect(await reader.json()).toMatchObject({ outcome: 'suppressed', reader: { state: 'complained' } });
    expect(await stranger.json()).toMatchObject({ outcome: 'suppressed', reader: { state: 'complained' } });
    const strangerId = world.context.subscriberIds.idFor(world.email('stranger'));
    expect(await world.context.subscribers.getSuppression(strangerId)).toMatchObject({
      reason: 'complained',
    });
    const confirmed = await world.context.subscribers.listConfirmed();
    expect(confirmed.map((subscriber) => subscriber.email)).not.toContain(world.email('ben'));
  });

  it('shows the reader on the admin page through a posted form, never in a URL', async () => {
    const cookieResponse = await api.request('/admin/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    const cookie = /immuno_admin=[^;]+/.exec(cookieResponse.headers.get('set-cookie') ?? '')![0];
    const form = await (await api.request('/admin/readers', { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)![1]!;

    const shown = await api.request('/admin/readers', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, email: world.email('ben') }),
    });
    const forged = await api.request('/admin/readers', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', email: world.email('ben') }),
    });

    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('Complained or suppressed');
    expect(html).toContain('support mail: asked never to be mailed');
    expect(forged.status).toBe(403);
  });
});

describe('`immuno-digest simulate` and `subscribers`', () => {
  let dataDir: string;
  const email = 'carla@example.org';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-readers-'));
    await withLocalData(dataDir, (context) =>
      context.subscribers.create(
        newSubscriber({ email, topics: ['car-t'], status: 'confirmed' }, new Date(), context.subscriberIds),
      ),
    );
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  function cli(
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string; result: Record<string, unknown> }> {
    return new Promise((resolve) => {
      execFile(
        'node',
        [CLI, ...args],
        { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 90_000 },
        (error, stdout, stderr) => {
          let result: Record<string, unknown> = {};
          try {
            result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
          } catch {
            // Left empty: the assertions say what was missing.
          }
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, result });
        },
      );
    });
  }

  it('drives a hard bounce through the SES-events path and the reader is suppressed', async () => {
    const before = await cli('subscribers', 'show', email, '--json');
    const bounce = await cli('simulate', 'bounce', email);
    const after = await cli('subscribers', 'show', email, '--json');
    const wrong = await cli('simulate', 'delivery', email);

    expect(before.code, before.stderr).toBe(0);
    expect(before.result).toMatchObject({ state: 'confirmed', topics: ['car-t'] });
    expect(bounce.code, bounce.stderr).toBe(0);
    expect(bounce.result).toMatchObject({ event: 'bounce', suppressed: 1, state: 'bounced' });
    expect(after.result).toMatchObject({ state: 'bounced' });
    expect(wrong.code).toBe(2);
  }, 120_000);
});
