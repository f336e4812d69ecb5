/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { ingestOnce, planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { serveSnapshots } from '../helpers/snapshots.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';

/**
 * What a new installation shows on its first day, in a real browser: the offline snapshots and the
 * site's own articles ingested, one reader's real digest (at a phone's width and a desktop mail
 * client's), its web edition, a site article it links to, and the archive with the week so far.
 * The screenshots (test-results/screenshots/) are the ones docs/screenshots/ keeps.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');

describe('a fresh installation on its first day', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let snapshots: Awaited<ReturnType<typeof serveSnapshots>>;
  let browser: Browser;
  let digestHtml: string;

  beforeAll(async () => {
    server = await startLoopbackServer();
    snapshots = await serveSnapshots();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl }, fetcher: snapshots.fetcher });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    const { context } = world;
    await ingestOnce(context, { fetchUrlFor: snapshots.fetchUrlFor });
    // The first demo reader of `npm start`.
    const reader = newSubscriber(
      { email: world.email('ana'), topics: ['car-t', 'leukemia'], status: 'confirmed' },
      context.clock.now(),
    );
    await context.subscribers.create(reader);
    await planDigestOnce(context, { ignoreSlot: true });
    await drainSendQueue(context, world.queues.sendUrl);
    const [email] = await sentEmails(world.endpoints.ses, world.isMine);
    digestHtml = email!.body.html ?? '';
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await snapshots?.server.stop();
    world?.stop();
  });

  async function open(url: string, width: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(url);
    return page;
  }

  describe.each([375, 700])('the digest at %i px', (width) => {
    let page: Page;

    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.setContent(digestHtml, { waitUntil: 'load' });
      await page.screenshot({ path: path.join(SCREENSHOTS, `digest-demo-${width}.png`), fullPage: true });
    });

    afterAll(async () => {
      await page.close();
    });

    it('fits the width and shows cards that say what they are, with clean summaries', async () => {
      const text = await page.locator('body').innerText();

      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(text).toContain('View in your browser');
      expect(text).toContain('Explainer by our editors');
      expect(text).toContain('Trial registration');
      expect(text).toContain('Review');
      expect(text).toMatch(/Why you got this: you follow CAR-T & cell therapy \(“lifileucel”\)/);
      expect(text).not.toMatch(/Published online|doi:10\.|PMID/);
      // The preheader is in the document for inboxes, and out of sight.
      const preheader = page.locator('div[style^="display:none"]').first();
      expect(await preheader.textContent()).toMatch(
        / — and \d+ more on CAR-T & cell therapy and Leukemia & blood cancers\.$/,
      );
      expect(await preheader.isVisible()).toBe(false);
    });
  });

  it('opens the reader’s web edition from the link at the top, with the same articles', async () => {
    const link = /<a href="([^"]+)"[^>]*>View in your browser<\/a>/
      .exec(digestHtml)![1]!
      .replaceAll('&amp;', '&');
    const page = await open(link, 700);
    const titles = await page.locator('main h3 a').allTextContents();

    expect(link.startsWith(`${server.baseUrl}/digest?token=v.`)).toBe(true);
    expect(titles.length).toBeGreaterThan(3);
    for (const title of titles) expect(digestHtml).toContain(title.replaceAll('&', '&amp;'));
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'web-edition-700.png'), fullPage: true });
    await page.close();
  });

  it('serves the site’s own article that the digest links to, in the site’s look', async () => {
    const link = /<a href="([^"]*\/articles\/[^"]+)"/.exec(digestHtml)![1]!;
    const page = await open(link, 1280);

    expect(link.startsWith(`${server.baseUrl}/articles/`)).toBe(true);
    expect(await page.locator('h1').textContent()).toBe(
      'How Immunotherapy is Transforming Leukemia Treatment',
    );
    expect(await page.locator('main h2').allTextContents()).toEqual(
      expect.arrayContaining(['CAR T-cell therapy', 'Questions to ask your care team']),
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'site-article-1280.png'), fullPage: true });
    await page.close();
  });

  it.each([375, 1280])(
    'shows an archive worth opening: this week so far, clearly labelled (%i px)',
    async (width) => {
      const page = await open(`${server.baseUrl}/archive`, width);

      expect(await page.getByRole('link', { name: 'This week so far' }).isVisible()).toBe(true);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.screenshot({
        path: path.join(SCREENSHOTS, `archive-fresh-start-${width}.png`),
        fullPage: true,
      });
      await page.getByRole('link', { name: 'This week so far' }).click();
      expect(await page.locator('h1').textContent()).toBe('This week so far');
      expect(await page.getByText('the edition is still growing').isVisible()).toBe(true);
      expect(await page.locator('main h2').count()).toBeGreaterThan(4);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.close();
    },
  );
});
