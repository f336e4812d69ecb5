import type { PubMedApi, PubMedBatch, PubMedSearch, ApiAnswer } from '../../ports/pubmed-api.ts';
import type { FeedFetcher } from '../../ports/feed-fetcher.ts';
import { PoliteApiClient, type PoliteApiSettings } from './polite-api.ts';

export interface EutilsSettings {
  /** Names the software to NCBI: one word, no spaces. */
  readonly tool: string;
  /** Whom NCBI writes to before it blocks a misbehaving tool. */
  readonly email: string;
  /**
   * An NCBI API key (10 requests a second instead of 3), or how to get one: read from Secrets
   * Manager on the first request only, so no other function reads the secret.
   */
  readonly apiKey?: string | undefined | (() => Promise<string | undefined>);
  /** Overrides for tests: retries, backoff, time. */
  readonly polite?: Omit<PoliteApiSettings, 'requestsPerSecond' | 'secretParameters'>;
  /** Overrides the rate NCBI allows (tests of the limit itself). */
  readonly requestsPerSecond?: number;
}

/** NCBI's published limits: https://www.ncbi.nlm.nih.gov/books/NBK25497/ */
export const EUTILS_RATE_WITHOUT_KEY = 3;
export const EUTILS_RATE_WITH_KEY = 10;

/**
 * PubMed through NCBI's E-utilities, by NCBI's usage rules: at most 3 requests a second (10 with
 * an API key) for every PubMed source of the process together, `tool` and `email` on every
 * request, retries with backoff on 429 and 5xx. The API key never appears in an error message.
 */
export class EutilsClient implements PubMedApi {
  private ready: Promise<{ client: PoliteApiClient; apiKey: string | undefined }> | undefined;

  constructor(
    private readonly fetcher: FeedFetcher,
    private readonly settings: EutilsSettings,
  ) {}

  search(request: PubMedSearch): Promise<ApiAnswer> {
    return this.get(request.baseUrl, 'esearch.fcgi', {
      db: 'pubmed',
      term: request.term,
      retmode: 'json',
      usehistory: 'y',
      datetype: 'edat',
      mindate: request.firstDay.replace(/-/g, '/'),
      maxdate: request.lastDay.replace(/-/g, '/'),
      // The ids are read from the history server, batch by batch: none are needed here.
      retmax: '0',
    });
  }

  fetchBatch(request: PubMedBatch): Promise<ApiAnswer> {
    return this.get(request.baseUrl, 'efetch.fcgi', {
      db: 'pubmed',
      query_key: request.queryKey,
      WebEnv: request.webEnv,
      retstart: String(request.retstart),
      retmax: String(Math.min(request.retmax, 200)),
      retmode: 'xml',
    });
  }

  private async get(
    baseUrl: string,
    utility: string,
    parameters: Record<string, string>,
  ): Promise<ApiAnswer> {
    // A failed read of the key is not kept: the next request (the next run) tries again.
    this.ready ??= this.prepare().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    const { client, apiKey } = await this.ready;
    const url = new URL(utility, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    url.searchParams.set('tool', this.settings.tool);
    url.searchParams.set('email', this.settings.email);
    if (apiKey) url.searchParams.set('api_key', apiKey);
    return client.get(url.toString());
  }

  /** Resolves the key once; the rate follows from whether there is one. */
  private async prepare(): Promise<{ client: PoliteApiClient; apiKey: string | undefined }> {
    const { apiKey: source } = this.settings;
    const apiKey = typeof source === 'function' ? await source() : source;
    const client = new PoliteApiClient(this.fetcher, {
      ...this.settings.polite,
      requestsPerSecond:
        this.settings.requestsPerSecond ?? (apiKey ? EUTILS_RATE_WITH_KEY : EUTILS_RATE_WITHOUT_KEY),
      secretParameters: ['api_key'],
    });
    return { client, apiKey };
  }
}
