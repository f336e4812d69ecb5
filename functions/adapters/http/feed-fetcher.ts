import http from 'node:http';
import https from 'node:https';
import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { FeedError } from '../../core/errors.ts';
import type { FeedFetcher, FetchConditions, FetchResult } from '../../ports/index.ts';
import { checkAddress, guardedLookup, type AddressPolicy } from './address-guard.ts';

export interface FetcherSettings extends AddressPolicy {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly userAgent: string;
  readonly maxRedirects?: number;
}

const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Fetches feeds over HTTP(S) with node:http: a whole-request timeout, a size cap on the
 * decompressed body, gzip/deflate/br, conditional GET, a redirect limit with every hop
 * re-checked, and the SSRF guard applied to every DNS answer at connect time.
 */
export class HttpFeedFetcher implements FeedFetcher {
  constructor(private readonly settings: FetcherSettings) {}

  async fetch(url: string, conditions: FetchConditions): Promise<FetchResult> {
    const deadline = Date.now() + this.settings.timeoutMs;
    let current = url;
    for (let hop = 0; hop <= (this.settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS); hop += 1) {
      const response = await this.request(current, conditions, deadline);
      if (response.kind === 'redirect') {
        current = response.location;
        continue;
      }
      return response.result;
    }
    throw new FeedError(
      'too-many-redirects',
      `more than ${this.settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS} redirects from ${url}`,
    );
  }

  private request(
    url: string,
    conditions: FetchConditions,
    deadline: number,
  ): Promise<{ kind: 'redirect'; location: string } | { kind: 'done'; result: FetchResult }> {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      return Promise.reject(new FeedError('network', `not a valid URL: ${url}`, { cause: error }));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return Promise.reject(new FeedError('blocked-address', `refused scheme ${target.protocol} in ${url}`));
    }
    // A literal IP in the URL never goes through DNS: check it here.
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    if (ipaddr.isValid(literal)) {
      try {
        checkAddress(literal, target.hostname, port, this.settings);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- checkAddress only throws FeedError
        return Promise.reject(error);
      }
    }

    const remaining = deadline - Date.now();
    if (remaining <= 0)
      return Promise.reject(new FeedError('timeout', `timed out after ${this.settings.timeoutMs} ms`));
    const transport = target.protocol === 'https:' ? https : http;

    return new Promise((resolve, reject) => {
      // The socket timeout only measures silence; this one bounds the whole exchange (slow-drip servers).
      const timer = setTimeout(() => {
        request.destroy(
          new FeedError('timeout', `timed out after ${this.settings.timeoutMs} ms fetching ${url}`),
        );
      }, remaining);
      const settle =
        <T>(callback: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          callback(value);
        };
      resolve = settle(resolve);
      reject = settle(reject);
      const request = transport.get(
        target,
        {
          headers: {
            'user-agent': this.settings.userAgent,
            accept:
              'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
            'accept-encoding': 'gzip, deflate, br',
            ...(conditions.etag ? { 'if-none-match': conditions.etag } : {}),
            ...(conditions.lastModified ? { 'if-modified-since': conditions.lastModified } : {}),
          },
          lookup: guardedLookup(this.settings, port),
          timeout: remaining,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400 && status !== 304) {
            response.resume();
            const location = response.headers.location;
            if (!location)
              return reject(
                new FeedError('http-status', `HTTP ${status} without a Location header from ${url}`),
              );
            return resolve({ kind: 'redirect', location: new URL(location, target).toString() });
          }
          if (status === 304) {
            response.resume();
            return resolve({ kind: 'done', result: { status: 'not-modified' } });
          }
          if (status < 200 || status >= 300) {
            response.resume();
            return reject(new FeedError('http-status', `HTTP ${status} from ${url}`));
          }
          const declared = Number(response.headers['content-length']);
          const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
          if (!encoding && Number.isFinite(declared) && declared > this.settings.maxBytes) {
            response.destroy();
            return reject(
              new FeedError(
                'too-large',
                `body of ${declared} bytes exceeds the ${this.settings.maxBytes}-byte limit`,
              ),
            );
          }
          let stream: Readable = response;
          if (encoding === 'gzip' || encoding === 'x-gzip') stream = response.pipe(createGunzip());
          else if (encoding === 'deflate') stream = response.pipe(createInflate());
          else if (encoding === 'br') stream = response.pipe(createBrotliDecompress());

          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.settings.maxBytes) {
              request.destroy();
              stream.destroy();
              reject(new FeedError('too-large', `body exceeds the ${this.settings.maxBytes}-byte limit`));
              return;
            }
            chunks.push(chunk);
          });
          stream.on('error', (error) =>
            reject(new FeedError('network', `reading ${url} failed: ${error.message}`, { cause: error })),
          );
          stream.on('end', () =>
            resolve({
              kind: 'done',
              result: {
                status: 'ok',
                body: Buffer.concat(chunks),
                contentType: response.headers['content-type'],
                etag: header(response.headers.etag),
                lastModified: header(response.headers['last-modified']),
                finalUrl: url,
              },
            }),
          );
        },
      );
      request.on('timeout', () => {
        request.destroy(
          new FeedError('timeout', `timed out after ${this.settings.timeoutMs} ms fetching ${url}`),
        );
      });
      request.on('error', (error) => {
        reject(
          error instanceof FeedError
            ? error
            : new FeedError('network', `fetching ${url} failed: ${error.message}`, { cause: error }),
        );
      });
    });
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
