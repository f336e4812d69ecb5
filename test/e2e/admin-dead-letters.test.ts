import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'browser-dlq-token-0123456789abcdefghij';

/**
 * An operator redrives the send queue's dead letters in a real browser: sign in, read what is in
 * the dead-letter queue, move the send jobs back with one button, and the digest goes out; the
 * page passes axe's WCAG rules before and after.
 */
describe('an admin redrives the dead letters in a real browser', () => {
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
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  it('shows the dead letters, moves the send job back, leaves the poison and says so', async () => {
    await world.context.articles.upsert(
      aCandidate({ url: 'https://research.example.org/dlq/browser', topics: { 'car-t': 5 } }),
      new Date(Date.now() - 86_400_000),
    );
    const reader = newSubscriber(
      { email: world.email('dlq'), topics: ['car-t'], status: 'confirmed' },
      new Date(Date.now() - 60_000),
    );
    await world.context.subscribers.create(reader);
    await planDigestOnce(world.context, { ignoreSlot: true });
    const { sqs } = world.context.clients;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: world.queues.sendUrl, WaitTimeSeconds: 1 }),
    );
    for (const body of [Messages[0]!.Body!, '{"kind":"digest","version":1}']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: world.queues.deadLetterUrl, MessageBody: body }));
    }
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: world.queues.sendUrl,
        ReceiptHandle: Messages[0]!.ReceiptHandle!,
      }),
    );

    await page.goto(`${server.baseUrl}/admin`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    const before = await page.locator('main').textContent();
    const violationsBefore = await accessibilityViolations(page);
    await page.getByRole('button', { name: 'Move every job back to the send queue' }).click();
    await page.getByRole('status').waitFor();
    const notice = (await page.getByRole('status').textContent())?.replace(/\s+/g, ' ').trim();
    const violationsAfter = await accessibilityViolations(page);
    await drainSendQueue(world.context, world.queues.sendUrl);

    expect(before).toMatch(/2\s+in the dead-letter queue/);
    expect(before).toContain('poison');
    expect(violationsBefore).toEqual([]);
    expect(notice).toBe('Moved 1 job back to the send queue; 1 poison message left here.');
    expect(violationsAfter).toEqual([]);
    expect(
      (await sentEmails(world.endpoints.ses, world.isMine)).map((email) => email.destination.to[0]),
    ).toEqual([reader.email]);
  });
});
