import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { SendRateLimiter } from '../../functions/ports/send-rate-limiter.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { storeArticles } from '../helpers/articles.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { ManualClock } from '../../testkit/fakes.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const DAY_MS = 86_400_000;

/**
 * Issue 15, findings 2, 7 and 8 and issue 14's rate-limiter sentence, over HTTP only: nothing a
 * stranger can do with an address undoes what its owner did (erasure, unsubscribe), old links die
 * with the subscription they belonged to, a mail scanner's GET confirms nothing, the ids in links
 * are keyed, the admin audit and the delivery ledger forget an erased reader, and account emails
 * wait for the send-rate limiter like every other email.
 */
describe('what a stranger cannot undo', () => {
  let world: TestWorld;
  let api: Hono;
  const clock = new ManualClock(new Date('2026-11-25T12:00:00.000Z'));
  let acquired = 0;
  const countingLimiter: SendRateLimiter = {
    acquire: async () => {
      acquired += 1;
    },
  };

  beforeAll(async () => {
    world = await createTestWorld({ clock, limiter: countingLimiter, env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '192.0.2.77' });
  });

  afterAll(() => world.stop());

  const form = (fields: [string, string][]) =>
    ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }) as const;

  /** Account emails go through the send queue: deliver whatever is on it, as the sender would. */
  const deliverQueued = () => drainSendQueue(world.context, world.queues.sendUrl);

  async function subscribe(email: string, topics: TopicId[]) {
    const response = await api.request(
      '/subscribe',
      form([['email', email], ...topics.map((t) => ['topics', t] as [string, string])]),
    );
    expect(response.status).toBe(202);
    await deliverQueued();
  }

  /** The path and query of the newest link to `path` mailed to `address`. */
  async function newestLink(address: string, path: '/confirm' | '/preferences'): Promise<string | undefined> {
    const mail = await sentEmails(world.endpoints.ses, (to) => to === address);
    for (const email of mail.reverse()) {
      const link = new RegExp(`https?://[^/\\s]+(${path}\\?token=[\\w.-]+)`).exec(email.body.text ?? '')?.[1];
      if (link) return link;
    }
    return undefined;
  }

  async function manageLink(address: string): Promise<string> {
    const response = await api.request('/manage', form([['email', address]]));
    expect(response.status).toBe(202);
    await deliverQueued();
    const link = await newestLink(address, '/preferences');
    expect(link, `a manage link mailed to ${address}`).toBeDefined();
    return link!;
  }

  /** Opens a confirmation link and, if the page asks for it, presses its one button. */
  async function confirmAsAPerson(link: string): Promise<Response> {
    const page = await api.request(link);
    const body = await page.text();
    const action = /<form method="post" action="(\/confirm[^"]*)"/.exec(body)?.[1];
    if (!action) return new Response(body, { status: page.status });
    const fields = [...body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
      ([, name, value]) => [name!, value!] as [string, string],
    );
    return api.request(action.replaceAll('&amp;', '&'), form(fields));
  }

  async function subscriberItems(): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await world.context.clients.documents.send(
      new ScanCommand({ TableName: world.context.config.tables.subscribers, ConsistentRead: true }),
    );
    return Items;
  }

  async function storedReader(local: string, status: SubscriberStatus, topics: TopicId[] = ['vaccines']) {
    const reader = newSubscriber(
      { email: world.email(local), topics, status },
      clock.now(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(reader);
    return reader;
  }

  const asJson = { headers: { accept: 'application/json' } };

  it('keeps an erased reader’s old manage link dead (410) after a stranger subscribes the address, and stores no address', async () => {
    const { email } = await storedReader('erased-then-subscribed', 'confirmed');
    const oldLink = await manageLink(email);
    const erased = await api.request(
      oldLink.replace('/preferences', '/preferences/delete'),
      form([['confirm', 'yes']]),
    );
    expect(erased.status).toBe(200);

    await subscribe(email, ['melanoma']);

    expect((await api.request(oldLink)).status).toBe(410);
    expect(JSON.stringify(await subscriberItems())).not.toContain(email);
  });

  it('leaves an unsubscribed reader’s status and topics as they are when a stranger subscribes the address', async () => {
    const { email } = await storedReader('left-then-subscribed', 'unsubscribed', ['vaccines']);
    const link = await manageLink(email);

    await subscribe(email, ['melanoma']);

    const view = await api.request(link, asJson);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ status: 'unsubscribed', topics: ['vaccines'] });
  });

  it('refuses an admin test send to an address that left, whatever a stranger’s subscribe did', async () => {
    const { email } = await storedReader('left-then-tested', 'unsubscribed');
    await subscribe(email, ['car-t']);

    const test = await api.request('/admin/sends', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        subject: 'Left alone',
        body: 'Hello.',
        audience: 'everyone',
        testTo: email,
        id: 'left-alone',
      }),
    });

    expect(test.status).toBe(400);
    // Refused for the address, not for the request's shape.
    expect(JSON.stringify(await test.json())).not.toMatch(/audience|topics/);
    expect(
      (await sentEmails(world.endpoints.ses, (to) => to === email)).map((mail) => mail.subject),
    ).not.toContain('[TEST] Left alone');
  });

  it('makes a confirmation link from before a re-subscription useless, so nobody is confirmed on choices they did not make with it', async () => {
    const email = world.email('subscribes-twice');
    await subscribe(email, ['car-t']);
    const first = await newestLink(email, '/confirm');
    clock.advance(DAY_MS + 60_000);
    await subscribe(email, ['melanoma']);
    const second = await newestLink(email, '/confirm');
    expect(second).not.toBe(first);

    const withFirst = await confirmAsAPerson(first!);
    expect(withFirst.status).toBe(400);

    const withSecond = await confirmAsAPerson(second!);
    expect(withSecond.status).toBe(200);
    const preferences = await api.request(await manageLink(email), asJson);
    expect(await preferences.json()).toMatchObject({ status: 'confirmed', topics: ['melanoma'] });
  });

  it('kills the manage links of a subscription once its reader unsubscribes', async () => {
    const { email } = await storedReader('unsubscribes', 'confirmed');
    const link = await manageLink(email);
    expect((await api.request(link)).status).toBe(200);

    const page = await (await api.request(link)).text();
    const unsubscribe =
      /action="(\/unsubscribe\?token=[^"]+)"/.exec(page)?.[1] ??
      /href="(\/unsubscribe\?token=[^"]+)"/.exec(page)?.[1];
    expect(unsubscribe).toBeDefined();
    const left = await api.request(
      unsubscribe!.replaceAll('&amp;', '&'),
      form([['List-Unsubscribe', 'One-Click']]),
    );
    expect(left.status).toBe(200);

    expect((await api.request(link)).status).toBe(410);
  });

  it('confirms nothing when a mail scanner opens the confirmation link, and confirms when the person presses the button', async () => {
    const email = world.email('scanned-confirmation');
    await subscribe(email, ['access']);
    const link = await newestLink(email, '/confirm');

    const scans = await Promise.all([
      api.request(link!),
      api.request(link!, { method: 'HEAD' }),
      api.request(link!),
    ]);
    expect(scans.map((scan) => scan.status)).toEqual([200, 200, 200]);
    expect(JSON.stringify(await subscriberItems())).not.toMatch(
      /"status":"confirmed"[^}]*scanned-confirmation/,
    );
    const notYet = await api.request('/manage', form([['email', email]]));
    expect(notYet.status).toBe(202);

    const pressed = await confirmAsAPerson(link!);
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('You are subscribed');
  });

  it('puts no unkeyed hash of the address in the links it mails', async () => {
    const { email } = await storedReader('keyed-id', 'confirmed');
    const unkeyed = createHash('sha256')
      .update(`immuno-digest:subscriber:${email}`)
      .digest('base64url')
      .slice(0, 32);

    const link = await manageLink(email);

    expect(link).not.toContain(unkeyed);
  });

  it('keeps no test address in clear in the admin-send audit', async () => {
    const tester = world.email('audited-tester');
    const response = await api.request('/admin/sends', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        subject: 'Audit me',
        body: 'Hello.',
        audience: 'everyone',
        testTo: tester,
        id: 'audit-me',
      }),
    });
    expect(response.status).toBe(200);

    const { Items = [] } = await world.context.clients.documents.send(
      new ScanCommand({ TableName: world.context.config.tables.state, ConsistentRead: true }),
    );
    expect(JSON.stringify(Items)).toContain('audit-me');
    expect(JSON.stringify(Items)).not.toContain(tester);
  });

  it('exports the reader’s delivery-ledger rows, and anonymises them when the reader is erased', async () => {
    const reader = await storedReader('ledgered', 'confirmed', ['car-t']);
    await storeArticles(world.context.articles, new Date(clock.now().getTime() - 3600_000), { 'car-t': 5 });
    await planDigestOnce(world.context, { ignoreSlot: true });
    await deliverQueued();
    const [digest] = (await sentEmails(world.endpoints.ses, (to) => to === reader.email)).filter((mail) =>
      mail.subject.startsWith('Your Immunotherapy Digest'),
    );
    expect(digest).toBeDefined();
    const link = await manageLink(reader.email);

    const exported = JSON.stringify(
      await (await api.request(link.replace('/preferences', '/preferences/data'))).json(),
    );
    expect(exported).toContain(digest!.messageId);
    const ledgerRows = async () =>
      (
        await world.context.clients.documents.send(
          new ScanCommand({ TableName: world.context.config.tables.deliveries, ConsistentRead: true }),
        )
      ).Items ?? [];
    const readerId = (await ledgerRows()).find((row) => row.messageId === digest!.messageId)?.subscriberId;
    expect(readerId).toBeDefined();

    await api.request(link.replace('/preferences', '/preferences/delete'), form([['confirm', 'yes']]));

    const after = await ledgerRows();
    expect(after.some((row) => String(row.digestId).startsWith('weekly-'))).toBe(true);
    expect(JSON.stringify(after)).not.toContain(digest!.messageId);
    expect(after.filter((row) => row.subscriberId === readerId)).toEqual([]);
  });

  it('sends confirmation and manage-link emails through the send-rate limiter', async () => {
    const before = acquired;
    const email = world.email('rate-limited');

    await subscribe(email, ['vaccines']);

    expect(await sentEmails(world.endpoints.ses, (to) => to === email)).toHaveLength(1);
    expect(acquired - before).toBeGreaterThanOrEqual(1);
  });
});
