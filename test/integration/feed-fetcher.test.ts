import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpFeedFetcher, type FetcherSettings } from '../../functions/adapters/http/feed-fetcher.ts';
import { USER_AGENT } from '../../functions/config/config.ts';
import { FeedError } from '../../functions/core/errors.ts';
import type { FetchResult } from '../../functions/ports/feed-fetcher.ts';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';

const FEED = Buffer.from(
  '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>CAR-T</title></item></channel></rss>',
);

async function failureOf(promise: Promise<unknown>): Promise<FeedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error('expected the fetch to fail');
}

function okBody(result: FetchResult): Buffer {
  if (result.status !== 'ok') throw new Error(`expected a body, got ${result.status}`);
  return result.body;
}

describe('HttpFeedFetcher against real local servers', () => {
  let server: TestHttpServer;
  let trap: TestHttpServer;
  const fetchers: HttpFeedFetcher[] = [];

  /** A fetcher as the local mode builds it: loopback allowed for the test server's port only. */
  const localFetcher = (overrides: Partial<FetcherSettings> = {}) => {
    const fetcher = new HttpFeedFetcher({
      timeoutMs: 2000,
      maxBytes: 64 * 1024,
      userAgent: USER_AGENT,
      allowedLoopbackPorts: [server.port],
      ...overrides,
    });
    fetchers.push(fetcher);
    return fetcher;
  };
  /** A fetcher as the cloud builds it: no loopback at all. */
  const cloudFetcher = (overrides: Partial<FetcherSettings> = {}) =>
    localFetcher({ allowedLoopbackPorts: [], ...overrides });

  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const send = (status: number, headers: Record<string, string | number>, body?: Buffer | string) =>
        response.writeHead(status, headers).end(body);
      switch (url.pathname) {
        case '/feed':
          return send(200, { 'content-type': 'application/rss+xml', 'content-length': FEED.length }, FEED);
        case '/gzip':
          return send(200, { 'content-encoding': 'gzip' }, gzipSync(FEED));
        case '/brotli':
          return send(200, { 'content-encoding': 'br' }, brotliCompressSync(FEED));
        case '/conditional': {
          const fresh =
            request.headers['if-none-match'] === '"v1"' ||
            request.headers['if-modified-since'] === 'Tue, 17 Nov 2026 12:00:00 GMT';
          return fresh
            ? send(304, { etag: '"v1"' })
            : send(200, { etag: '"v1"', 'last-modified': 'Tue, 17 Nov 2026 12:00:00 GMT' }, FEED);
        }
        case '/declared-too-large':
          return send(200, { 'content-length': 10 * 1024 * 1024 }, '');
        case '/chunked-too-large': {
          response.writeHead(200, { 'content-type': 'application/rss+xml' });
          const chunk = Buffer.alloc(16 * 1024, 'a');
          for (let i = 0; i < 10; i += 1) response.write(chunk);
          return response.end();
        }
        case '/gzip-bomb':
          return send(200, { 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(20 * 1024 * 1024)));
        case '/silent':
          return; // never answers
        case '/slow-drip': {
          response.writeHead(200, { 'content-type': 'application/rss+xml' });
          const drip = setInterval(() => response.write(' '), 100);
          response.on('close', () => clearInterval(drip));
          return;
        }
        case '/status':
          return send(Number(url.searchParams.get('code')), {}, 'nope');
        case '/redirect': {
          const to = url.searchParams.get('to')!;
          return send(Number(url.searchParams.get('code') ?? 302), { location: to });
        }
        case '/loop':
          return send(301, { location: '/loop' });
        default:
          return send(404, {});
      }
    });
    trap = await startTestServer((_request, response) => response.writeHead(200).end(FEED));
  });

  afterEach(() => {
    for (const fetcher of fetchers.splice(0)) fetcher.close();
  });

  afterAll(async () => {
    await server.close();
    await trap.close();
  });

  it('names the project in its User-Agent, asks for compression and reads gzip and brotli bodies', async () => {
    const fetcher = localFetcher();

    expect(okBody(await fetcher.fetch(`${server.origin}/gzip`, {}))).toEqual(FEED);
    expect(okBody(await fetcher.fetch(`${server.origin}/brotli`, {}))).toEqual(FEED);
    const headers = server.requests.at(-1)!.headers;
    expect(headers['user-agent']).toMatch(/^ImmunotherapyDigest\/[\d.]+ \(\+https?:\/\//);
    expect(headers['accept-encoding']).toContain('gzip');
  });

  it('sends the validators back and reads 304 as nothing to do', async () => {
    const fetcher = localFetcher();

    const first = await fetcher.fetch(`${server.origin}/conditional`, {});
    expect(first).toMatchObject({
      status: 'ok',
      etag: '"v1"',
      lastModified: 'Tue, 17 Nov 2026 12:00:00 GMT',
    });
    expect(await fetcher.fetch(`${server.origin}/conditional`, { etag: '"v1"' })).toEqual({
      status: 'not-modified',
    });
    expect(
      await fetcher.fetch(`${server.origin}/conditional`, { lastModified: 'Tue, 17 Nov 2026 12:00:00 GMT' }),
    ).toEqual({ status: 'not-modified' });
    expect(server.requests.at(-2)!.headers['if-none-match']).toBe('"v1"');
  });

  it('refuses bodies over the cap: a declared length, a chunked stream and a gzip bomb', async () => {
    const fetcher = localFetcher();

    for (const path of ['/declared-too-large', '/chunked-too-large', '/gzip-bomb']) {
      const error = await failureOf(fetcher.fetch(`${server.origin}${path}`, {}));
      expect({ path, kind: error.kind }).toEqual({ path, kind: 'too-large' });
    }
  });

  it('gives up on a server that never answers, and on one that drips bytes forever', async () => {
    const fetcher = localFetcher({ timeoutMs: 400 });

    for (const path of ['/silent', '/slow-drip']) {
      const started = Date.now();
      const error = await failureOf(fetcher.fetch(`${server.origin}${path}`, {}));
      expect(error.kind).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('sends a request again when the server closed the kept-alive connection it went out on', async () => {
    const requestsPerSocket = new WeakMap<object, number>();
    const closing = await startTestServer((request, response) => {
      const count = (requestsPerSocket.get(request.socket) ?? 0) + 1;
      requestsPerSocket.set(request.socket, count);
      // The race of every keep-alive client: the server drops an idle connection as it is reused.
      if (count > 1) return request.socket.destroy();
      response.writeHead(200, { 'content-length': FEED.length, connection: 'keep-alive' }).end(FEED);
    });
    const fetcher = localFetcher({ allowedLoopbackPorts: [closing.port] });

    try {
      expect(okBody(await fetcher.fetch(`${closing.origin}/first`, {}))).toEqual(FEED);
      expect(okBody(await fetcher.fetch(`${closing.origin}/second`, {}))).toEqual(FEED);
      expect(closing.requests.map((request) => request.path)).toEqual(['/first', '/second', '/second']);
    } finally {
      await closing.close();
    }
  });

  it('reports HTTP errors with their status, and a closed port as a network error', async () => {
    const fetcher = localFetcher({ allowedLoopbackPorts: [server.port, 9] });

    expect(await failureOf(fetcher.fetch(`${server.origin}/status?code=503`, {}))).toMatchObject({
      kind: 'http-status',
      message: expect.stringContaining('HTTP 503'),
    });
    expect((await failureOf(fetcher.fetch('http://127.0.0.1:9/feed', {}))).kind).toBe('network');
  });

  it('follows redirects up to the limit and no further', async () => {
    const fetcher = localFetcher({ maxRedirects: 3 });

    const hop = (to: string) => `${server.origin}/redirect?code=308&to=${encodeURIComponent(to)}`;
    expect(okBody(await fetcher.fetch(hop(hop(`${server.origin}/feed`)), {}))).toEqual(FEED);
    expect((await failureOf(fetcher.fetch(`${server.origin}/loop`, {}))).kind).toBe('too-many-redirects');
  });

  it.each([
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', 'http://10.0.0.8/feed'],
    ['IPv6 loopback', 'http://[::1]/feed'],
    ['another loopback port', 'TRAP'],
    ['a file URL', 'file:///etc/passwd'],
    ['a javascript URL', 'javascript:alert(1)'],
  ])('re-checks every redirect hop and refuses one to %s', async (_name, target) => {
    const fetcher = localFetcher();
    const to = target === 'TRAP' ? `${trap.origin}/feed` : target;
    const before = trap.connections();

    const error = await failureOf(
      fetcher.fetch(`${server.origin}/redirect?to=${encodeURIComponent(to)}`, {}),
    );

    expect(error.kind).toBe('blocked-address');
    expect(trap.connections()).toBe(before);
  });

  it.each([
    'http://127.0.0.1:PORT/',
    'http://2130706433:PORT/',
    'http://0x7f000001:PORT/',
    'http://0x7f.1:PORT/',
    'http://0177.0.0.1:PORT/',
    'http://127.1:PORT/',
    'http://127.0.0.1.:PORT/',
    'http://0:PORT/',
    'http://0.0.0.0:PORT/',
    'http://[::]:PORT/',
    'http://[::1]:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://[::ffff:7f00:1]:PORT/',
    'http://[0:0:0:0:0:ffff:7f00:1]:PORT/',
    'http://[::127.0.0.1]:PORT/',
    'http://localhost:PORT/',
    'http://LOCALHOST:PORT/',
    'http://①②⑦.0.0.1:PORT/',
    'http://127。0。0。1:PORT/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::1]/',
    'http://100.100.100.200/latest/meta-data/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://10.0.0.1/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
  ])('refuses %s in the cloud without opening a connection', async (spelling) => {
    const fetcher = cloudFetcher();
    const before = trap.connections();

    const error = await failureOf(fetcher.fetch(spelling.replace('PORT', String(trap.port)), {}));

    expect(error.kind).toBe('blocked-address');
    expect(trap.connections()).toBe(before);
  });

  it('checks every DNS answer: one private address among public ones refuses the host', async () => {
    const answers: Record<string, { address: string; family: number }[]> = {
      'rebind.example.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
      'metadata.example.test': [{ address: '169.254.169.254', family: 4 }],
      'mapped.example.test': [{ address: '::ffff:192.168.0.1', family: 6 }],
    };
    const fetcher = cloudFetcher({ resolver: async (host) => answers[host] ?? [] });

    for (const host of Object.keys(answers)) {
      const error = await failureOf(fetcher.fetch(`http://${host}/feed`, {}));
      expect({ host, kind: error.kind }).toEqual({ host, kind: 'blocked-address' });
    }
  });

  it('lets the local mode reach its snapshot server by name and by address, and nothing else on loopback', async () => {
    const fetcher = localFetcher({ resolver: async () => [{ address: '127.0.0.1', family: 4 }] });

    expect(okBody(await fetcher.fetch(`http://snapshots.localhost:${server.port}/feed`, {}))).toEqual(FEED);
    expect(okBody(await fetcher.fetch(`${server.origin}/feed`, {}))).toEqual(FEED);
    expect((await failureOf(fetcher.fetch(`${trap.origin}/feed`, {}))).kind).toBe('blocked-address');
  });
});
