import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';
import type { SimClock } from '../sim-clock.ts';
import type { Seeded } from '../random.ts';
import type { Publications, SoakSource } from '../world/publications.ts';
import { renderFeed } from './feed-renderer.ts';

/**
 * The publishers' web servers, on loopback: `/feeds/<source id>` is that source's feed as of
 * the simulated time, with an ETag (304 when unchanged). During an ingest run some feeds fail,
 * chosen from the seed by (run, source): the server never answers (a timeout), answers 503,
 * sends half the document (truncated XML) or sends an HTML error page instead of a feed.
 * It remembers what it served to whom, which is how the soak knows, without asking the system,
 * which works could have been stored by each run.
 */

export type FeedFault = 'timeout' | 'http-503' | 'truncated' | 'html-page';

const FEED_FAULTS: readonly FeedFault[] = ['timeout', 'http-503', 'truncated', 'html-page'];

/** What the system's ingest must report for each fault (its FeedFailureKind). */
export const FAILURE_KIND_OF: Readonly<Record<FeedFault, string>> = {
  timeout: 'timeout',
  'http-503': 'http-status',
  truncated: 'malformed-xml',
  'html-page': 'not-a-feed',
};

export interface ServedFeed {
  readonly sourceId: string;
  readonly outcome: 'ok' | 'not-modified' | FeedFault;
  /** The works in the feed as served (for `not-modified`: as last served in full). */
  readonly workKeys: readonly string[];
}

export interface FeedHost {
  readonly port: number;
  url(sourceId: string): string;
  /** Draws this run's failing feeds from the seed; what is served until `endRun` belongs to it. */
  beginRun(runNumber: number): void;
  endRun(): ServedFeed[];
  readonly faults: Record<FeedFault, number>;
  close(): Promise<void>;
}

export interface FeedFaultRates {
  /** Chance that one source fails in one run, split evenly between the four kinds. */
  readonly perFetch: number;
}

export async function startFeedHost(
  publications: Publications,
  clock: SimClock,
  seeded: Seeded,
  rates: FeedFaultRates,
): Promise<FeedHost> {
  const sources = new Map<string, SoakSource>(publications.sources.map((source) => [source.id, source]));
  const faults = Object.fromEntries(FEED_FAULTS.map((fault) => [fault, 0])) as Record<FeedFault, number>;
  let run = 0;
  let served = new Map<string, ServedFeed>();
  const holding = new Set<ServerResponse>();

  const faultFor = (sourceId: string): FeedFault | undefined => {
    const point = seeded.fraction(`feed:${run}:${sourceId}`);
    if (point >= rates.perFetch) return undefined;
    return FEED_FAULTS[Math.floor((point / rates.perFetch) * FEED_FAULTS.length)];
  };

  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/feeds\/([a-z0-9-]+)$/.exec(new URL(request.url ?? '/', 'http://x').pathname);
    const source = match ? sources.get(match[1]!) : undefined;
    if (!source) return response.writeHead(404).end();
    const items = publications.feedItems(source.id, clock.ms);
    const workKeys = items.map((item) => item.workKey);
    const fault = faultFor(source.id);
    if (fault) {
      faults[fault] += 1;
      served.set(source.id, { sourceId: source.id, outcome: fault, workKeys });
    }
    const body = Buffer.from(
      renderFeed(
        source,
        items,
        (key) => {
          const work = publications.works.get(key)!;
          return { summary: work.summary, publishedAt: work.publishedAt };
        },
        items[0]?.appearsAt ?? 0,
      ),
    );
    switch (fault) {
      case 'timeout':
        // Say nothing until the client gives up (its deadline), as a hung upstream does.
        holding.add(response);
        response.on('close', () => holding.delete(response));
        return;
      case 'http-503':
        return response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      case 'truncated':
        return response
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(body.subarray(0, Math.floor(body.length / 2)));
      case 'html-page':
        return response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>',
          );
    }
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    if (request.headers['if-none-match'] === etag) {
      served.set(source.id, { sourceId: source.id, outcome: 'not-modified', workKeys });
      return response.writeHead(304, { etag }).end();
    }
    served.set(source.id, { sourceId: source.id, outcome: 'ok', workKeys });
    return response.writeHead(200, { 'content-type': 'application/rss+xml', etag }).end(body);
  };

  const server: TestHttpServer = await startTestServer(serve);
  return {
    port: server.port,
    url: (sourceId) => `${server.origin}/feeds/${sourceId}`,
    beginRun(runNumber) {
      run = runNumber;
      served = new Map();
    },
    endRun() {
      for (const response of holding) response.destroy();
      return [...served.values()];
    },
    faults,
    close: () => server.close(),
  };
}
