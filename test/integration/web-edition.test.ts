import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { aCandidate } from '../helpers/articles.ts';

/** "View in your browser": the web edition of a reader's digest, from the link in their email. */
describe('the web edition of a reader’s digest', () => {
  let world: TestWorld;
  let api: Hono;
  let viewLink: string;
  let emailHtml: string;
  let subscriberId: string;

  beforeAll(async () => {
    world = await createTestWorld();
    api = createApi(world.context, { clientIp: () => '192.0.2.83' });
    const { context } = world;
    const now = context.clock.now();
    const reader = newSubscriber(
      { email: world.email('viewer'), topics: ['car-t', 'lung-cancer'], status: 'confirmed' },
      now,
    );
    subscriberId = reader.subscriberId;
    await context.subscribers.create(reader);
    const hourAgo = new Date(now.getTime() - 3600_000);
    for (const [topics, title] of [
      [{ 'car-t': 6 }, 'CAR T cells in lupus: two-year follow-up'],
      [{ 'lung-cancer': 5 }, 'Durvalumab after chemoradiotherapy in small cell lung cancer'],
      [{ melanoma: 6 }, 'Not on this reader’s topics: melanoma'],
    ] as const) {
      await context.articles.upsert(
        aCandidate(topics, { title, publishedAt: hourAgo.toISOString() }),
        hourAgo,
      );
    }

    await planDigestOnce(context, { ignoreSlot: true });
    await drainSendQueue(context, world.queues.sendUrl);
    const [email] = await sentEmails(world.endpoints.ses, world.isMine);
    emailHtml = email!.body.html ?? '';
    const href = /<a href="([^"]+)"[^>]*>View in your browser<\/a>/
      .exec(emailHtml)![1]!
      .replaceAll('&amp;', '&');
    viewLink = href.slice(href.indexOf('/digest'));
  });

  afterAll(() => world.stop());

  it('is linked from the top of the email with a view token and the end of the digest’s window', () => {
    expect(viewLink).toMatch(/^\/digest\?token=v\.[\w-]+\.[\w-]+\.[\w-]+&until=\d{10}$/);
  });

  it('shows the email’s articles, in its words, as a page only the reader’s link opens', async () => {
    const response = await api.request(viewLink);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    for (const title of [
      'CAR T cells in lupus: two-year follow-up',
      'Durvalumab after chemoradiotherapy in small cell lung cancer',
    ]) {
      expect(emailHtml).toContain(title);
      expect(page).toContain(title);
    }
    expect(page).not.toContain('melanoma');
    expect(page).toContain('2 new articles this week on the topics you follow.');
    expect(page).toContain('Why you got this: you follow CAR-T &amp; cell therapy.');
    expect(page).toMatch(/on the topics you\s+follow\s+now \(CAR-T &amp; cell therapy, Lung cancer\)/);
  });

  it('opens with no other token, and says so with a way forward', async () => {
    const manage = world.context.tokens.issue('manage', subscriberId, world.context.clock.now());
    const response = await api.request(`/digest?token=${manage}`);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link to your digest does not work');
    expect((await api.request('/digest')).status).toBe(400);
  });

  it('refuses a cut window, and shows nothing once the reader has been forgotten', async () => {
    const token = new URL(viewLink, 'http://x').searchParams.get('token')!;

    expect((await api.request(`/digest?token=${token}&until=12ab`)).status).toBe(400);
    await world.context.subscribers.erase(subscriberId, world.context.clock.now());
    const gone = await api.request(viewLink);
    expect(gone.status).toBe(404);
    expect(await gone.text()).not.toContain('CAR T cells in lupus');
  });
});
