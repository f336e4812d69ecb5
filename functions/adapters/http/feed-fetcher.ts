import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { FeedError, HttpStatusError } from '../../core/errors.ts';
import type { FeedFetcher, FetchConditions, FetchResult } from '../../ports/feed-fetcher.ts';
import {
  checkAddress,
  guardedLookup,
  systemResolver,
  type AddressPolicy,
  type Resolver,
} from './address-guard.ts';

export interface FetcherSettings extends AddressPolicy {
  /** Bound on the whole fetch, redirects and slow bodies included. */
  readonly timeoutMs: number;
  /** Largest body accepted, after decompression. */
  readonly maxBytes: number;
  readonly userAgent: string;
  readonly maxRedirects?: number;
  /** DNS; tests inject answers to prove the guard reads them. */
  readonly resolver?: Resolver;
}

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

type Hop = { kind: 'redirect'; location: string } | { kind: 'done'; result: FetchResult };

/**
 * Fetches feeds over HTTP(S) with node:http: a whole-request deadline, a size cap on the
 * decompressed body, gzip/deflate/br, conditional GET, a redirect limit with every hop checked
 * again (scheme, literal address, DNS answers), and a User-Agent that names the project. Each
 * fetcher has its own keep-alive agents, so no socket opened under another policy is reused.
 */
export class HttpFeedFetcher implements FeedFetcher {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };

  constructor(private readonly settings: FetcherSettings) {}

  async fetch(url: string, conditions: FetchConditions): Promise<FetchResult> {
    const deadline = Date.now() + this.settings.timeoutMs;
    const maxRedirects = this.settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop += 1) {
      const response = await this.request(current, conditions, deadline).catch((error: unknown) => {
        // A kept-alive socket the server closed just as we reused it: the request never reached
        // the server, so sending it once more on a fresh connection is safe (Node's own advice).
        if (error instanceof StaleSocketError) return this.request(current, conditions, deadline);
        throw error;
      });
      if (response.kind === 'done') return response.result;
      current = response.location;
    }
    throw new FeedError('too-many-redirects', `more than ${maxRedirects} redirects from ${url}`);
  }

  /** Closes idle keep-alive sockets (tests and CLI commands that exit). */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  private request(url: string, conditions: FetchConditions, deadline: number): Promise<Hop> {
    let target: URL;
    let port: number;
    try {
      target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        throw new FeedError('blocked-address', `refused scheme ${target.protocol} in ${url}`);
      }
      port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
      // A literal address never goes through DNS: check it here (the URL parser has already
      // normalised decimal, octal and hex spellings to dotted quads).
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      if (ipaddr.isValid(literal)) checkAddress(literal, target.hostname, port, this.settings);
    } catch (error) {
      return Promise.reject(
        error instanceof FeedError
          ? error
          : new FeedError('network', `not a valid URL: ${url}`, { cause: error }),
      );
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(this.timeoutError(url));

    return new Promise<Hop>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (error: FeedError) => finish(() => reject(error));
      // Socket timeouts only measure silence; this bounds the whole exchange (slow-drip servers).
      const timer = setTimeout(() => {
        fail(this.timeoutError(url));
        request.destroy();
      }, remaining);

      const transport = target.protocol === 'https:' ? https : http;
      const request = transport.get(
        target,
        {
          agent: this.agents[target.protocol as 'http:' | 'https:'],
          headers: {
            'user-agent': this.settings.userAgent,
            accept: ACCEPT,
            'accept-encoding': 'gzip, deflate, br',
            ...(conditions.etag ? { 'if-none-match': conditions.etag } : {}),
            ...(conditions.lastModified ? { 'if-modified-since': conditions.lastModified } : {}),
          },
          lookup: guardedLookup(this.settings, port, this.settings.resolver ?? systemResolver),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (REDIRECT_STATUSES.has(status)) {
            response.resume();
            const location = response.headers.location;
            if (!location)
              return fail(
                new FeedError('http-status', `HTTP ${status} without a Location header from ${url}`),
              );
            let next: string;
            try {
              next = new URL(location, target).toString();
            } catch (error) {
              return fail(
                new FeedError('http-status', `HTTP ${status} to an invalid Location from ${url}`, {
                  cause: error,
                }),
              );
            }
            return finish(() => resolve({ kind: 'redirect', location: next }));
          }
          if (status === 304) {
            response.resume();
            return finish(() => resolve({ kind: 'done', result: { status: 'not-modified' } }));
          }
          if (status < 200 || status >= 300) {
            response.resume();
            return fail(
              new HttpStatusError(
                status,
                `HTTP ${status} from ${url}`,
                retryAfterMs(firstHeader(response.headers['retry-after'])),
              ),
            );
          }
          this.readBody(response, url, fail, (body) =>
            finish(() =>
              resolve({
                kind: 'done',
                result: {
                  status: 'ok',
                  body,
                  contentType: response.headers['content-type'],
                  etag: firstHeader(response.headers.etag),
                  lastModified: firstHeader(response.headers['last-modified']),
                  finalUrl: url,
                },
              }),
            ),
          );
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(
          error instanceof FeedError
            ? error
            : request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
              ? new StaleSocketError('network', `the kept-alive connection for ${url} was closed`, {
                  cause: error,
                })
              : new FeedError('network', `fetching ${url} failed: ${error.message}`, { cause: error }),
        ),
      );
    });
  }

  /** Reads and decompresses the body, stopping the moment it passes the size cap. */
  private readBody(
    response: IncomingMessage,
    url: string,
    fail: (error: FeedError) => void,
    done: (body: Buffer) => void,
  ): void {
    const { maxBytes } = this.settings;
    const tooLarge = () => new FeedError('too-large', `body from ${url} exceeds the ${maxBytes}-byte limit`);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      fail(tooLarge());
      return void response.destroy();
    }
    const encoding = String(response.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    let stream: Readable = response;
    if (encoding === 'gzip' || encoding === 'x-gzip') stream = response.pipe(createGunzip());
    else if (encoding === 'deflate') stream = response.pipe(createInflate());
    else if (encoding === 'br') stream = response.pipe(createBrotliDecompress());

    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(tooLarge());
        response.destroy();
        return void stream.destroy();
      }
      chunks.push(chunk);
    });
    stream.on('error', (error) =>
      fail(new FeedError('network', `reading ${url} failed: ${error.message}`, { cause: error })),
    );
    response.on('aborted', () => fail(new FeedError('network', `the server closed ${url} mid-body`)));
    stream.on('end', () => done(Buffer.concat(chunks)));
  }

  private timeoutError(url: string): FeedError {
    return new FeedError('timeout', `timed out after ${this.settings.timeoutMs} ms fetching ${url}`);
  }
}

/** The request went out on a reused socket the server had just closed (retried once). */
class StaleSocketError extends FeedError {}

/** Retry-After in seconds or as an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
