import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { newSubscriber, subscriberIdFor } from '../../functions/core/subscribers/subscriber.ts';
import { createTokenService, type TokenPurpose } from '../../functions/core/tokens/tokens.ts';
import { rawSubscriberItem } from '../helpers/raw-items.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { FakeRequestCounter, ManualClock } from '../../testkit/fakes.ts';

/**
 * What an attacker can try against the public API: enumerating readers, mail-bombing an address,
 * forging links, and making a mail scanner's GET change something.
 */
describe('the public API under abuse', () => {
  let world: TestWorld;
  let api: Hono;
  const clientIp = '198.51.100.1';

  beforeAll(async () => {
    world = await createTestWorld();
    // The per-IP limit is tested on its own below. Here it must not hide what the per-address rules
    // do, so its counter is an in-memory one with room for every request (and no stand-in round trip).
    const unlimited = { ...world.context.config.api, rateLimitPerIp: 1_000_000 };
    api = createApi(
      {
        ...world.context,
        config: { ...world.context.config, api: unlimited },
        requestCounter: new FakeRequestCounter(),
      },
      { clientIp: () => clientIp },
    );
  });

  afterAll(() => world.stop());

  const post = async (path: string, body: string, type = 'application/x-www-form-urlencoded') =>
    api.request(path, { method: 'POST', headers: { 'content-type': type }, body });

  const subscribeForm = (email: string, topic = 'access') =>
    new URLSearchParams([
      ['email', email],
      ['topics', topic],
    ]).toString();

  async function readerIn(status: 'pending' | 'confirmed' | 'unsubscribed' | 'bounced', local: string) {
    const subscriber = newSubscriber({ email: world.email(local), topics: ['access'], status }, new Date());
    await world.context.subscribers.create(subscriber);
    return subscriber;
  }

  it('answers a subscription identically, form or JSON, whatever state the address is in', async () => {
    const addresses = [
      world.email('enum-new'),
      (await readerIn('pending', 'enum-pending')).email,
      (await readerIn('confirmed', 'enum-confirmed')).email,
      (await readerIn('unsubscribed', 'enum-left')).email,
      (await readerIn('bounced', 'enum-bounced')).email,
    ];

    const forms: string[] = [];
    const jsons: string[] = [];
    for (const email of addresses) {
      const form = await post('/subscribe', subscribeForm(email));
      forms.push(`${form.status} ${await form.text()}`);
      const json = await post(
        '/subscribe',
        JSON.stringify({ email, topics: ['access'] }),
        'application/json',
      );
      jsons.push(`${json.status} ${await json.text()}`);
    }

    expect(new Set(forms).size).toBe(1);
    expect(forms[0]).toMatch(/^202 /);
    expect(new Set(jsons).size).toBe(1);
    expect(JSON.parse(jsons[0]!.slice(4))).toMatchObject({ status: 'accepted' });
  });

  it('answers "email me a manage link" identically for every state, and for addresses it never saw', async () => {
    const addresses = [
      world.email('manage-unknown'),
      (await readerIn('pending', 'manage-pending')).email,
      (await readerIn('confirmed', 'manage-confirmed')).email,
      (await readerIn('unsubscribed', 'manage-left')).email,
      (await readerIn('bounced', 'manage-bounced')).email,
    ];

    const answers = new Set<string>();
    for (const email of addresses) {
      const response = await post('/manage', new URLSearchParams({ email }).toString());
      answers.add(`${response.status} ${await response.text()}`);
    }

    expect(answers.size).toBe(1);
    expect([...answers][0]).toMatch(/^202 /);
  });

  it('sends one confirmation email, at most, for 1,000 subscription requests for one address', async () => {
    const victim = world.email('bombed');
    const spellings = [victim, victim.toUpperCase(), `  ${victim}  `];
    const statuses = new Map<number, number>();

    for (let batch = 0; batch < 1000; batch += 50) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          post('/subscribe', subscribeForm(spellings[(batch + index) % spellings.length]!, 'vaccines')),
        ),
      );
      for (const response of responses)
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }

    expect(Object.fromEntries(statuses)).toEqual({ 202: 1000 });
    expect(await sentEmails(world.endpoints.ses, (to) => to === victim)).toHaveLength(1);
  });

  it('sends one manage link, at most, for 200 requests for one confirmed address', async () => {
    const reader = await readerIn('confirmed', 'manage-bombed');

    for (let batch = 0; batch < 200; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          post('/manage', new URLSearchParams({ email: reader.email }).toString()),
        ),
      );
    }

    const mail = await sentEmails(world.endpoints.ses, (to) => to === reader.email);
    expect(mail.map((email) => email.subject)).toEqual(['Your Immunotherapy Digest manage link']);
  });

  it('accepts none of 10,000 mutated tokens and never answers 5xx', async () => {
    const reader = await readerIn('confirmed', 'forged');
    const before = await rawSubscriberItem(world.context, reader.subscriberId);
    const { tokens, clock } = world.context;
    const genuine: Record<TokenPurpose, string> = {
      confirm: tokens.issue('confirm', reader.subscriberId, clock.now()),
      manage: tokens.issue('manage', reader.subscriberId, clock.now()),
      unsubscribe: tokens.issue('unsubscribe', reader.subscriberId, clock.now()),
      view: tokens.issue('view', reader.subscriberId, clock.now()),
    };
    const endpoints: { purpose: TokenPurpose; method: 'GET' | 'POST'; path: string; body?: string }[] = [
      { purpose: 'confirm', method: 'GET', path: '/confirm' },
      { purpose: 'manage', method: 'GET', path: '/preferences' },
      { purpose: 'manage', method: 'POST', path: '/preferences', body: 'topics=car-t&weekday=2' },
      { purpose: 'manage', method: 'GET', path: '/preferences/data' },
      { purpose: 'manage', method: 'POST', path: '/preferences/pause', body: '' },
      { purpose: 'manage', method: 'POST', path: '/preferences/delete', body: 'confirm=yes' },
      { purpose: 'unsubscribe', method: 'GET', path: '/unsubscribe' },
      { purpose: 'unsubscribe', method: 'POST', path: '/unsubscribe', body: 'List-Unsubscribe=One-Click' },
      { purpose: 'view', method: 'GET', path: '/digest' },
    ];
    const otherSecret = createTokenService('another-secret-that-is-long-enough-0000');
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.nat(),
        mutation(),
        async (endpoint, seed, mutate) => {
          const original = genuine[endpoint.purpose];
          const forged = mutate(original, seed, { genuine, otherSecret, subscriberId: reader.subscriberId });
          fc.pre(forged !== original);
          const response = await api.request(`${endpoint.path}?token=${encodeURIComponent(forged)}`, {
            method: endpoint.method,
            ...(endpoint.body === undefined
              ? {}
              : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: endpoint.body }),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          return response.status === 400;
        },
      ),
      { numRuns: 10_000, seed: 5 },
    );

    expect([...statuses.keys()]).toEqual([400]);
    expect(await rawSubscriberItem(world.context, reader.subscriberId)).toEqual(before);
  });

  it('changes nothing on GET /unsubscribe, however often a mail scanner opens it', async () => {
    const reader = await readerIn('confirmed', 'scanned');
    const link = `/unsubscribe?token=${world.context.tokens.issue('unsubscribe', reader.subscriberId, new Date())}`;
    const before = await rawSubscriberItem(world.context, reader.subscriberId);

    const responses = await Promise.all([
      ...Array.from({ length: 20 }, () => api.request(link)),
      api.request(link, { method: 'HEAD' }),
      api.request(`${link}&List-Unsubscribe=One-Click`),
    ]);

    expect(responses.map((response) => response.status)).toEqual(Array(22).fill(200));
    expect(await rawSubscriberItem(world.context, reader.subscriberId)).toEqual(before);
    const page = await api.request(link);
    expect(await page.text()).toMatch(/<form method="post" action="\/unsubscribe\?token=/);
  });
});

describe('the per-IP limit on requests that send mail', () => {
  let world: TestWorld;
  let api: Hono;
  const clock = new ManualClock(new Date('2026-11-25T12:00:00.000Z'));
  let clientIp = '203.0.113.10';

  beforeAll(async () => {
    world = await createTestWorld({
      clock,
      env: { API_RATE_LIMIT_PER_IP: '3', API_RATE_LIMIT_WINDOW_SECONDS: '600' },
    });
    api = createApi(world.context, { clientIp: () => clientIp });
  });

  afterAll(() => world.stop());

  const subscribe = (local: string) =>
    api.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: world.email(local), topics: ['melanoma'] }),
    });

  it('answers 429 with Retry-After once an IP has used its budget, across subscribe and manage-link requests', async () => {
    const allowed = [
      await subscribe('ip-1'),
      await subscribe('ip-2'),
      await api.request('/manage', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=${encodeURIComponent(world.email('ip-3'))}`,
      }),
    ];
    const refused = await subscribe('ip-4');

    expect(allowed.map((response) => response.status)).toEqual([202, 202, 202]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(await world.context.subscribers.get(subscriberIdFor(world.email('ip-4')))).toBeUndefined();
  });

  it('counts each IP on its own, and opens again in the next window', async () => {
    clientIp = '203.0.113.99';
    expect((await subscribe('other-ip')).status).toBe(202);

    clientIp = '203.0.113.10';
    expect((await subscribe('still-limited')).status).toBe(429);
    clock.advance(600_000);
    expect((await subscribe('next-window')).status).toBe(202);
  });

  it('shows a browser a page that says when to try again', async () => {
    clock.advance(600_000);
    for (let request = 0; request < 3; request += 1) await subscribe(`page-${request}`);

    const refused = await api.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=someone%40example.org&topics=access',
    });

    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/Please try again in \d+ minutes?/);
  });
});

type Mutator = (
  token: string,
  seed: number,
  help: {
    genuine: Record<TokenPurpose, string>;
    otherSecret: ReturnType<typeof createTokenService>;
    subscriberId: string;
  },
) => string;

/** Ways to damage or forge a token: each keeps most of a real one, which is what makes them dangerous. */
function mutation(): fc.Arbitrary<Mutator> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%~ \u00e9\u{1F600}';
  const char = (seed: number) => [...alphabet][seed % [...alphabet].length]!;
  const at = (token: string, seed: number) => seed % (token.length + 1);
  return fc.constantFrom<Mutator>(
    // Replace, insert or delete one character.
    (token, seed) => {
      const index = at(token, seed) % token.length;
      return token.slice(0, index) + char(seed >> 3) + token.slice(index + 1);
    },
    (token, seed) => token.slice(0, at(token, seed)) + char(seed >> 3) + token.slice(at(token, seed)),
    (token, seed) => {
      const index = at(token, seed) % token.length;
      return token.slice(0, index) + token.slice(index + 1);
    },
    // Cut short, as a mail client wrapping a long line does.
    (token, seed) => token.slice(0, at(token, seed) % token.length),
    // Another purpose, subject or expiry with the original signature.
    (token, seed) => {
      const [, subject, expiry, signature] = token.split('.');
      return [['c', 'm', 'u', 'x'][seed % 4], subject, expiry, signature].join('.');
    },
    (token, seed) => {
      const [purpose, , expiry, signature] = token.split('.');
      return [
        purpose,
        `${seed.toString(36)}AAAAAAAAAAAAAAAAAAAAAAAAAAAAA`.slice(0, 32),
        expiry,
        signature,
      ].join('.');
    },
    (token, seed) => {
      const [purpose, subject, , signature] = token.split('.');
      return [purpose, subject, (seed + 1_900_000_000).toString(36), signature].join('.');
    },
    // A genuine token of another purpose, or one signed with another secret.
    (token, seed, help) => {
      const others = Object.values(help.genuine).filter((other) => other !== token);
      return others[seed % others.length]!;
    },
    (token, _seed, help) => {
      const purpose = ({ c: 'confirm', m: 'manage', u: 'unsubscribe' } as const)[token[0] as 'c' | 'm' | 'u'];
      return help.otherSecret.issue(purpose, help.subscriberId, new Date());
    },
    // Case games and padding.
    (token) => token.toUpperCase(),
    (token, seed) => (seed % 2 === 0 ? ` ${token}` : `${token}=`),
  );
}
