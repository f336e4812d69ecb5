import { Hono } from 'hono';
import { listEditions, loadEdition, loadWeekSoFar, type EditionView } from '../../core/archive/editions.ts';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import {
  archiveFeed,
  archiveIndexPage,
  editionPage,
  editionTitle,
  weekSoFarPage,
} from '../pages/archive-page.ts';

/** Editions in the RSS feed: a quarter of a year. */
const FEED_EDITIONS = 13;

/** Past editions change only once a week: shared caches may keep them a while. */
const PUBLIC_CACHE = 'public, max-age=900';

/** The week so far changes with every ingest: caches keep it briefly. */
const SO_FAR_CACHE = 'public, max-age=300';

/** The public archive of weekly general editions, as pages and as RSS. */
export function archiveRoutes(services: ApiServices): Hono {
  const { context, archiveLimits } = services;
  const deps = {
    articles: context.articles,
    editions: context.editions,
    clock: context.clock,
    editorNotes: context.editorNotes,
  };
  const app = new Hono();

  app.get('/archive', async (c) => {
    const before = c.req.query('before');
    const [editions, soFar] = await Promise.all([
      listEditions(archiveLimits, deps, before),
      before ? undefined : loadWeekSoFar(archiveLimits, deps),
    ]);
    // The index may show the week so far a quarter of an hour late: ingest runs every few hours.
    c.header('Cache-Control', PUBLIC_CACHE);
    return renderPage(c, 'Past editions', archiveIndexPage(editions, context.topicLabels, soFar), {
      section: 'archive',
    });
  });

  // Before /archive/:week, which would take "this-week" for a week id.
  app.get('/archive/this-week', async (c) => {
    const soFar = await loadWeekSoFar(archiveLimits, deps);
    if (!soFar) {
      return respondWith(c, {
        status: 404,
        title: 'Nothing new this week yet',
        message: 'No new article has been found since Monday. Past editions are in the archive.',
        json: { error: 'not_found' },
        section: 'archive',
      });
    }
    c.header('Cache-Control', SO_FAR_CACHE);
    return renderPage(c, 'This week so far', weekSoFarPage(soFar, context.topicLabels), {
      section: 'archive',
    });
  });

  app.get('/archive/feed.xml', async (c) => {
    const listed = (await listEditions(archiveLimits, deps)).editions.slice(0, FEED_EDITIONS);
    const views = await Promise.all(
      listed.map((edition) => loadEdition(edition.weekId, archiveLimits, deps)),
    );
    const feed = archiveFeed(
      views.filter((view): view is EditionView => view !== undefined),
      context.topicLabels,
      context.config.siteUrl,
      context.clock.now(),
    );
    c.header('Cache-Control', PUBLIC_CACHE);
    return c.body(feed, 200, { 'Content-Type': 'application/rss+xml; charset=utf-8' });
  });

  app.get('/archive/:week', async (c) => {
    const edition = await loadEdition(c.req.param('week'), archiveLimits, deps);
    if (!edition || edition.articleCount === 0) {
      return respondWith(c, {
        status: 404,
        title: 'No edition for that week',
        message: 'There is no published edition at this address. Editions appear when their week is over.',
        json: { error: 'not_found' },
        section: 'archive',
      });
    }
    c.header('Cache-Control', PUBLIC_CACHE);
    return renderPage(c, editionTitle(edition.range), editionPage(edition, context.topicLabels), {
      section: 'archive',
    });
  });

  return app;
}
