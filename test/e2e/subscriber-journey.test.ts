import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type StoredEmail, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { ManualClock } from '../../testkit/fakes.ts';
import { storeArticles } from '../helpers/articles.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';

/** Where the screenshots go (git-ignored); docs/screenshots/ holds a committed copy. */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const WIDTHS = [375, 1280] as const;
const WEEK_MS = 7 * 86_400_000;

/**
 * The reader's whole journey in a real browser against the real app, served by @hono/node-server
 * on a loopback port, with DynamoDB, SES and SQS stand-ins behind it, and the digest run by the
 * real planner and send handler.
 */
describe('a reader subscribes, confirms, changes topics and leaves, in a real browser', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;
  let page: Page;
  // A Wednesday noon: the week-later run and the archive's "week is over" rule never straddle a week edge.
  const clock = new ManualClock(new Date('2026-11-25T12:00:00.000Z'));

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ clock, env: { SITE_URL: server.baseUrl } });
    server.mount(createApi(world.context, { clientIp: (c) => getConnInfo(c).remote.address ?? '127.0.0.1' }));
    browser = await launchChromium();
    // A reader in Lisbon: the subscribe page should pick that zone up from the browser.
    const context = await browser.newContext({
      timezoneId: 'Europe/Lisbon',
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  async function screenshots(name: string) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  const subscriberIdFor = (email: string) => world.context.subscriberIds.idFor(email);

  async function mailTo(address: string, subject: RegExp): Promise<StoredEmail[]> {
    return (await sentEmails(world.endpoints.ses, (to) => to === address)).filter((email) =>
      subject.test(email.subject),
    );
  }

  async function checkedTopics(): Promise<(string | null)[]> {
    const boxes = await page.locator('input[name="topics"]:checked').all();
    return Promise.all(boxes.map((box) => box.getAttribute('value')));
  }

  it('goes from the subscribe page to a three-topic digest, then one click stops every digest after it', async () => {
    const { context } = world;
    const email = world.email('journey');
    const now = clock.now();
    await storeArticles(
      context.articles,
      new Date(now.getTime() - 3600_000),
      { 'car-t': 4 },
      { melanoma: 4 },
      { 'lung-cancer': 4 },
      { autoimmune: 4 },
    );
    // Someone else who stays subscribed: proves the later digest run really sends.
    const stayer = newSubscriber(
      { email: world.email('stayer'), topics: ['car-t'], status: 'confirmed' },
      now,
      context.subscriberIds,
    );
    await context.subscribers.create(stayer);

    // The subscribe page: accessible, and the time zone defaulted from the browser.
    await page.goto(`${server.baseUrl}/`);
    expect(await page.inputValue('#timezone')).toBe('Europe/Lisbon');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshots('subscribe');

    // Fill it in with the keyboard where a keyboard user would.
    await page.focus('#email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('id')).toBe('topic-car-t');
    await page.keyboard.press('Space');
    await page.check('#topic-melanoma');
    await page.selectOption('#weekday', '3');
    await page.selectOption('#hour', '7');
    // The country is optional: "Prefer not to say" until the reader picks one, by its name.
    expect(await page.inputValue('#country')).toBe('');
    await page.getByLabel('Country (optional)').selectOption({ label: 'France' });
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');

    // The confirmation email (the sender takes it from the send queue), and its link.
    await drainSendQueue(context, world.queues.sendUrl);
    const [confirmation] = await mailTo(email, /^Confirm/);
    expect(confirmation).toBeDefined();
    const confirmLink = new RegExp(`${server.baseUrl}/confirm\\?token=[\\w.-]+`).exec(
      confirmation!.body.text!,
    )?.[0];
    expect(confirmLink).toBeDefined();
    // Opening the link (as a mail scanner would) confirms nothing; the reader presses the button.
    await page.goto(confirmLink!);
    expect(await page.locator('h1').textContent()).toBe('Confirm your subscription');
    expect(await context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshots('confirm');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('You are subscribed');
    const stored = await context.subscribers.get(subscriberIdFor(email));
    expect(stored).toMatchObject({
      status: 'confirmed',
      delivery: { weekday: 3, hour: 7, timeZone: 'Europe/Lisbon' },
      country: 'FR',
      consent: { topics: ['car-t', 'melanoma'] },
    });

    // The preference centre shows the two topics; the reader adds a third.
    await page.getByRole('link', { name: 'Review your preferences' }).click();
    expect(await checkedTopics()).toEqual(['car-t', 'melanoma']);
    expect(await page.inputValue('#country')).toBe('FR');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshots('preferences');
    await page.check('#topic-lung-cancer');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('Saved');
    expect(await checkedTopics()).toEqual(['car-t', 'melanoma', 'lung-cancer']);

    // The next digest, through the real planner and send handler: three sections.
    await planDigestOnce(context, { ignoreSlot: true });
    await drainSendQueue(context, world.queues.sendUrl);
    const [digest] = await mailTo(email, /^Your Immunotherapy Digest/);
    expect(digest).toBeDefined();
    expect(sectionHeadings(digest!.body.text!, context.topicLabels)).toEqual([
      'CAR-T & cell therapy',
      'Melanoma & skin cancers',
      'Lung cancer',
    ]);

    // One click, the way a mail client does it (RFC 8058).
    const unsubscribeUrl = /^<([^>]+)>/.exec(
      digest!.headers!.find((header) => header.name === 'List-Unsubscribe')!.value,
    )?.[1];
    const oneClick = await fetch(unsubscribeUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect((await context.subscribers.get(subscriberIdFor(email)))?.status).toBe('unsubscribed');

    // A week later, with new articles on all three topics: the next digest skips them.
    clock.advance(WEEK_MS);
    await storeArticles(context.articles, clock.now(), { 'car-t': 5 }, { melanoma: 5 }, { 'lung-cancer': 5 });
    await planDigestOnce(context, { ignoreSlot: true });
    await drainSendQueue(context, world.queues.sendUrl);
    expect(await mailTo(email, /^Your Immunotherapy Digest/)).toHaveLength(1);
    expect(await mailTo(stayer.email, /^Your Immunotherapy Digest/)).toHaveLength(2);

    // Last week is now an edition of the public archive.
    await page.goto(`${server.baseUrl}/archive`);
    expect(await page.locator('.edition-card').count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshots('archive');
    await page.getByRole('link', { name: 'Week of 23 November 2026' }).click();
    expect(await page.locator('main h2').allTextContents()).toEqual(
      expect.arrayContaining([
        'CAR-T & cell therapy',
        'Autoimmune disease',
        'Melanoma & skin cancers',
        'Lung cancer',
      ]),
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshots('edition');
  });

  it('subscribes and confirms without JavaScript', async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    const email = world.email('no-js');

    await plain.goto(`${server.baseUrl}/`);
    await plain.fill('#email', email);
    await plain.check('#topic-vaccines');
    await plain.getByRole('button', { name: 'Subscribe' }).click();

    expect(await plain.locator('h1').textContent()).toBe('Check your inbox');
    await drainSendQueue(world.context, world.queues.sendUrl);
    const [confirmation] = await mailTo(email, /^Confirm/);
    expect(confirmation).toBeDefined();
    const link = new RegExp(`${server.baseUrl}/confirm\\?token=[\\w.-]+`).exec(confirmation!.body.text!)?.[0];
    await plain.goto(link!);
    await plain.getByRole('button', { name: 'Confirm my subscription' }).click();
    expect(await plain.locator('h1').textContent()).toBe('You are subscribed');
    expect((await world.context.subscribers.get(subscriberIdFor(email)))?.status).toBe('confirmed');
    await noScript.close();
  });

  it('confirms nothing for a scanner that opens the link and runs its scripts', async () => {
    const scanner = await browser.newContext();
    const tab = await scanner.newPage();
    const email = world.email('scanned');
    await fetch(`${server.baseUrl}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, topics: 'access' }).toString(),
    });
    await drainSendQueue(world.context, world.queues.sendUrl);
    const [confirmation] = await mailTo(email, /^Confirm/);
    const link = new RegExp(`${server.baseUrl}/confirm\\?token=[\\w.-]+`).exec(confirmation!.body.text!)?.[0];

    // What a link-scanning gateway does: load the page, let its scripts run, wait, scroll, leave.
    await tab.goto(link!, { waitUntil: 'networkidle' });
    await tab.mouse.wheel(0, 800);
    await tab.waitForTimeout(1500);
    await scanner.close();

    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
    expect(await world.context.subscribers.getPending(subscriberIdFor(email), clock.now())).toBeDefined();
  });

  it('shows what is wrong next to the field, keeps what was typed, and reads well to axe', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.fill('#email', 'not-an-address');
    await page.getByRole('button', { name: 'Subscribe' }).click();

    expect(await page.locator('.error-summary').textContent()).toMatch(
      /Email address:.*valid email address/s,
    );
    expect(await page.locator('.error-summary').textContent()).toMatch(/Topics: choose at least one topic/);
    expect(await page.inputValue('#email')).toBe('not-an-address');
    expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
    expect(await page.locator(':focus').getAttribute('class')).toBe('error-summary');
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});

/** The topic headings of a digest's text part, in order: lines that are a topic label and little else. */
/** Section headings of the plain-text digest (written in capitals there), as topic labels. */
function sectionHeadings(text: string, labels: Readonly<Record<string, string>>): string[] {
  const byHeading = new Map(Object.values(labels).map((label) => [label.toUpperCase(), label]));
  return text
    .split('\n')
    .map((line) => line.replace(/^[\s=#*-]+|[\s=#*-]+$/g, ''))
    .flatMap((line) => (byHeading.has(line) ? [byHeading.get(line)!] : []));
}
