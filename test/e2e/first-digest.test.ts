import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { ManualClock } from '../../testkit/fakes.ts';
import { storeArticles } from '../helpers/articles.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { launchChromium } from '../helpers/browser.ts';

/**
 * Issue 14, finding 2, as a new reader meets it: subscribe on a Friday in a real browser with the
 * default slot (Monday 08:00, in the zone the browser reports), confirm, and watch the real
 * planner and send handler run hour after hour on a fake clock. The pages name that Monday, and
 * nothing comes before it.
 */
describe('a reader who subscribes on a Friday with the default Monday 08:00 slot', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;
  // Friday 4 December 2026, 12:30 in Paris (11:30 UTC).
  const clock = new ManualClock(new Date('2026-12-04T11:30:00.000Z'));

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ clock, env: { SITE_URL: server.baseUrl } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    browser = await launchChromium();
    const context = await browser.newContext({
      timezoneId: 'Europe/Paris',
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  async function digestsTo(address: string) {
    return (await sentEmails(world.endpoints.ses, (to) => to === address)).filter((email) =>
      email.subject.startsWith('Your Immunotherapy Digest'),
    );
  }

  /** One scheduled planner run at `iso`, and the send queue drained behind it, as in the cloud. */
  async function plannerRunsAt(iso: string) {
    clock.set(iso);
    const summary = await planDigestOnce(world.context);
    await drainSendQueue(world.context, world.queues.sendUrl);
    return summary;
  }

  it('gets nothing until Monday 08:00 in Paris, then exactly one digest, as the pages said', async () => {
    // Prepare: this week's articles on the reader's topic are already in.
    const email = world.email('friday');
    await storeArticles(
      world.context.articles,
      new Date('2026-12-03T09:00:00.000Z'),
      { melanoma: 5 },
      { melanoma: 4 },
    );

    // Subscribe with the defaults: Monday, 08:00, and the browser's zone.
    await page.goto(`${server.baseUrl}/`);
    expect(await page.inputValue('#timezone')).toBe('Europe/Paris');
    expect(await page.inputValue('#weekday')).toBe('1');
    expect(await page.inputValue('#hour')).toBe('8');
    await page.fill('#email', email);
    await page.check('#topic-melanoma');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');

    // The confirmation email says when the first digest comes if they confirm in time …
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    expect(confirmation!.body.text).toContain(
      'Your first digest arrives on Monday 7 December at 08:00 (Europe/Paris) if you confirm before then',
    );
    const confirmLink = new RegExp(`${server.baseUrl}/confirm\\?token=[\\w.-]+`).exec(
      confirmation!.body.text!,
    )?.[0];

    // … and they confirm ten minutes later: the page names that Monday.
    clock.set('2026-12-04T11:40:00.000Z');
    await page.goto(confirmLink!);
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');
    expect(await page.getByRole('status').textContent()).toContain(
      'Your first digest arrives on Monday 7 December at 08:00 (Europe/Paris).',
    );

    // Act and assess: the planner runs on Friday 13:00, over the weekend and at 07:59 on Monday.
    for (const at of [
      '2026-12-04T12:00:00.000Z', // Friday 13:00 in Paris: the bug sent the first digest here
      '2026-12-04T23:00:00.000Z', // Saturday 00:00
      '2026-12-05T11:00:00.000Z', // Saturday noon
      '2026-12-06T11:00:00.000Z', // Sunday noon
      '2026-12-06T22:59:00.000Z', // Sunday 23:59
      '2026-12-07T06:59:00.000Z', // Monday 07:59
    ]) {
      const summary = await plannerRunsAt(at);
      expect(summary.due, at).toBe(0);
      expect(await digestsTo(email), at).toHaveLength(0);
    }

    // Monday 08:00 in Paris: one digest, and a later run that day sends no second one.
    const monday = await plannerRunsAt('2026-12-07T07:00:00.000Z');
    await plannerRunsAt('2026-12-07T08:00:00.000Z');

    expect(monday.planned).toBe(1);
    const digests = await digestsTo(email);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.body.text).toContain('MELANOMA & SKIN CANCERS');
  });
});
