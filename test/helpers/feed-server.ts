import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFeedFetcher } from '../../functions/adapters/http/feed-fetcher.ts';
import { loadSources } from '../../functions/adapters/content/load-content.ts';
import { USER_AGENT } from '../../functions/config/config.ts';
import type { Source } from '../../functions/model/sources.ts';
import type { IngestRequest } from '../../functions/core/ingest/run-ingest.ts';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';
import { createTestWorld } from './test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { ApiStandIn, type ApiStandInOptions } from '../../functions/local/api-stand-in.ts';
import { snapshotUrlFor } from '../../functions/local/snapshot-server.ts';

export const CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');
export const HOSTILE_DIR = path.resolve(import.meta.dirname, '../fixtures/hostile');

type Route = Buffer | ((request: IncomingMessage, response: ServerResponse) => unknown);

export interface FeedServer {
  readonly http: TestHttpServer;
  /** The stand-in of PubMed's E-utilities and ClinicalTrials.gov (`/pubmed/…`, `/clinicaltrials/…`). */
  readonly apis: ApiStandIn;
  /** A fetcher that may reach this server (and nothing else on loopback). */
  readonly fetcher: HttpFeedFetcher;
  /** URL of a project snapshot (`/snapshots/<file>`) or a hostile fixture (`/hostile/<file>`). */
  url(routePath: string): string;
  /** Serves `body` (with an ETag, answering 304 when it matches) or runs `handler` at `routePath`. */
  route(routePath: string, route: Route): void;
  close(): Promise<void>;
}

/**
 * A real feed host on loopback: the project's snapshots and the hostile fixtures as files with
 * ETag and Last-Modified (304 on a match), plus routes a test defines (changing bodies, slow or
 * failing servers).
 */
export async function startFeedServer(
  options: { timeoutMs?: number; maxBytes?: number; apis?: ApiStandInOptions } = {},
): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const apis = new ApiStandIn(path.join(CONTENT_DIR, 'snapshots'), options.apis);
  const http = await startTestServer((request, response) => {
    if (apis.handles(request, response)) return;
    const routePath = new URL(request.url ?? '/', 'http://x').pathname;
    const route = routes.get(routePath) ?? fileRoute(routePath);
    if (!route) return response.writeHead(404).end();
    if (typeof route === 'function') return route(request, response);
    return serveBody(request, response, route);
  });
  const fetcher = new HttpFeedFetcher({
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    userAgent: USER_AGENT,
    allowedLoopbackPorts: [http.port],
  });
  return {
    http,
    apis,
    fetcher,
    url: (routePath) => `${http.origin}${routePath}`,
    route: (routePath, route) => routes.set(routePath, route),
    async close() {
      fetcher.close();
      await http.close();
    },
  };
}

function fileRoute(routePath: string): Buffer | undefined {
  const match = /^\/(snapshots|hostile)\/([A-Za-z0-9._-]+)$/.exec(routePath);
  if (!match) return undefined;
  const directory = match[1] === 'snapshots' ? path.join(CONTENT_DIR, 'snapshots') : HOSTILE_DIR;
  try {
    return readFileSync(path.join(directory, match[2]!));
  } catch {
    return undefined;
  }
}

/** 200 with validators, or 304 when the client's If-None-Match is the body's ETag. */
function serveBody(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag }).end();
    return;
  }
  response
    .writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length, etag })
    .end(body);
}

/**
 * The project's sources (all enabled), fetched from the feed server: a feed's snapshot file, or
 * the API stand-in answering from an API source's recordings.
 */
export async function snapshotSources(server: FeedServer): Promise<IngestRequest['sources']> {
  return (await loadSources(CONTENT_DIR)).map((source) => ({
    source: { ...source, enabled: true },
    fetchUrl:
      source.via === 'feed'
        ? server.url(`/snapshots/${source.snapshot!}`)
        : snapshotUrlFor(server.url(''), source)!,
  }));
}

/** A test source whose feed is at `routePath` on the feed server. */
export function testSource(
  server: FeedServer,
  id: string,
  routePath: string,
  overrides: Partial<Source> = {},
): IngestRequest['sources'][number] {
  return {
    source: {
      id,
      name: id,
      url: `https://${id}.example.org/feed.xml`,
      broad: false,
      weight: 1,
      enabled: true,
      ...overrides,
    },
    fetchUrl: server.url(routePath),
  };
}

/** An ingest request over these sources, with no site articles unless given. */
export function ingestRequest(
  sources: IngestRequest['sources'],
  overrides: Partial<IngestRequest> = {},
): IngestRequest {
  return { sources, siteArticles: [], concurrency: 8, maxBytes: 5 * 1024 * 1024, ...overrides };
}

/**
 * A feed server and a fresh test world that fetches from it, for the tests of one describe
 * block: started before them, stopped after. Read `server` and `world` inside tests.
 */
export function feedWorld(): { server: FeedServer; world: TestWorld } {
  const state = {} as { server: FeedServer; world: TestWorld };
  beforeAll(async () => {
    state.server = await startFeedServer();
    state.world = await createTestWorld({ fetcher: state.server.fetcher });
  });
  afterAll(async () => {
    state.world.stop();
    await state.server.close();
  });
  return state;
}
