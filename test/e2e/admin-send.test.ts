import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';

const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdefgh';
/** Where the screenshots go (git-ignored). */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');

/**
 * An editor's one-off send in a real browser: sign in with the admin token, compose, preview with
 * the audience counted, send a test, review, confirm, and follow the send to its counts, against
 * the real app on a loopback port with the stand-ins and the real send handler behind it.
 */
describe('an admin composes, tests and sends an announcement in a real browser', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl, ADMIN_TOKEN } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    const cast: [string, TopicId[]][] = [
      ['ana', ['car-t']],
      ['ben', ['car-t', 'melanoma']],
      ['cleo', ['melanoma']],
    ];
    for (const [name, topics] of cast) {
      await world.context.subscribers.create(
        newSubscriber(
          { email: world.email(name), topics, status: 'confirmed' },
          new Date(Date.now() - 60_000),
          world.context.subscriberIds,
        ),
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

  const mine = async (subject: string) =>
    (await sentEmails(world.endpoints.ses, world.isMine))
      .filter((email) => email.subject.endsWith(subject))
      .map((email) => [email.subject, ...email.destination.to]);

  it('signs in, previews with the audience, sends a test to one address only, then sends after the confirm step', async () => {
    const subject = 'A new CAR-T approval';
    const editor = world.email('editor');

    // Sign in: the admin page answers 401 with the sign-in form until the token is given.
    const first = await page.goto(`${server.baseUrl}/admin`);
    expect(first?.status()).toBe(401);
    await page.getByLabel('Admin token').fill('not the token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the admin token');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The admin home is the dashboard; composing is one link away.
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await page.getByRole('heading', { name: 'Compose an announcement' }).waitFor();

    // Compose and preview: the audience is counted and the email shows in the page.
    await page.getByLabel('Subject').fill(subject);
    await page
      .getByLabel('Body', { exact: true })
      .fill('The regulator approved a **new** CAR-T therapy today.');
    await page.getByRole('checkbox', { name: 'CAR-T' }).check();
    await page.getByLabel('Test address').fill(editor);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Preview' }).waitFor();
    expect(await page.getByRole('list', { name: 'Audience' }).textContent()).toMatch(/2\s+readers in all/);
    const preview = page.frameLocator('iframe.preview-frame');
    await expect.poll(() => preview.locator('strong', { hasText: 'new' }).count()).toBeGreaterThan(0);
    expect(await preview.getByRole('link', { name: /unsubscribe/i }).count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-compose-preview.png'), fullPage: true });
    await page
      .locator('iframe.preview-frame')
      .screenshot({ path: path.join(SCREENSHOTS, 'admin-preview-frame.png') });

    // The test send reaches the test address only.
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain(`Test sent to ${editor}`);
    expect(await mine(subject)).toEqual([[`[TEST] ${subject}`, editor]]);

    // The confirm step: it knows this content was tested, and will not send without the box ticked.
    await page.getByRole('button', { name: 'Review and send…' }).click();
    await page.getByRole('heading', { name: 'Send this announcement?' }).waitFor();
    // The audit keeps the keyed id of the test address, never the address itself.
    expect(await page.locator('main').textContent()).toContain(
      `This exact content was test-sent (to address id ${world.context.subscriberIds.idFor(editor).slice(0, 8)})`,
    );
    await page.getByRole('button', { name: 'Send to 2 readers' }).click();
    expect(page.url()).not.toMatch(/\/admin\/sends\//);
    expect(await mine(subject)).toHaveLength(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-review.png'), fullPage: true });
    await page.getByLabel(/I checked the preview/).check();
    await page.getByRole('button', { name: 'Send to 2 readers' }).click();
    await page.waitForURL(/\/admin\/sends\/[a-z0-9-]+$/);

    // The sender mails it; the send's page and the list of past sends show the counts.
    await drainSendQueue(world.context, world.queues.sendUrl);
    await page.reload();
    expect(await page.getByRole('list', { name: 'Progress' }).textContent()).toMatch(/2\s+sent/);
    const delivered = (await mine(subject)).filter(([sentSubject]) => sentSubject === subject);
    expect(delivered.map(([, to]) => to).sort()).toEqual([world.email('ana'), world.email('ben')].sort());
    await page.goto(`${server.baseUrl}/admin/sends`);
    const row = page.getByRole('row', { name: new RegExp(subject) });
    expect((await row.getByRole('cell').allTextContents()).map((cell) => cell.trim())).toEqual(
      expect.arrayContaining(['2', '0', '1']),
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-past-sends.png'), fullPage: true });
  });
});
