import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseFeed } from '@rowanmanning/feed-parser';
import { createApi } from '../../functions/api/app.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { ManualClock } from '../../testkit/fakes.ts';
import { aCandidate, storeArticles } from '../helpers/articles.ts';

describe('the public archive of weekly editions', () => {
  let world: TestWorld;
  let api: Hono;
  // Thursday of ISO week 2026-W49: W48 is the newest published edition.
  const clock = new ManualClock(new Date('2026-12-03T12:00:00.000Z'));

  beforeAll(async () => {
    world = await createTestWorld({ clock });
    api = createApi(world.context, { clientIp: () => '192.0.2.80' });
    const { articles } = world.context;
    await storeArticles(
      articles,
      new Date('2026-11-24T09:00:00Z'),
      { 'car-t': 6 },
      { 'car-t': 3 },
      { melanoma: 4 },
    );
    await storeArticles(articles, new Date('2026-11-10T09:00:00Z'), { access: 4 });
    await storeArticles(articles, new Date('2026-12-01T09:00:00Z'), { vaccines: 4 }); // this week: not out yet
    await articles.upsert(
      aCandidate(
        { autoimmune: 5 },
        {
          title: 'Lupus & <script>alert("x")</script> trial',
          url: 'javascript:alert(1)',
          summary: 'Summary with <b>markup</b> & an \u0007 control character.',
        },
      ),
      new Date('2026-11-25T09:00:00Z'),
    );
  });

  afterAll(() => world.stop());

  it('lists finished weeks that have articles, newest first, with their topics', async () => {
    const response = await api.request('/archive');
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=900');
    expect([...page.matchAll(/href="\/archive\/(\d{4}-W\d{2})"/g)].map((match) => match[1])).toEqual([
      '2026-W48',
      '2026-W46',
    ]);
    expect(page).toContain('CAR-T &amp; cell therapy (2)');
  });

  it('shows an edition with its articles by topic, escaping whatever a feed put in them', async () => {
    const response = await api.request('/archive/2026-W48');
    const page = await response.text();

    expect(response.status).toBe(200);
    expect([...page.matchAll(/<h2 id="topic-([\w-]+)"/g)].map((match) => match[1])).toEqual([
      'car-t',
      'autoimmune',
      'melanoma',
    ]);
    expect(page).toContain('Lupus &amp; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; trial');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('javascript:');
  });

  it.each([
    ['this week, not over yet', '2026-W49'],
    ['a week with no articles', '2026-W47'],
    ['a week that does not exist', '2026-W60'],
    ['something that is not a week', 'latest'],
  ])('answers 404 for %s', async (_case, week) => {
    expect((await api.request(`/archive/${week}`)).status).toBe(404);
  });

  it('publishes the editions as valid RSS 2.0', async () => {
    const response = await api.request('/archive/feed.xml');
    const xml = await response.text();

    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const { rss } = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      rss: { channel: { item: { title: string; link: string; description: string }[] } };
    };
    expect(rss.channel.item.map((item) => item.link)).toEqual([
      'http://localhost:3000/archive/2026-W48',
      'http://localhost:3000/archive/2026-W46',
    ]);
    expect(rss.channel.item[0]?.title).toBe('Week of 23 November 2026: 4 articles');
    expect(rss.channel.item[0]?.description).toContain('<h2>CAR-T &amp; cell therapy</h2>');
    expect(xml).not.toContain('\u0007');
    expect(xml).not.toContain('javascript:');
  });

  it('reads as RSS 2.0 to a real feed reader’s parser, with every element RSS 2.0 requires', async () => {
    const xml = await (await api.request('/archive/feed.xml')).text();
    const feed = parseFeed(xml);
    const { rss } = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'item' }).parse(
      xml,
    ) as {
      rss: {
        '@_version': string;
        channel: Record<string, unknown> & { item: Record<string, unknown>[] };
      };
    };

    expect(feed.meta).toEqual({ type: 'rss', version: '2.0' });
    expect(feed.title).toBe('Immunotherapy Digest: weekly editions');
    expect(feed.url).toBe('http://localhost:3000/archive');
    expect(feed.items.map((item) => [item.id, item.url, item.published?.toISOString()])).toEqual([
      [
        'http://localhost:3000/archive/2026-W48',
        'http://localhost:3000/archive/2026-W48',
        '2026-11-30T00:00:00.000Z',
      ],
      [
        'http://localhost:3000/archive/2026-W46',
        'http://localhost:3000/archive/2026-W46',
        '2026-11-16T00:00:00.000Z',
      ],
    ]);
    // RSS 2.0: a channel has a title, a link and a description; an item a title or a description.
    expect(rss['@_version']).toBe('2.0');
    for (const element of ['title', 'link', 'description']) expect(rss.channel[element]).toBeTruthy();
    for (const item of rss.channel.item) {
      expect(item.title ?? item.description).toBeTruthy();
      expect(String(item.pubDate)).toMatch(
        /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
      );
    }
  });

  it('shows the week under way as "this week so far", apart from the finished editions and out of the feed', async () => {
    const index = await (await api.request('/archive')).text();
    const response = await api.request('/archive/this-week');
    const page = await response.text();
    const feed = await (await api.request('/archive/feed.xml')).text();

    expect(index).toContain('<a href="/archive/this-week">This week so far</a>');
    expect(index).toMatch(/1 article since Monday · finished on\s+Monday 7 December/);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(page).toContain('<h1>This week so far</h1>');
    expect(page).toContain('the edition is still growing');
    expect(page).toContain('<h2 id="topic-vaccines">');
    expect(feed).not.toContain('2026-W49');
  });

  it('pages back to older editions, without the week so far', async () => {
    const page = await (await api.request('/archive?before=2026-W47')).text();

    expect([...page.matchAll(/href="\/archive\/(\d{4}-W\d{2})"/g)].map((match) => match[1])).toEqual([
      '2026-W46',
    ]);
    expect(page).not.toContain('This week so far');
    expect(page).toContain('<a href="/archive">Newest editions</a>');
  });
});

describe('the archive of a fresh installation', () => {
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld({ clock: new ManualClock(new Date('2026-12-03T12:00:00.000Z')) });
    api = createApi(world.context, { clientIp: () => '192.0.2.82' });
  });

  afterAll(() => world.stop());

  it('says there is nothing yet, and still publishes a feed a reader can subscribe to', async () => {
    const page = await (await api.request('/archive')).text();
    const feed = parseFeed(await (await api.request('/archive/feed.xml')).text());

    expect(page).toContain('No finished edition yet.');
    expect(page).not.toContain('This week so far');
    expect((await api.request('/archive/this-week')).status).toBe(404);
    expect(feed.title).toBe('Immunotherapy Digest: weekly editions');
    expect(feed.items).toEqual([]);
  });
});
