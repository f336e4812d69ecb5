import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'browser-import-token-0123456789abcdefg';
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/imports/mailchimp-subscribed.csv');

/**
 * An editor brings readers in from a Mailchimp export in a real browser: sign in, open "Readers in
 * and out", run the import dry (the default), read the counts and the rows not imported, run it
 * for real with the consent box ticked, and download the export; axe finds nothing on the way.
 */
describe('an admin imports readers in a real browser', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl, ADMIN_TOKEN } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    browser = await launchChromium();
    page = await (
      await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
    ).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  it('runs the import dry, then for real, and downloads the confirmed readers', async () => {
    await page.goto(`${server.baseUrl}/admin`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Readers in and out' }).click();
    await page.getByRole('heading', { name: 'Readers in and out' }).waitFor();
    const violationsEmpty = await accessibilityViolations(page);

    await page.getByLabel('CSV file').setInputFiles(FIXTURE);
    await page.getByRole('checkbox', { name: /Consented/ }).check();
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: /Dry run: mailchimp export, 12\s+rows/ }).waitFor();
    const dry = (await page.locator('main').textContent())?.replace(/\s+/g, ' ');
    const violationsReport = await accessibilityViolations(page);

    await page.getByLabel('CSV file').setInputFiles(FIXTURE);
    await page.getByRole('checkbox', { name: /Consented/ }).check();
    await page.getByRole('checkbox', { name: /Dry run/ }).uncheck();
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: /Imported: mailchimp export, 12\s+rows/ }).waitFor();
    const real = (await page.locator('main').textContent())?.replace(/\s+/g, ' ');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the CSV of confirmed readers' }).click(),
    ]);
    const stream = await download.createReadStream();
    let csv = '';
    for await (const chunk of stream) csv += String(chunk);

    expect(violationsEmpty).toEqual([]);
    expect(violationsReport).toEqual([]);
    expect(dry).toContain('Nothing was changed');
    expect(dry).toContain('8 new (7 confirmed, 1 asked to confirm)');
    expect(dry).toContain('Line 6: "not-an-email"');
    expect(dry).toContain('Not a topic of this digest: “VIP” (1), “knitting” (1)');
    expect(real).toContain('8 new (7 confirmed, 1 asked to confirm)');
    expect(csv.trim().split('\n')).toHaveLength(1 + 7);
    expect(csv).toContain('ana.lopez@example.org,car-t;melanoma,Mon 08:00,Europe/Madrid,');
  });
});
