import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { ingestOnce } from '../../functions/app/jobs.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

/** The site's own articles: served by the app, and the place digests and the archive link to. */
describe('the site’s own articles', () => {
  const SITE_URL = 'http://localhost:3220';
  const SLUG = 'side-effects-of-checkpoint-inhibitors-what-to-watch-for';
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld({ env: { SITE_URL } });
    api = createApi(world.context, { clientIp: () => '192.0.2.81' });
  });

  afterAll(() => world.stop());

  it('serves each article at /articles/<slug> in the site’s layout, its Markdown as safe HTML', async () => {
    const response = await api.request(`/articles/${SLUG}`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page).toContain('<a class="skip-link" href="#main">');
    expect(page).toContain(
      '<h1 id="article-title">Side Effects of Checkpoint Inhibitors — What to Watch for at Home</h1>',
    );
    // The body's own "# title" is not shown twice; its sections are headings below the title.
    expect(page.match(/Side Effects of Checkpoint Inhibitors — What to Watch for at Home<\/h/g)).toHaveLength(
      1,
    );
    expect(page).toContain('<h2>Signs to report the same day</h2>');
    expect(page).toContain('<li>A new cough or shortness of breath</li>');
    expect(page).toContain('Explainer by our editors</span>');
    expect(page).toContain(
      '<link rel="canonical" href="https://immunotherapy-digest.example.org/articles/side-effects-of-checkpoint-inhibitors-what-to-watch-for" />',
    );
    expect(page).not.toMatch(/ style="/);
  });

  it('lists the articles at /articles, and answers an unknown slug with the site’s 404 page', async () => {
    const index = await (await api.request('/articles')).text();
    const missing = await api.request('/articles/no-such-article');

    expect(index).toContain(`href="/articles/${SLUG}"`);
    expect(index).toContain('href="/articles/how-immunotherapy-is-transforming-leukemia-treatment"');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No article at this address');
  });

  it('links digests and the archive to where the app serves them (ARTICLES_BASE_URL by default)', async () => {
    await ingestOnce(world.context, { fetchUrlFor: () => undefined });
    const now = world.context.clock.now();
    const stored = await world.context.articles.listFirstSeenBetween(new Date(now.getTime() - 60_000), now);

    expect(stored.map((article) => article.url).sort()).toEqual([
      `${SITE_URL}/articles/how-immunotherapy-is-transforming-leukemia-treatment`,
      `${SITE_URL}/articles/${SLUG}`,
    ]);
    expect(stored.every((article) => article.studyTypes.includes('explainer'))).toBe(true);
  });
});
