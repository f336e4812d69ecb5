import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import type { ImportReport } from '../../functions/core/subscribers/import/import-subscribers.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * The import and export doors of the admin API and page, on the stand-ins: a CSV body with
 * `?dryRun=true`, then for real; the export streamed, and paged with `Link`; the page's form with
 * its CSRF token; the same authentication as admin sends.
 */

const ADMIN_TOKEN = 'admin-token-for-subscriber-import-0123456789';
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/imports/buttondown-subscribers.csv');

let world: TestWorld;
let api: Hono;

beforeAll(async () => {
  world = await createTestWorld({ env: { ADMIN_TOKEN } });
  api = createApi(world.context, { clientIp: () => '203.0.113.9' });
});

afterAll(() => world.stop());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('POST /admin/subscribers/import and GET /admin/subscribers.csv', () => {
  it('imports a CSV body, dry first, and exports the confirmed readers', async () => {
    const csv = await readFile(FIXTURE, 'utf8');
    const anonymous = await api.request('/admin/subscribers/import?dryRun=true', {
      method: 'POST',
      body: csv,
    });
    const loose = await api.request('/admin/subscribers/import?dryRun=yes', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv,
    });
    const dry = await api.request('/admin/subscribers/import?dryRun=true&consented=true', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv,
    });
    const real = await api.request('/admin/subscribers/import?consented=true', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv,
    });
    const again = await api.request('/admin/subscribers/import?consented=true', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv,
    });
    const headerless = await api.request('/admin/subscribers/import', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/csv' },
      body: 'name,city\nAna,Lyon\n',
    });

    expect(anonymous.status).toBe(401);
    expect(loose.status).toBe(400);
    expect(((await loose.json()) as { message: string }).message).toContain('dryRun');
    const dryReport = (await dry.json()) as ImportReport;
    expect(dryReport).toMatchObject({
      dryRun: true,
      new: 5,
      confirmed: 4,
      pending: 1,
      invalid: 2,
      duplicates: 1,
    });
    const realReport = (await real.json()) as ImportReport;
    expect(realReport).toMatchObject({ dryRun: false, new: 5, confirmed: 4, pending: 1 });
    expect(((await again.json()) as ImportReport).new).toBe(0);
    expect(headerless.status).toBe(400);
    expect(((await headerless.json()) as { message: string }).message).toContain('no email column');

    const exported = await api.request('/admin/subscribers.csv', { headers: admin });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('text/csv');
    const lines = (await exported.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'email,topics,slot,zone,created,consent_at,consent_wording_version,consent_source,country',
    );
    // Everyone the file adds as confirmed (this world has no readers of its own): Dan and Iris too.
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',')[0])
        .sort(),
    ).toEqual(['dan.unsub@example.org', 'iris.here@example.org', 'jo@example.org', 'pia@example.org']);
  });

  it('pages the export with Link: rel="next" and refuses a cursor it did not write', async () => {
    const pages: string[][] = [];
    let next: string | undefined = '/admin/subscribers.csv?limit=1';
    while (next) {
      const response: Response = await api.request(next, { headers: admin });
      expect(response.status).toBe(200);
      pages.push((await response.text()).trim().split('\n').slice(1));
      next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    const readers = pages.flat().filter((line) => line !== '');
    expect(readers).toHaveLength(4);
    expect(new Set(readers).size).toBe(4);

    const forged = await api.request('/admin/subscribers.csv?limit=10&after=eyJzaGFyZCI6OTl9', {
      headers: admin,
    });
    expect(forged.status).toBe(400);
  });

  it('imports from the page’s form with its CSRF token, and refuses the form without one', async () => {
    const pageHtml = await (await api.request('/admin/subscribers', { headers: admin })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(pageHtml)?.[1];
    expect(csrf).toBeDefined();
    const csv =
      'email,tags,consent_at\nform-reader@example.org,"car-t, Melanoma & skin cancers",2025-05-01T10:00:00Z\n';
    const form = (withCsrf: boolean) => {
      const data = new FormData();
      if (withCsrf) data.set('csrf', csrf!);
      data.set('file', new File([csv], 'list.csv', { type: 'text/csv' }));
      data.set('consented', 'true');
      return data;
    };
    const refused = await api.request('/admin/subscribers/import', {
      method: 'POST',
      headers: admin,
      body: form(false),
    });
    const done = await api.request('/admin/subscribers/import', {
      method: 'POST',
      headers: admin,
      body: form(true),
    });

    expect(refused.status).toBe(403);
    expect(done.status).toBe(200);
    const result = await done.text();
    expect(result).toMatch(/Imported: csv export, 1\s+rows/);
    expect(result).toContain('Melanoma &amp; skin cancers');
    const reader = await world.context.subscribers.get(
      world.context.subscriberIds.idFor('form-reader@example.org'),
    );
    expect(reader).toMatchObject({ status: 'confirmed', topics: ['car-t', 'melanoma'] });
    expect(reader?.consent?.imported?.by).toBeDefined();
  });
});
