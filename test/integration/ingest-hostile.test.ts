import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest, type IngestSummary } from '../../functions/core/ingest/run-ingest.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { IngestRequest } from '../../functions/core/ingest/run-ingest.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import {
  ingestRequest,
  snapshotSources,
  startFeedServer,
  testSource,
  type FeedServer,
} from '../helpers/feed-server.ts';
import { manyItemFeed, oversizedFeed } from '../helpers/generated-feeds.ts';
import { HttpFeedFetcher } from '../../functions/adapters/http/feed-fetcher.ts';
import { USER_AGENT } from '../../functions/config/config.ts';
import type { FeedFetcher } from '../../functions/ports/feed-fetcher.ts';

const FIFTY_MB = 50 * 1024 * 1024;

/**
 * Every hostile case of the corpus as a live source beside well-behaved ones: each fails alone
 * with its error recorded (kind, message, consecutive failures), every other source is ingested,
 * and nothing hostile reaches an email.
 */
describe('hostile sources on the stand-ins', () => {
  let server: FeedServer;
  let world: TestWorld;
  let sources: IngestRequest['sources'];
  let first: IngestSummary;
  let impatient: HttpFeedFetcher;

  beforeAll(async () => {
    server = await startFeedServer({ timeoutMs: 15_000 });
    // The silent server gets a short deadline of its own; everything else a patient one, so a
    // busy shared machine never turns a slow answer into a false timeout.
    impatient = new HttpFeedFetcher({
      timeoutMs: 800,
      maxBytes: 5 * 1024 * 1024,
      userAgent: USER_AGENT,
      allowedLoopbackPorts: [server.http.port],
    });
    const fetcher: FeedFetcher = {
      fetch: (url, conditions) =>
        (url.endsWith('/never-answers.xml') ? impatient : server.fetcher).fetch(url, conditions),
    };
    world = await createTestWorld({ fetcher });

    const chunk = Buffer.alloc(64 * 1024, 'a');
    const streamFiftyMegabytes =
      (declareLength: boolean) => (_request: unknown, response: ServerResponse) => {
        response.writeHead(200, {
          'content-type': 'application/rss+xml',
          ...(declareLength ? { 'content-length': FIFTY_MB } : {}),
        });
        response.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title><item><title>');
        let sent = 0;
        const pump = () => {
          while (sent < FIFTY_MB && !response.destroyed) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        pump();
      };
    server.route('/fifty-megabytes-declared.xml', streamFiftyMegabytes(true));
    server.route('/fifty-megabytes-chunked.xml', streamFiftyMegabytes(false));
    const bomb = gzipSync(oversizedFeed(FIFTY_MB), { level: 9 });
    server.route('/fifty-megabytes-gzip.xml', (_request, response) =>
      response
        .writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/rss+xml' })
        .end(bomb),
    );
    server.route('/never-answers.xml', () => undefined);
    const crowded = manyItemFeed(28_000, { compact: true });
    server.route('/twenty-eight-thousand-items.xml', (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(crowded),
    );
    server.route('/server-error.xml', (_request, response) =>
      response.writeHead(500).end('Internal Server Error'),
    );
    server.route('/redirect-to-metadata.xml', (_request, response) =>
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );

    const good = (await snapshotSources(server)).filter(({ source }) =>
      ['nci-cancer-currents', 'plos-one-immunology', 'biorxiv-immunology'].includes(source.id),
    );
    sources = [
      ...good,
      testSource(server, 'billion-laughs', '/hostile/billion-laughs.xml'),
      testSource(server, 'xxe-external-entity', '/hostile/xxe-external-entity.xml'),
      testSource(server, 'xxe-parameter-entity', '/hostile/xxe-parameter-entity.xml'),
      testSource(server, 'comment-before-doctype', '/hostile/comment-before-doctype.xml'),
      testSource(server, 'too-many-items', '/twenty-eight-thousand-items.xml'),
      testSource(server, 'html-instead-of-feed', '/hostile/html-instead-of-feed.html'),
      testSource(server, 'truncated', '/hostile/truncated.xml'),
      testSource(server, 'oversize-declared', '/fifty-megabytes-declared.xml'),
      testSource(server, 'oversize-chunked', '/fifty-megabytes-chunked.xml'),
      testSource(server, 'oversize-gzip', '/fifty-megabytes-gzip.xml'),
      testSource(server, 'timeout', '/never-answers.xml'),
      testSource(server, 'http-error', '/server-error.xml'),
      testSource(server, 'ssrf-redirect', '/redirect-to-metadata.xml'),
      testSource(server, 'hostile-html', '/hostile/hostile-html-items.xml'),
      testSource(server, 'latin1', '/hostile/iso-8859-1-declared.xml'),
      testSource(server, 'cp1252', '/hostile/windows-1252-bytes-declared-iso-8859-1.xml'),
      testSource(server, 'cp1252-undeclared', '/hostile/windows-1252-undeclared.xml'),
      testSource(server, 'dates', '/hostile/dates-ten-formats.xml'),
      testSource(server, 'utf16', '/hostile/utf-16le-bom.atom'),
    ];
    first = await runIngest(ingestRequest(sources), world.context);
  });

  afterAll(async () => {
    world.stop();
    impatient.close();
    await server.close();
  });

  it('records each hostile source with its own kind of failure', () => {
    expect(
      first.failures.map(({ sourceId, kind, consecutiveFailures }) => ({
        sourceId,
        kind,
        consecutiveFailures,
      })),
    ).toEqual([
      { sourceId: 'billion-laughs', kind: 'entity-expansion', consecutiveFailures: 1 },
      { sourceId: 'comment-before-doctype', kind: 'entity-expansion', consecutiveFailures: 1 },
      { sourceId: 'html-instead-of-feed', kind: 'not-a-feed', consecutiveFailures: 1 },
      { sourceId: 'http-error', kind: 'http-status', consecutiveFailures: 1 },
      { sourceId: 'oversize-chunked', kind: 'too-large', consecutiveFailures: 1 },
      { sourceId: 'oversize-declared', kind: 'too-large', consecutiveFailures: 1 },
      { sourceId: 'oversize-gzip', kind: 'too-large', consecutiveFailures: 1 },
      { sourceId: 'ssrf-redirect', kind: 'blocked-address', consecutiveFailures: 1 },
      { sourceId: 'timeout', kind: 'timeout', consecutiveFailures: 1 },
      { sourceId: 'too-many-items', kind: 'too-many-items', consecutiveFailures: 1 },
      { sourceId: 'truncated', kind: 'malformed-xml', consecutiveFailures: 1 },
      { sourceId: 'xxe-external-entity', kind: 'entity-expansion', consecutiveFailures: 1 },
      { sourceId: 'xxe-parameter-entity', kind: 'entity-expansion', consecutiveFailures: 1 },
    ]);
    const message = (id: string) => first.failures.find((failure) => failure.sourceId === id)!.message;
    expect(message('http-error')).toContain('HTTP 500');
    expect(message('truncated')).toContain('still open');
    expect(message('html-instead-of-feed')).toContain('Validate User');
    expect(message('ssrf-redirect')).toContain('169.254.169.254');
    expect(message('too-many-items')).toContain('28,000 items, over the limit of 5,000');
  });

  it('ingests every other source in full', () => {
    const report = (id: string) => first.sources.find((source) => source.sourceId === id)!;
    const stored = (...ids: string[]) =>
      ids.reduce((sum, id) => sum + report(id).created + report(id).merged, 0);

    for (const id of [
      'nci-cancer-currents',
      'plos-one-immunology',
      'biorxiv-immunology',
      'hostile-html',
      'dates',
    ]) {
      expect(report(id).status).toBe('fetched');
    }
    expect(stored('nci-cancer-currents')).toBe(7);
    // The glioblastoma vaccine study is in both: whichever source comes first creates it.
    expect(stored('plos-one-immunology', 'biorxiv-immunology')).toBe(10);
    expect(report('plos-one-immunology').merged + report('biorxiv-immunology').merged).toBe(1);
    expect(report('hostile-html')).toMatchObject({ created: 3, rejected: 2 });
    expect(report('latin1').created).toBe(2);
    expect(report('dates').created).toBe(13);
    expect(report('utf16').created).toBe(1);
    // The same newsletter with and without an encoding declaration is one work.
    expect(report('cp1252').created + report('cp1252-undeclared').created).toBe(1);
    expect(report('cp1252').merged + report('cp1252-undeclared').merged).toBe(1);
  });

  it('counts consecutive failures across runs and keeps the error on the source state', async () => {
    const second = await runIngest(ingestRequest(sources), world.context);

    expect(second.failures).toHaveLength(13);
    expect(second.failures.every((failure) => failure.consecutiveFailures === 2)).toBe(true);
    expect(second.sourcesNotModified).toBeGreaterThanOrEqual(8);
    const state = await world.context.sourceState.get('billion-laughs');
    expect(state).toMatchObject({
      consecutiveFailures: 2,
      lastError: expect.stringMatching(/^entity-expansion: /),
    });
    expect((await world.context.sourceState.get('nci-cancer-currents'))?.consecutiveFailures).toBe(0);
  });

  it('never lets hostile markup reach an email', async () => {
    const reader = newSubscriber(
      {
        email: world.email('hostile'),
        topics: ['car-t', 'leukemia', 'melanoma', 'checkpoint-inhibitors'],
        status: 'confirmed',
      },
      world.context.clock.now(),
    );
    await world.context.subscribers.create(reader);

    await planDigestOnce(world.context, { ignoreSlot: true });
    await drainSendQueue(world.context, world.queues.sendUrl);

    const [email] = await sentEmails(world.endpoints.ses, world.isMine);
    expect(email?.body.text).toContain('CAR-T cell therapy for leukemia');
    for (const body of [email!.body.html!, email!.body.text!]) {
      expect(body).not.toMatch(/<script|onerror|onload|onmouseover|javascript:|evil\.example|alert\(/i);
    }
  });
});
