import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';

describe('subscribe, confirm, manage and leave over the HTTP API', () => {
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld();
    api = createApi(world.context, { clientIp: () => '203.0.113.7' });
  });

  afterAll(() => world.stop());

  const subscriberIdFor = (email: string) => world.context.subscriberIds.idFor(email);

  const form = (fields: [string, string][]) =>
    ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }) as const;

  it('answers the subscribe page with every topic and its description', async () => {
    const response = await api.request('/');
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toMatch(/name="topics"\s+value="car-t"/);
    expect(page).toContain('Cost, access &amp; logistics');
  });

  it('takes a form subscription, stores it pending and mails a confirmation link that confirms it', async () => {
    const email = world.email('reader');
    const response = await api.request(
      '/subscribe',
      form([
        ['email', email],
        ['topics', 'car-t'],
        ['topics', 'melanoma'],
        ['weekday', '3'],
        ['hour', '7'],
        ['timezone', 'Europe/Lisbon'],
      ]),
    );

    expect(response.status).toBe(202);
    // The request waits on the send queue; the sender stores it pending and mails the confirmation.
    await drainSendQueue(world.context, world.queues.sendUrl);
    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
    const pending = await world.context.subscribers.getPending(subscriberIdFor(email), new Date());
    expect(pending).toMatchObject({
      topics: ['car-t', 'melanoma'],
      delivery: { weekday: 3, hour: 7, timeZone: 'Europe/Lisbon' },
    });

    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    expect(confirmation?.subject).toBe('Confirm your Immunotherapy Digest subscription');
    const link = /http:\/\/localhost:3000(\/confirm\?token=[\w.-]+)/.exec(confirmation!.body.text!)?.[1];
    expect(link).toBeDefined();

    // Opening the link shows one button; pressing it (a POST with the page's form proof) confirms.
    const page = await api.request(link!);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Confirm my subscription');
    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
    const proof = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    const confirmed = await api.request(link!, form([['csrf', proof!]]));
    expect(confirmed.status).toBe(200);
    const after = await world.context.subscribers.get(subscriberIdFor(email));
    expect(after?.status).toBe('confirmed');
    expect(after?.consent).toMatchObject({
      topics: ['car-t', 'melanoma'],
      wordingVersion: expect.any(String),
    });
    expect(after?.consent?.ipHash).not.toContain('203.0.113.7');
  });

  it('rejects a bad request with 400, says what is wrong, and stores nothing', async () => {
    const email = world.email('bad');
    const response = await api.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, topics: ['not-a-topic'] }),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: string[] };
    expect(body.error).toBe('invalid_request');
    expect(body.issues.join(' ')).toMatch(/topics/);
    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
  });

  it('changes topics from a manage link, and unsubscribes only on POST', async () => {
    const email = world.email('manager');
    const reader = newSubscriber(
      { email, topics: ['vaccines'], status: 'confirmed' },
      new Date(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(reader);
    const id = reader.subscriberId;
    const now = world.context.clock.now();
    const manage = world.context.tokens.issue('manage', reader, now);
    const leave = world.context.tokens.issue('unsubscribe', reader, now);

    const page = await api.request(`/preferences?token=${manage}`);
    expect(await page.text()).toMatch(/value="vaccines"\s+checked/);
    const saved = await api.request(
      `/preferences?token=${manage}`,
      form([
        ['topics', 'vaccines'],
        ['topics', 'autoimmune'],
        ['weekday', '5'],
        ['hour', '18'],
        ['timezone', 'UTC'],
      ]),
    );
    expect(saved.status).toBe(303);
    expect((await world.context.subscribers.get(id))?.topics).toEqual(['vaccines', 'autoimmune']);

    const shown = await api.request(`/unsubscribe?token=${leave}`);
    expect(shown.status).toBe(200);
    expect((await world.context.subscribers.get(id))?.status).toBe('confirmed');

    const oneClick = await api.request(
      `/unsubscribe?token=${leave}`,
      form([['List-Unsubscribe', 'One-Click']]),
    );
    expect(oneClick.status).toBe(200);
    expect((await world.context.subscribers.get(id))?.status).toBe('unsubscribed');
    const again = await api.request(`/unsubscribe?token=${leave}`, form([['List-Unsubscribe', 'One-Click']]));
    expect(again.status).toBe(200);
  });

  it('answers a tampered or wrong-purpose token with a clear 400 page, never a 500', async () => {
    const id = subscriberIdFor(world.email('victim'));
    const manage = world.context.tokens.issue('manage', { subscriberId: id, instance: 'any' }, new Date());

    const tampered = await api.request(`/preferences?token=${manage.slice(0, -2)}xx`);
    const wrongPurpose = await api.request(`/unsubscribe?token=${manage}`);

    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('This link does not work');
    expect(wrongPurpose.status).toBe(400);
  });
});
