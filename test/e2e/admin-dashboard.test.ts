import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { isoWeekOf } from '../../functions/core/list-health/reader-counts.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'browser-dashboard-token-0123456789abcdef';
/** Where the screenshots go (git-ignored); docs/screenshots/ keeps a committed copy. */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const DAY_MS = 86_400_000;

/**
 * The editors' dashboard in a real browser: sign in, the admin home shows the list's health with
 * its charts, passes axe's WCAG rules and fits a phone's width as well as a desktop's; the readers
 * page finds one reader by address.
 */
describe('the admin dashboard in a real browser', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl, ADMIN_TOKEN } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await mkdir(SCREENSHOTS, { recursive: true });

    const { context } = world;
    const now = new Date();
    const cast: [string, TopicId[]][] = [
      ['ana', ['car-t', 'melanoma']],
      ['ben', ['car-t']],
      ['cleo', ['leukemia', 'lung-cancer']],
      ['dan', ['melanoma']],
    ];
    for (const [name, topics] of cast) {
      await context.subscribers.create(
        newSubscriber(
          { email: world.email(name), topics, status: 'confirmed' },
          new Date(now.getTime() - 30 * DAY_MS),
          context.subscriberIds,
        ),
      );
    }
    // Weeks of history, as the planner would have left them.
    for (let back = 11; back >= 1; back -= 1) {
      const at = new Date(now.getTime() - back * 7 * DAY_MS);
      await context.weeklyCounts.put({
        week: isoWeekOf(at),
        takenAt: at.toISOString(),
        byState: {
          confirmed: 4 - Math.floor(back / 4),
          paused: 0,
          pending: 1,
          unsubscribed: 0,
          bounced: 0,
          complained: 0,
          erased: 0,
        },
        byTopic: { 'car-t': 2 },
      });
    }
    const lastWeek = `weekly-${isoWeekOf(new Date(now.getTime() - 7 * DAY_MS))}`;
    for (const name of ['ana', 'ben', 'cleo']) {
      const key = { digestId: lastWeek, subscriberId: context.subscriberIds.idFor(world.email(name)) };
      await context.ledger.claim(key, new Date(now.getTime() - 6 * DAY_MS), 60_000);
      await context.ledger.markSent(key, `m-${name}`, new Date(now.getTime() - 6 * DAY_MS));
    }
    const [failing] = context.sources.filter((source) => source.enabled);
    await context.sourceState.recordFailure(
      failing!.id,
      new Date(now.getTime() - DAY_MS),
      'HTTP 503 Service Unavailable',
    );
    await planDigestOnce(context, { dryRun: false });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  it('opens the dashboard after sign-in, axe clean, at 1280 and at 375 px', async () => {
    await page.goto(`${server.baseUrl}/admin`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

    const figures = await page.locator('.figures').textContent();
    expect(figures?.replace(/\s+/g, ' ')).toContain('4 confirmed readers');
    await expect.poll(() => page.getByRole('img', { name: /Confirmed readers per week/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /Digest emails per week/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: new RegExp(`${lastWeek()} 3 0 0 0`) }).count()).toBe(1);
    expect(await page.locator('main').textContent()).toContain('HTTP 503 Service Unavailable');
    // The planner's run is on the page.
    expect(await page.getByRole('table', { name: /Planner: the last 1 runs/ }).count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-dashboard-1280.png'), fullPage: true });

    await page.setViewportSize({ width: 375, height: 800 });
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const bodyWidth = await page.evaluate(() => document.body.scrollWidth);
    expect(bodyWidth).toBeLessThanOrEqual(375);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-dashboard-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('finds one reader by address on the readers page and suppresses them with a reason', async () => {
    await page.getByRole('link', { name: 'Find a reader' }).click();
    await page.getByRole('heading', { name: 'Find a reader', level: 1 }).waitFor();
    await page.getByLabel('Address').fill(world.email('dan'));
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: /Confirmed: gets the weekly digest/ }).waitFor();
    expect(page.url()).not.toContain('example.org');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Reason (kept in the audit)').fill('asked by support mail');
    await page.getByRole('button', { name: 'Suppress for good' }).click();
    await page.getByRole('status').waitFor();

    expect(await page.getByRole('status').textContent()).toContain('Done: suppressed.');
    expect(await page.locator('main').textContent()).toContain('“asked by support mail”');
    expect(await accessibilityViolations(page)).toEqual([]);
    const stored = await world.context.subscribers.get(world.context.subscriberIds.idFor(world.email('dan')));
    expect(stored?.status).toBe('complained');
  });
});

function lastWeek(): string {
  return `weekly-${isoWeekOf(new Date(Date.now() - 7 * DAY_MS))}`;
}
