import { Hono } from 'hono';
import { html } from 'hono/html';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import { articleIndexPage, articlePage } from '../pages/article-page.ts';

/** The site's articles change only with a deployment: shared caches may keep them a while. */
const PUBLIC_CACHE = 'public, max-age=3600';

/**
 * The site's own articles, content/articles/<slug>.md, at /articles/<slug>: where digests and
 * the archive link to them unless ARTICLES_BASE_URL names another place.
 */
export function articleRoutes(services: ApiServices): Hono {
  const { context } = services;
  const bySlug = new Map(context.siteArticles.map((article) => [article.slug, article]));
  const newestFirst = [...context.siteArticles].sort((a, b) =>
    (b.item.published ?? '').localeCompare(a.item.published ?? ''),
  );
  const app = new Hono();

  app.get('/articles', (c) => {
    c.header('Cache-Control', PUBLIC_CACHE);
    return renderPage(c, 'Articles by our editors', articleIndexPage(newestFirst));
  });

  app.get('/articles/:slug', (c) => {
    const article = bySlug.get(c.req.param('slug'));
    if (!article) {
      return respondWith(c, {
        status: 404,
        title: 'No article at this address',
        message: 'There is no article of ours at this address: it may have moved.',
        json: { error: 'not_found' },
        more: html`<p><a href="/articles">All our articles</a> · <a href="/">Subscribe</a></p>`,
      });
    }
    c.header('Cache-Control', PUBLIC_CACHE);
    return renderPage(c, article.item.title, articlePage(article, context.topicLabels), {
      head: html`<link rel="canonical" href="${article.item.link}" />`,
    });
  });

  return app;
}
