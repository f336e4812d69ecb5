import { afterEach, describe, expect, it, vi } from 'vitest';
import { PoliteApiClient } from '../../functions/adapters/http/polite-api.ts';
import { EutilsClient } from '../../functions/adapters/http/eutils-client.ts';
import { ClinicalTrialsClient } from '../../functions/adapters/http/clinicaltrials-client.ts';
import { FeedError, HttpStatusError } from '../../functions/core/errors.ts';
import type { FeedFetcher, FetchResult } from '../../functions/ports/feed-fetcher.ts';

/**
 * The API clients with a scripted fetcher and a fake clock: which URLs they ask for, how they
 * space requests, and what they retry. The same behaviour over real HTTP against the loopback
 * stand-in is in test/integration/api-sources.test.ts.
 */

type Step = Buffer | Error;

class ScriptedFetcher implements FeedFetcher {
  readonly urls: string[] = [];
  readonly times: number[] = [];
  constructor(
    private readonly steps: Step[],
    /** Without one, the time is Date.now() (vitest's fake timers). */
    private readonly clock?: FakeClock,
  ) {}
  fetch(url: string): Promise<FetchResult> {
    this.urls.push(url);
    this.times.push(this.clock?.time ?? Date.now());
    const step = this.steps.shift() ?? Buffer.from('{}');
    if (step instanceof Error) return Promise.reject(step);
    return Promise.resolve({
      status: 'ok',
      body: step,
      contentType: 'application/json',
      etag: undefined,
      lastModified: undefined,
      finalUrl: url,
    });
  }
}

class FakeClock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  now = () => this.time;
  sleep = (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  };
}

const ok = Buffer.from('{"ok":true}');

afterEach(() => {
  vi.useRealTimers();
});

/** Runs `work` under fake timers (real setTimeout and Date.now of the client, no real waiting). */
async function withFakeTimers<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ now: 1_000_000 });
  const result = work();
  await vi.runAllTimersAsync();
  return result;
}

describe('PoliteApiClient', () => {
  it('spaces requests so that no second holds more than the allowed number', async () => {
    const fetcher = new ScriptedFetcher([]);
    const client = new PoliteApiClient(fetcher, { requestsPerSecond: 3 });

    await withFakeTimers(() =>
      Promise.all(Array.from({ length: 10 }, (_, index) => client.get(`https://api.example/${index}`))),
    );

    for (let first = 0; first + 3 < fetcher.times.length; first += 1) {
      expect(fetcher.times[first + 3]! - fetcher.times[first]!).toBeGreaterThanOrEqual(1000);
    }
  });

  it('retries 429 and 5xx with a growing backoff, honouring Retry-After', async () => {
    const clock = new FakeClock();
    const fetcher = new ScriptedFetcher(
      [
        new HttpStatusError(429, 'HTTP 429 from https://api.example/x', 5000),
        new HttpStatusError(503, 'HTTP 503 from https://api.example/x'),
        ok,
      ],
      clock,
    );
    const client = new PoliteApiClient(fetcher, {
      requestsPerSecond: 100,
      backoffMs: 1000,
      sleep: clock.sleep,
      now: clock.now,
    });

    expect((await client.get('https://api.example/x')).body).toEqual(ok);
    expect(fetcher.urls).toHaveLength(3);
    // The Retry-After (5 s) beats the first backoff (1 s); the second backoff is 2 s.
    expect(clock.sleeps.filter((ms) => ms >= 1000)).toEqual([5000, 2000]);
  });

  it('retries timeouts and network errors, but not a 404 or a page it cannot read', async () => {
    const clock = new FakeClock();
    const retried = new ScriptedFetcher([new FeedError('timeout', 'timed out'), ok], clock);
    const polite = (fetcher: FeedFetcher) =>
      new PoliteApiClient(fetcher, { requestsPerSecond: 100, sleep: clock.sleep, now: clock.now });
    await polite(retried).get('https://api.example/x');
    expect(retried.urls).toHaveLength(2);

    const notFound = new ScriptedFetcher(
      [new HttpStatusError(404, 'HTTP 404 from https://api.example/x')],
      clock,
    );
    await expect(polite(notFound).get('https://api.example/x')).rejects.toMatchObject({ status: 404 });
    expect(notFound.urls).toHaveLength(1);
  });

  it('gives up after its retries, with the last failure', async () => {
    const clock = new FakeClock();
    const failures = Array.from(
      { length: 5 },
      () => new HttpStatusError(502, 'HTTP 502 from https://api.example/x'),
    );
    const fetcher = new ScriptedFetcher(failures, clock);
    const client = new PoliteApiClient(fetcher, {
      requestsPerSecond: 100,
      retries: 2,
      sleep: clock.sleep,
      now: clock.now,
    });
    await expect(client.get('https://api.example/x')).rejects.toMatchObject({
      kind: 'http-status',
      status: 502,
    });
    expect(fetcher.urls).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than its longest wait: the next run tries again', async () => {
    const clock = new FakeClock();
    const fetcher = new ScriptedFetcher([new HttpStatusError(429, 'HTTP 429', 3_600_000), ok], clock);
    const client = new PoliteApiClient(fetcher, {
      requestsPerSecond: 100,
      sleep: clock.sleep,
      now: clock.now,
    });
    await expect(client.get('https://api.example/x')).rejects.toMatchObject({ status: 429 });
    expect(fetcher.urls).toHaveLength(1);
  });
});

describe('EutilsClient', () => {
  const search = {
    baseUrl: 'https://eutils.example/entrez/eutils/',
    term: 'car-t[tiab]',
    firstDay: '2026-11-20',
    lastDay: '2026-11-27',
  };

  it('asks esearch for JSON on the history server over an entry-date window, naming the tool and a mailbox', async () => {
    const clock = new FakeClock();
    const fetcher = new ScriptedFetcher([], clock);
    const client = new EutilsClient(fetcher, {
      tool: 'immunotherapy-digest',
      email: 'editors@example.org',
      polite: { sleep: clock.sleep, now: clock.now },
    });

    await client.search(search);
    await client.fetchBatch({
      baseUrl: search.baseUrl,
      webEnv: 'MCID_1',
      queryKey: '1',
      retstart: 400,
      retmax: 500,
    });

    const [esearch, efetch] = fetcher.urls.map((url) => new URL(url));
    expect(esearch!.pathname).toBe('/entrez/eutils/esearch.fcgi');
    expect(Object.fromEntries(esearch!.searchParams)).toEqual({
      db: 'pubmed',
      term: 'car-t[tiab]',
      retmode: 'json',
      usehistory: 'y',
      datetype: 'edat',
      mindate: '2026/11/20',
      maxdate: '2026/11/27',
      retmax: '0',
      tool: 'immunotherapy-digest',
      email: 'editors@example.org',
    });
    expect(efetch!.pathname).toBe('/entrez/eutils/efetch.fcgi');
    expect(Object.fromEntries(efetch!.searchParams)).toMatchObject({
      db: 'pubmed',
      WebEnv: 'MCID_1',
      query_key: '1',
      retstart: '400',
      // Never more than 200 records a batch, whatever the caller asks.
      retmax: '200',
      retmode: 'xml',
    });
  });

  it('keeps 3 requests a second without a key and 10 with one, reading the key once', async () => {
    for (const [key, rate] of [
      [undefined, 3],
      ['0123456789abcdef0123', 10],
    ] as const) {
      const fetcher = new ScriptedFetcher([]);
      let reads = 0;
      const client = new EutilsClient(fetcher, {
        tool: 't',
        email: 'e@example.org',
        apiKey: () => {
          reads += 1;
          return Promise.resolve(key);
        },
      });
      await withFakeTimers(() =>
        Promise.all(Array.from({ length: 2 * rate + 1 }, () => client.search(search))),
      );
      vi.useRealTimers();

      expect(reads).toBe(1);
      const times = fetcher.times;
      for (let first = 0; first + rate < times.length; first += 1) {
        expect(times[first + rate]! - times[first]!).toBeGreaterThanOrEqual(1000);
      }
      // ...and not much slower than allowed: the whole burst fits in about two seconds.
      expect(times.at(-1)! - times[0]!).toBeLessThan(2200);
      const sent = new URL(fetcher.urls[0]!).searchParams.get('api_key');
      expect(sent).toBe(key ?? null);
    }
  });

  it('never shows the API key in an error', async () => {
    const clock = new FakeClock();
    const key = 'secretsecret0123456789';
    const fetcher = new ScriptedFetcher(
      [
        new HttpStatusError(
          400,
          `HTTP 400 from https://eutils.example/esearch.fcgi?db=pubmed&api_key=${key}&tool=t`,
        ),
      ],
      clock,
    );
    const client = new EutilsClient(fetcher, {
      tool: 't',
      email: 'e@example.org',
      apiKey: key,
      polite: { sleep: clock.sleep, now: clock.now },
    });
    const error = (await client.search(search).catch((failure: unknown) => failure)) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.status).toBe(400);
    expect(error.message).not.toContain(key);
    expect(error.message).toContain('api_key=***');
  });
});

describe('ClinicalTrialsClient', () => {
  it('asks the v2 studies endpoint for updates since a day, oldest first, page by page', async () => {
    const clock = new FakeClock();
    const fetcher = new ScriptedFetcher([], clock);
    const client = new ClinicalTrialsClient(fetcher, { polite: { sleep: clock.sleep, now: clock.now } });

    await client.searchStudies({
      baseUrl: 'https://registry.example/api/v2',
      query: { intervention: 'pembrolizumab OR "CAR T"', condition: 'melanoma' },
      updatedFrom: '2026-11-20',
      pageSize: 100,
      pageToken: 'NF0g5JGBlPMs',
    });

    const url = new URL(fetcher.urls[0]!);
    expect(url.pathname).toBe('/api/v2/studies');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      format: 'json',
      'query.intr': 'pembrolizumab OR "CAR T"',
      'query.cond': 'melanoma',
      'filter.advanced': 'AREA[LastUpdatePostDate]RANGE[2026-11-20,MAX]',
      sort: 'LastUpdatePostDate:asc',
      pageSize: '100',
      pageToken: 'NF0g5JGBlPMs',
    });
    expect(url.searchParams.get('fields')!.split(',')).toEqual(
      expect.arrayContaining([
        'NCTId',
        'Phase',
        'OverallStatus',
        'LocationCountry',
        'LocationStatus',
        'LeadSponsorName',
      ]),
    );
  });
});
