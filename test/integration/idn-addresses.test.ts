import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.ts';
import { NON_ASCII_MAILBOX } from '../../functions/core/subscribers/email-address.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';

/** Internationalised addresses over HTTP, with the SES stand-in: the domain goes out in ASCII. */
describe('subscribing with an internationalised address', () => {
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld();
    api = createApi(world.context, { clientIp: () => '203.0.113.41' });
  });

  afterAll(() => world.stop());

  const subscribe = (email: string) =>
    api.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, topics: ['car-t'] }),
    });

  it('mails the confirmation to the punycode domain and stores the reader under it', async () => {
    const mailbox = world.email('ana').split('@')[0]!;
    const response = await subscribe(`${mailbox}@bücher.example`);

    expect(response.status).toBe(202);
    const ascii = `${mailbox}@xn--bcher-kva.example`;
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === ascii);
    expect(confirmation?.subject).toBe('Confirm your Immunotherapy Digest subscription');
    const stored = await world.context.subscribers.get(subscriberIdFor(ascii));
    expect(stored).toMatchObject({ status: 'pending', email: ascii });
  });

  it('refuses a mailbox name outside ASCII with 400 saying why, and mails nobody', async () => {
    const mailbox = world.email('josé').split('@')[0]!;
    const response = await subscribe(`${mailbox}@example.org`);

    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain(NON_ASCII_MAILBOX);
    expect(await world.context.subscribers.get(subscriberIdFor(`${mailbox}@example.org`))).toBeUndefined();
    expect(await sentEmails(world.endpoints.ses, (to) => to.startsWith(mailbox))).toHaveLength(0);
  });
});
