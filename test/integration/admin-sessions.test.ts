import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { withLocalData } from '../helpers/local-data.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

const ADMIN_TOKEN = 'sessions-admin-token-0123456789abcdefgh';
const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

/**
 * Admin sessions revoked on the server (issue 15): "sign out everywhere" (the admin page, or
 * `immuno-digest admin revoke-sessions`) moves the session generation in the state table on, and
 * every session cookie of an older generation is refused at once, whichever browser holds it.
 */
describe('signing out every admin session', () => {
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '203.0.113.21' });
  });

  afterAll(() => world.stop());

  /** Signs a "browser" in with the token: its session cookie. */
  async function signIn(): Promise<string> {
    const response = await api.request('/admin/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    expect(response.status).toBe(303);
    return /immuno_admin=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
  }

  const page = (cookie: string) => api.request('/admin', { headers: { cookie } });

  /** The CSRF token of the page's "Sign out everywhere" form, as that browser sees it. */
  async function revokeCsrf(cookie: string): Promise<string> {
    const html = await (await page(cookie)).text();
    return /action="\/admin\/sessions\/revoke">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(
      html,
    )![1]!;
  }

  const revoke = (cookie: string, csrf: string) =>
    api.request('/admin/sessions/revoke', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });

  it('refuses every older session cookie once one browser signs out everywhere, and lets a new sign-in in', async () => {
    const laptop = await signIn();
    const phone = await signIn();
    expect((await page(laptop)).status).toBe(200);
    expect((await page(phone)).status).toBe(200);

    const revoked = await revoke(laptop, await revokeCsrf(laptop));

    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/admin/sign-in?signed-out=everywhere');
    expect((await page(laptop)).status).toBe(401);
    expect((await page(phone)).status).toBe(401);
    const again = await signIn();
    expect((await page(again)).status).toBe(200);
    expect(await (await api.request('/admin/sign-in?signed-out=everywhere')).text()).toContain(
      'Every admin session was signed out',
    );
  });

  it('refuses a revocation without the form’s CSRF token, and revokes nothing', async () => {
    const cookie = await signIn();
    const before = await world.context.adminSessions.current();

    const forged = await revoke(cookie, 'not-the-token');

    expect(forged.status).toBe(403);
    expect(await world.context.adminSessions.current()).toBe(before);
    expect((await page(cookie)).status).toBe(200);
  });

  it('revokes from the JSON API with the bearer token, which itself keeps working', async () => {
    const cookie = await signIn();
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/json' };

    const response = await api.request('/admin/sessions/revoke', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      revoked: true,
      generation: await world.context.adminSessions.current(),
    });
    expect((await page(cookie)).status).toBe(401);
    expect((await api.request('/admin/sends', { headers: bearer })).status).toBe(200);
  });

  it('refuses a cookie of the old format, without a generation', async () => {
    const cookie = await signIn();
    const [, generation, rest] = /^immuno_admin=(\d+)\.(.*)$/.exec(cookie)!;

    expect(generation).toMatch(/^\d+$/);
    expect((await page(`immuno_admin=${rest}`)).status).toBe(401);
  });
});

describe('`immuno-digest admin revoke-sessions`', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-admin-'));
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('moves the session generation on in the local state table and says so', async () => {
    const generationNow = () => withLocalData(dataDir, (context) => context.adminSessions.current());
    const before = await generationNow();

    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'node',
        [CLI, 'admin', 'revoke-sessions'],
        { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 90_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Every admin session is signed out');
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      revoked: true,
      generation: before + 1,
    });
    expect(await generationNow()).toBe(before + 1);
  });
});
