import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { weekIdOf } from '../../functions/core/archive/editions.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';

const ADMIN_TOKEN = 'browser-desk-token-0123456789abcdefgh';
/** Where the screenshots go (git-ignored); `npm run screenshots` copies the docs' ones to docs/screenshots/. */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');

/**
 * The editors' desk in a real browser: sign in, filter this week's articles by topic, hide one,
 * pin one, write the week's note, preview a digest showing the pin and the note without the
 * hidden article, then open the dashboard. Against the real app on a loopback port.
 */
describe("an editor shapes this week's digests on the desk in a real browser", () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl, ADMIN_TOKEN } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    const seen = new Date(Date.now() - 60_000);
    const stories = [
      { slug: 'melanoma-misleading', title: 'Miracle melanoma cure claims', topics: { melanoma: 6 } },
      {
        slug: 'melanoma-adjuvant',
        title: 'Adjuvant nivolumab in stage III melanoma',
        topics: { melanoma: 5 },
      },
      { slug: 'melanoma-pick', title: 'What the new melanoma guideline means', topics: { melanoma: 2 } },
      { slug: 'car-t-lupus', title: 'CAR-T cells for lupus', topics: { 'car-t': 5, autoimmune: 4 } },
    ];
    for (const story of stories) {
      await world.context.articles.upsert(
        aCandidate({
          url: `https://research.example.org/${story.slug}`,
          title: story.title,
          summary: `${story.title}: what it means for patients.`,
          publishedAt: new Date(seen.getTime() - 86_400_000).toISOString(),
          topics: story.topics,
        }),
        seen,
      );
    }
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  it('filters, hides, pins, writes the note and previews a digest with both, accessibly at 1280 and 375 px', async () => {
    const week = weekIdOf(new Date());
    const first = await page.goto(`${server.baseUrl}/admin/articles`);
    expect(first?.status()).toBe(401);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.goto(`${server.baseUrl}/admin/articles`);
    await page.getByRole('heading', { name: "This week's articles" }).waitFor();
    expect(await page.getByRole('row').count()).toBe(5);

    // Filter by topic: only the three melanoma articles stay.
    await page.getByLabel('Topic').selectOption('melanoma');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/topic=melanoma/);
    expect(await page.getByRole('row').count()).toBe(4);

    // Hide the misleading one, with a reason; pin the guideline.
    const misleading = page.getByRole('row', { name: /Miracle melanoma cure claims/ });
    await misleading.getByLabel('Reason').fill('Overstates an uncontrolled report');
    await misleading.getByRole('button', { name: /^Hide/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The article is hidden');
    expect(page.url()).toContain('topic=melanoma');
    expect(await page.getByRole('row', { name: /Miracle melanoma cure claims/ }).textContent()).toContain(
      'Overstates an uncontrolled report',
    );
    await page
      .getByRole('row', { name: /new melanoma guideline/ })
      .getByRole('button', { name: /^Pin/ })
      .click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain("Editor's pick");

    // The week's note.
    await page.getByLabel('Note (empty to remove it)').fill('This week: **be wary** of cure claims.');
    await page.getByRole('button', { name: 'Save the note' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('note is saved');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'editors-desk-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await accessibilityViolations(page)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'editors-desk-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Preview the digest of a melanoma reader: the note, the pick first, the hidden one absent.
    await page.getByRole('button', { name: 'Preview the digest' }).click();
    await page.getByRole('heading', { name: `Digest preview, ${week}` }).waitFor();
    const preview = page.frameLocator('iframe.preview-frame');
    await expect.poll(() => preview.locator('body').textContent()).toContain('A NOTE FROM THE EDITORS');
    const email = (await preview.locator('body').textContent()) ?? '';
    expect(email).toContain('be wary');
    expect(email).toContain("Editor's pick");
    expect(email).not.toContain('Miracle melanoma cure claims');
    expect(email.indexOf('new melanoma guideline')).toBeLessThan(email.indexOf('Adjuvant nivolumab'));
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'editors-desk-preview-1280.png'), fullPage: true });

    // Then the dashboard, from the nav: the list's health beside the week's articles.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect(await page.getByRole('img', { name: /Confirmed readers per week/ }).count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
