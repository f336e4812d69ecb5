import { FeedError, HttpStatusError } from '../../core/errors.ts';
import type { FeedFetcher } from '../../ports/feed-fetcher.ts';
import type { ApiAnswer } from '../../ports/pubmed-api.ts';

/**
 * GETs to a public API as its owners ask: never more than `requestsPerSecond` requests in any
 * second, across everything this process asks of that API (one instance per API, shared by all
 * its sources), and a retry with exponential backoff on 429 and 5xx answers, timeouts and
 * network errors, waiting at least what a Retry-After header asks.
 */
export interface PoliteApiSettings {
  readonly requestsPerSecond: number;
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** The first backoff; each next one doubles (default 1 s). */
  readonly backoffMs?: number;
  /** No single wait is longer (default 30 s): a longer Retry-After fails the source until next run. */
  readonly maxWaitMs?: number;
  /** Query parameters whose values never appear in an error message (an API key). */
  readonly secretParameters?: readonly string[];
  /** Tests compress time; defaults to real time. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const RETRYABLE_KINDS = new Set(['timeout', 'network']);

export class PoliteApiClient {
  /** When the next request may leave (ms since the epoch). */
  private nextSlot = 0;
  private readonly intervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly fetcher: FeedFetcher,
    private readonly settings: PoliteApiSettings,
  ) {
    // A little over 1/rate: requests that leave evenly spaced may still arrive a little bunched.
    this.intervalMs = Math.ceil((1000 / settings.requestsPerSecond) * 1.05);
    this.sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = settings.now ?? Date.now;
  }

  /**
   * GETs `url`, spaced from every other request of this client and retried as above.
   *
   * @throws FeedError of the last failure once the retries are spent, with secrets removed from its message
   */
  async get(url: string): Promise<ApiAnswer> {
    const retries = this.settings.retries ?? 3;
    const backoff = this.settings.backoffMs ?? 1000;
    const maxWait = this.settings.maxWaitMs ?? 30_000;
    for (let attempt = 0; ; attempt += 1) {
      await this.takeSlot();
      try {
        const result = await this.fetcher.fetch(url, {});
        if (result.status !== 'ok') {
          throw new FeedError('http-status', `HTTP 304 from ${url} without a conditional request`);
        }
        return { body: result.body, contentType: result.contentType };
      } catch (error) {
        const retryable =
          error instanceof HttpStatusError
            ? error.status === 429 || error.status >= 500
            : error instanceof FeedError && RETRYABLE_KINDS.has(error.kind);
        const wait = Math.max(
          backoff * 2 ** attempt,
          error instanceof HttpStatusError ? (error.retryAfterMs ?? 0) : 0,
        );
        if (!retryable || attempt >= retries || wait > maxWait) throw this.redacted(error);
        await this.sleep(wait);
      }
    }
  }

  /** Waits for this request's turn: one every intervalMs, in the order they asked. */
  private async takeSlot(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.sleep(slot - now);
  }

  /** The error with the values of secret parameters (the API key) blanked out of its message. */
  private redacted(error: unknown): unknown {
    const secrets = this.settings.secretParameters ?? [];
    if (!(error instanceof FeedError) || secrets.length === 0) return error;
    const pattern = new RegExp(`([?&](?:${secrets.join('|')})=)[^&\\s]*`, 'g');
    const message = error.message.replace(pattern, '$1***');
    if (message === error.message) return error;
    return error instanceof HttpStatusError
      ? new HttpStatusError(error.status, message, error.retryAfterMs)
      : new FeedError(error.kind, message);
  }
}
