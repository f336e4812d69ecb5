import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { runIngest } from '../../functions/core/ingest/run-ingest.ts';
import { loadSiteArticles } from '../../functions/adapters/content/load-content.ts';
import { articleIdFor, identityKeys } from '../../functions/core/ingest/identity.ts';
import type { Article } from '../../functions/model/articles.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import {
  CONTENT_DIR,
  HOSTILE_DIR,
  ingestRequest,
  snapshotSources,
  feedWorld,
  testSource,
} from '../helpers/feed-server.ts';

const DAY = 86_400_000;

async function storedArticles(context: AppContext): Promise<Article[]> {
  const now = Date.now();
  return context.articles.listFirstSeenBetween(new Date(now - DAY), new Date(now + DAY));
}

function byTitle(articles: Article[], start: string): Article {
  const found = articles.filter((article) => article.title.startsWith(start));
  expect(found, `exactly one article titled "${start}…"`).toHaveLength(1);
  return found[0]!;
}

const rss = (items: string) =>
  Buffer.from(`<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title>${items}</channel></rss>`);
const item = (title: string, link: string, date: string, extra = '') =>
  `<item><title>${title}</title><link>${link}</link><pubDate>${date}</pubDate>${extra}</item>`;

describe('ingest of the project sources on the stand-ins', () => {
  const t = feedWorld();

  it('reads RSS 2.0, Atom and RDF sources and stores each work once, merging it across sources by DOI and by title', async () => {
    const summary = await runIngest(
      ingestRequest(await snapshotSources(t.server), { siteArticles: await loadSiteArticles(CONTENT_DIR) }),
      t.world.context,
    );

    expect(summary.failures).toEqual([]);
    // 7 feeds, 5 PubMed queries and 1 registry query.
    expect(summary.sourcesFetched).toBe(13);
    // 36 feed items, 17 PubMed records (12 works: the queries overlap), 6 trials and 2 site
    // articles; 9 are works another source already brought; the trial registered in 2023 and
    // updated this week refreshes a stored trial and creates none.
    expect(summary).toMatchObject({
      itemsSeen: 61,
      articlesCreated: 51,
      articlesMerged: 9,
      articlesUnchanged: 1,
      itemsRejected: 0,
    });
    const articles = await storedArticles(t.world.context);
    expect(articles).toHaveLength(51);
    expect(articles.some((article) => article.identifiers.nct === 'NCT05813691')).toBe(false);

    // A PubMed record and a journal's feed item of the same DOI are one article, with the
    // record's PMID, PMC id and journal added to it.
    const byDoi = byTitle(articles, 'Tocilizumab prophylaxis and the incidence of cytokine release syndrome');
    expect(byDoi.sources.map((source) => source.sourceId).sort()).toEqual([
      'jitc-current-issue',
      'pubmed-immune-adverse-events',
      'pubmed-immunotherapy',
    ]);
    expect(byDoi.identifiers).toEqual({
      doi: '10.1136/jitc-2026-012847',
      pmid: '41298765',
      pmcid: 'PMC12651907',
    });
    expect(byDoi.journal).toBe('Journal for immunotherapy of cancer');
    const byDoiToo = byTitle(articles, 'CD19 CAR T cells induce drug-free remission');
    expect(byDoiToo.sources.map((source) => source.sourceId).sort()).toEqual([
      'frontiers-immunology',
      'pubmed-car-t',
      'pubmed-immunotherapy',
    ]);
    // The record's publication types replace the badges guessed from the feed item's title.
    expect(byDoiToo.studyTypes).toEqual(['phase-1']);
    // A preprint and its journal version: different DOIs, the same title a week apart.
    const byTitleMatch = byTitle(
      articles,
      'Pembrolizumab plus chemotherapy versus chemotherapy alone in older adults',
    );
    expect(byTitleMatch.sources.map((source) => source.sourceId).sort()).toEqual([
      'jitc-current-issue',
      'medrxiv-oncology',
    ]);
    expect(byTitle(articles, 'Dendritic cell vaccine induces durable T-cell responses').sources).toHaveLength(
      2,
    );
  });

  it('normalises what it stores: plain text, canonical links, UTC times, identifiers and study types', async () => {
    const articles = await storedArticles(t.world.context);

    const nci = byTitle(articles, 'CAR T-Cell Therapy Brings Lasting Remissions');
    expect(nci.url).toBe(
      'https://www.cancer.gov/news-events/cancer-currents-blog/2026/car-t-cell-therapy-adult-all-long-term-remission',
    );
    expect(nci.publishedAt).toBe('2026-11-17T12:00:00.000Z');
    const trial = byTitle(articles, 'Autologous Anti-CD19/CD20 Bispecific CAR T Cells');
    expect(trial.identifiers).toEqual({ nct: 'NCT07012345' });
    expect(trial.studyTypes).toEqual(['trial-registration', 'phase-1', 'phase-2']);
    expect(trial.url).toBe('https://clinicaltrials.gov/study/NCT07012345');
    expect(trial.trial).toMatchObject({
      phases: ['phase-1', 'phase-2'],
      status: 'recruiting',
      countries: ['DE', 'FR', 'US'],
      recruitingCountries: ['FR', 'US'],
      sponsor: 'Fred Hutchinson Cancer Center',
    });
    const metaAnalysis = byTitle(articles, 'Perioperative versus neoadjuvant-only immune checkpoint');
    expect(metaAnalysis.studyTypes).toEqual(['meta-analysis']);
    expect(metaAnalysis.url).toBe('https://pubmed.ncbi.nlm.nih.gov/41302345/');
    const jitc = byTitle(articles, 'Durvalumab with concurrent chemoradiotherapy');
    expect(jitc.publishedAt).toBe('2026-11-18T10:30:15.000Z');
    expect(byTitle(articles, 'Out-of-pocket costs and financial toxicity').studyTypes).toContain('preprint');
    for (const article of articles) {
      expect(article.title).not.toMatch(/[<>]|&[a-z#\d]+;/i);
      expect(article.summary).not.toMatch(/<|script|alert\(/i);
      expect(article.url).toMatch(/^https?:\/\/[a-z0-9.-]+\//);
      expect(article.url).not.toMatch(/utm_|[?&](ff|v|rss)=/);
      expect(article.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('asks again with the stored validators and does nothing on 304', async () => {
    const requestsBefore = t.server.http.requests.length;

    const summary = await runIngest(ingestRequest(await snapshotSources(t.server)), t.world.context);

    // The feeds answer 304; the API sources search again (they have no validators) and find
    // only works already stored.
    expect(summary).toMatchObject({
      sourcesNotModified: 7,
      sourcesFetched: 6,
      articlesCreated: 0,
      articlesMerged: 0,
      failures: [],
    });
    const conditional = t.server.http.requests
      .slice(requestsBefore)
      .filter((request) => request.path.startsWith('/snapshots/'));
    expect(conditional).toHaveLength(7);
    expect(
      conditional.every((request) => /^"[0-9a-f]{16}"$/.test(String(request.headers['if-none-match']))),
    ).toBe(true);
    expect((await storedArticles(t.world.context)).length).toBe(51);
  });

  it('sends no validators to a source whose URL changed', async () => {
    const [nci] = await snapshotSources(t.server);
    t.server.route('/moved/nci.xml', (request, response) => {
      expect(request.headers['if-none-match']).toBeUndefined();
      response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(''));
    });

    const summary = await runIngest(
      ingestRequest([{ ...nci!, fetchUrl: t.server.url('/moved/nci.xml') }]),
      t.world.context,
    );

    expect(summary).toMatchObject({ sourcesFetched: 1, failures: [] });
  });
});

describe('deduplication against the store', () => {
  const t = feedWorld();

  it('adds nothing when a feed comes back with new GUIDs, http for https, no www and tracking parameters', async () => {
    let version = 1;
    t.server.route('/churn.xml', (_request, response) =>
      // A server that ignores validators: the feed is re-read in full every time.
      response.writeHead(200).end(readFileSync(path.join(HOSTILE_DIR, `guid-churn-${version}.xml`))),
    );
    const source = testSource(t.server, 'churn', '/churn.xml');

    const first = await runIngest(ingestRequest([source]), t.world.context);
    version = 2;
    const second = await runIngest(ingestRequest([source]), t.world.context);
    const third = await runIngest(ingestRequest([source]), t.world.context);

    expect(first).toMatchObject({ articlesCreated: 3, failures: [] });
    expect(second).toMatchObject({ articlesCreated: 0, articlesMerged: 0, articlesUnchanged: 3 });
    expect(third).toMatchObject({ articlesCreated: 0, articlesUnchanged: 3 });
  });

  it('stores repeated items of one feed once, and keeps apart items that only share a GUID or a home-page link', async () => {
    const summary = await runIngest(
      ingestRequest([
        testSource(t.server, 'dups', '/hostile/duplicate-guids.xml'),
        testSource(t.server, 'etoc', '/hostile/shared-link.xml'),
      ]),
      t.world.context,
    );

    expect(summary.sources.find((report) => report.sourceId === 'dups')).toMatchObject({
      itemsSeen: 5,
      created: 3,
      unchanged: 2,
    });
    expect(summary.sources.find((report) => report.sourceId === 'etoc')).toMatchObject({
      itemsSeen: 4,
      created: 4,
    });
  });

  it('merges equal titles from two sources within 14 days, and keeps them apart beyond', async () => {
    const title = 'Intratumoral interleukin-12 mRNA with durvalumab in advanced solid tumours';
    t.server.route('/a.xml', rss(item(title, 'https://a.example.org/il12', 'Sun, 01 Nov 2026 10:00:00 GMT')));
    t.server.route(
      '/b.xml',
      rss(item(`${title.toUpperCase()}.`, 'https://b.example.org/x', 'Fri, 20 Nov 2026 10:00:00 GMT')),
    );
    t.server.route('/c.xml', rss(item(title, 'https://c.example.org/y', 'Tue, 10 Nov 2026 10:00:00 GMT')));

    const first = await runIngest(
      ingestRequest([testSource(t.server, 'title-a', '/a.xml'), testSource(t.server, 'title-b', '/b.xml')]),
      t.world.context,
    );
    const second = await runIngest(
      ingestRequest([testSource(t.server, 'title-c', '/c.xml')]),
      t.world.context,
    );

    expect(first.articlesCreated).toBe(2);
    expect(second).toMatchObject({ articlesCreated: 0, articlesMerged: 1 });
    const matching = (await storedArticles(t.world.context)).filter((article) =>
      article.title.toLowerCase().startsWith('intratumoral interleukin-12'),
    );
    expect(matching.map((article) => article.sources.length).sort()).toEqual([1, 2]);
  });

  it('mends a claim whose article was never written (a run that died between the two)', async () => {
    const publishedAt = new Date('2026-11-22T10:00:00Z');
    const keys = identityKeys({
      identifiers: {},
      url: 'https://mend.example.org/orphan',
      title: 'Orphaned claims after a crash',
      publishedAt,
    });
    const orphanId = articleIdFor('doi:10.9999/never-written');
    await t.world.context.clients.documents.send(
      new PutCommand({
        TableName: t.world.context.config.tables.articles,
        Item: { pk: `claim#${keys[0]!}`, kind: 'claim', articleId: orphanId },
      }),
    );
    t.server.route(
      '/mend.xml',
      rss(
        item('Orphaned claims after a crash', 'https://mend.example.org/orphan', publishedAt.toUTCString()),
      ),
    );

    const summary = await runIngest(
      ingestRequest([testSource(t.server, 'mend', '/mend.xml')]),
      t.world.context,
    );

    expect(summary.articlesCreated).toBe(1);
    const [article] = await t.world.context.articles.getMany([orphanId]);
    expect(article?.title).toBe('Orphaned claims after a crash');
  });
});

describe('two ingests at once', () => {
  const t = feedWorld();

  it('create no duplicate: separate processes (clients) on the same tables store each work once', async () => {
    const contexts = await Promise.all(
      [1, 2, 3].map(async () =>
        createAppContext(t.world.context.config, {
          clients: createAwsClients(t.world.context.config),
          fetcher: t.server.fetcher,
          logger: silentLogger,
        }),
      ),
    );
    const request = ingestRequest(await snapshotSources(t.server), {
      siteArticles: await loadSiteArticles(CONTENT_DIR),
    });

    const summaries = await Promise.all(contexts.map((context) => runIngest(request, context)));

    expect(summaries.reduce((sum, summary) => sum + summary.articlesCreated, 0)).toBe(51);
    expect(summaries.flatMap((summary) => summary.failures)).toEqual([]);
    const articles = await storedArticles(t.world.context);
    expect(articles).toHaveLength(51);
    expect(new Set(articles.map((article) => article.title)).size).toBe(51);
    for (const context of contexts) {
      context.clients.dynamo.destroy();
      context.clients.ses.destroy();
      context.clients.sqs.destroy();
    }
  });
});
