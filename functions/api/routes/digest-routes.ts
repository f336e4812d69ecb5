import { Hono } from 'hono';
import { html } from 'hono/html';
import { loadWebEdition } from '../../core/archive/web-edition.ts';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import { digestPage, digestPageTitle } from '../pages/digest-page.ts';

/** Seconds since 1970: the end of the digest's window, as the email's link gives it. */
const UNTIL = /^\d{1,11}$/;

/**
 * "View in your browser": the web edition of a reader's digest, at /digest?token=<view
 * token>&until=<seconds>. The token is good for nothing but this page (it cannot change or end a
 * subscription); the page is the reader's own, so no cache keeps it and no search engine lists it.
 */
export function digestRoutes(services: ApiServices): Hono {
  const { context } = services;
  const limits = {
    maxPerTopic: context.config.digest.maxPerTopic,
    maxArticles: context.config.digest.maxArticles,
  };
  const app = new Hono();

  app.get('/digest', async (c) => {
    const subscriberId = services.subjectOf(c, 'view');
    if (!subscriberId) return services.badToken(c, 'view');
    const untilParam = c.req.query('until');
    const now = context.clock.now();
    if (untilParam !== undefined && !UNTIL.test(untilParam)) {
      return respondWith(c, {
        status: 400,
        title: 'This link is incomplete',
        message: 'The link to your digest was cut short when it was copied. Open it from the email again.',
        json: { error: 'invalid_request' },
      });
    }
    // A digest's window never ends in the future; without the parameter, the week up to now.
    const until = new Date(Math.min(now.getTime(), untilParam ? Number(untilParam) * 1000 : now.getTime()));
    const edition = await loadWebEdition(subscriberId, until, limits, context.topicLabels, {
      subscribers: context.subscribers,
      articles: context.articles,
    });
    c.header('X-Robots-Tag', 'noindex, nofollow');
    if (!edition) {
      return respondWith(c, {
        status: 404,
        title: 'This subscription is no longer here',
        message:
          'The subscription this digest was sent to has been deleted. Past editions are in the archive.',
        json: { error: 'not_found' },
        section: 'archive',
      });
    }
    return renderPage(c, digestPageTitle(edition), digestPage(edition, context.topicLabels), {
      head: html`<meta name="robots" content="noindex, nofollow" />`,
    });
  });

  return app;
}
