import { mkdtempSync } from 'node:fs';
import { snapshotShiftDays } from '../../functions/local/snapshot-dates.ts';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSources } from '../../functions/adapters/content/load-content.ts';
import { runIngest, type IngestRequest, type IngestSummary } from '../../functions/core/ingest/run-ingest.ts';
import type { ApiSourceSettings } from '../../functions/core/ingest/read-pubmed.ts';
import type { ApiRequestRecord, ApiStandInOptions } from '../../functions/local/api-stand-in.ts';
import type { Source } from '../../functions/model/sources.ts';
import { ManualClock } from '../../testkit/fakes.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { serveSnapshots } from '../helpers/snapshots.ts';

/**
 * The API sources (PubMed through E-utilities, ClinicalTrials.gov v2) through the real HTTP
 * fetcher, the real API clients and the DynamoDB stand-in, against the loopback stand-in of the
 * two APIs answering from content/snapshots: windows, caps, batches, politeness, bad answers.
 */

const CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');
const NCBI_RATE_WITHOUT_KEY = 3;

type Snapshots = Awaited<ReturnType<typeof serveSnapshots>>;

/** A snapshot server (with the API stand-in) and a fresh world fetching from it, per describe block. */
function apiWorld(options: { apis?: ApiStandInOptions; directory?: () => string } = {}) {
  const state = {} as { snapshots: Snapshots; world: TestWorld; sources: Source[] };
  beforeAll(async () => {
    state.snapshots = await serveSnapshots({
      ...(options.apis ? { apis: options.apis } : {}),
      ...(options.directory ? { directory: options.directory() } : {}),
    });
    state.world = await createTestWorld({ fetcher: state.snapshots.fetcher });
    state.sources = (await loadSources(CONTENT_DIR)).filter((source) => source.via !== 'feed');
  });
  afterAll(async () => {
    state.world.stop();
    state.snapshots.fetcher.close();
    await state.snapshots.server.stop();
  });
  return state;
}

function ingest(
  t: ReturnType<typeof apiWorld>,
  sources: readonly Source[],
  clock: ManualClock,
  apiSources: Partial<ApiSourceSettings> = {},
): Promise<IngestSummary> {
  const request: IngestRequest = {
    sources: sources.map((source) => ({ source, fetchUrl: t.snapshots.fetchUrlFor(source)! })),
    siteArticles: [],
    concurrency: 8,
    maxBytes: 5 * 1024 * 1024,
    apiSources: { lookbackDays: 7, maxRecordsPerRun: 500, ...apiSources },
  };
  return runIngest(request, { ...t.world.context, clock });
}

const requestsOf = (t: ReturnType<typeof apiWorld>, from: number, endpoint: string) =>
  t.snapshots.server.apis.requests.slice(from).filter((request) => request.endpoint === endpoint);

describe('search windows', () => {
  // The clocks here are pinned to the week the recordings were made: served as made, not moved to today.
  const t = apiWorld({ apis: { windows: 'apply', shiftDays: () => 0 } });
  const pick = (...ids: string[]) => t.sources.filter((source) => ids.includes(source.id));

  it('looks back the configured days on a first run, then asks only for what is new', async () => {
    const clock = new ManualClock(new Date('2026-11-27T12:00:00Z'));
    const sources = pick('pubmed-immunotherapy', 'clinicaltrials-immunotherapy');

    const first = await ingest(t, sources, clock, { lookbackDays: 10 });

    expect(first.failures).toEqual([]);
    const [esearch] = requestsOf(t, 0, 'esearch.fcgi');
    expect(esearch!.query).toMatchObject({ datetype: 'edat', mindate: '2026/11/17', maxdate: '2026/11/27' });
    const [studies] = requestsOf(t, 0, 'studies');
    expect(studies!.query['filter.advanced']).toBe('AREA[LastUpdatePostDate]RANGE[2026-11-17,MAX]');
    // 5 PubMed records; 5 new trials, and the 2023 trial updated this week creates nothing.
    expect(first).toMatchObject({ articlesCreated: 10, articlesUnchanged: 1 });

    clock.set('2026-11-28T12:00:00Z');
    const before = t.snapshots.server.apis.requests.length;
    const second = await ingest(t, sources, clock, { lookbackDays: 10 });

    // The window starts where the first run ended (07:00 in New York on the 27th).
    expect(requestsOf(t, before, 'esearch.fcgi').map((request) => request.query)).toEqual([
      expect.objectContaining({ mindate: '2026/11/27', maxdate: '2026/11/28' }),
    ]);
    expect(requestsOf(t, before, 'studies')[0]!.query['filter.advanced']).toBe(
      'AREA[LastUpdatePostDate]RANGE[2026-11-27,MAX]',
    );
    // Nothing was entered since: no efetch at all.
    expect(requestsOf(t, before, 'efetch.fcgi')).toEqual([]);
    expect(second).toMatchObject({ articlesCreated: 0, itemsSeen: 0, failures: [] });
  });

  it('takes whole days up to the cap per run, and the rest on the next runs, each record once', async () => {
    const clock = new ManualClock(new Date('2026-11-27T12:00:00Z'));
    const [source] = pick('pubmed-car-t');
    const runs: { created: number; mindate: string | undefined }[] = [];
    for (let run = 0; run < 3; run += 1) {
      const before = t.snapshots.server.apis.requests.length;
      const summary = await ingest(t, [source!], clock, { lookbackDays: 10, maxRecordsPerRun: 1 });
      expect(summary.failures).toEqual([]);
      runs.push({
        created: summary.articlesCreated + summary.articlesMerged,
        mindate: requestsOf(t, before, 'esearch.fcgi')[0]?.query.mindate,
      });
      clock.advance(60_000);
    }
    // Entered on 20, 22 and 25 November (New York days): each run takes the longest run of
    // whole days that fits, and the next window starts the day after.
    expect(runs).toEqual([
      { created: 1, mindate: '2026/11/17' },
      { created: 1, mindate: '2026/11/22' },
      { created: 1, mindate: '2026/11/25' },
    ]);
  });
});

describe('batches of 200 and NCBI politeness', () => {
  // Made before the server starts; the stand-in reads a recording when it is asked for.
  const directory = mkdtempSync(path.join(tmpdir(), 'api-recordings-'));
  const t = apiWorld({ directory: () => directory });

  beforeAll(async () => {
    await writeRecording(directory, 'many-a', 410, 30_000_000);
    await writeRecording(directory, 'many-b', 30, 31_000_000);
  }, 30_000);
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const source = (id: string): Source => ({
    id,
    via: 'pubmed',
    name: id,
    url: 'https://pubmed.ncbi.nlm.nih.gov/',
    term: 'immunotherapy[tiab]',
    broad: false,
    weight: 1,
    enabled: true,
    snapshot: id,
  });

  it('fetches a large result in batches of 200, never more than 3 requests a second, retrying a 429', async () => {
    const apis = t.snapshots.server.apis;
    apis.failNext(
      (request) => request.snapshot === 'many-b' && request.endpoint === 'esearch.fcgi',
      (response) => response.writeHead(429, { 'retry-after': '1' }).end('Too Many Requests'),
    );
    apis.failNext(
      (request) => request.snapshot === 'many-a' && request.endpoint === 'efetch.fcgi',
      (response) => response.writeHead(503).end('Service Unavailable'),
    );

    const summary = await ingest(t, [source('many-a'), source('many-b')], new ManualClock(new Date()));

    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ itemsSeen: 440, articlesCreated: 440 });
    const batches = apis.requests
      .filter((request) => request.snapshot === 'many-a' && request.endpoint === 'efetch.fcgi')
      .map((request) => [request.query.retstart, request.query.retmax]);
    // The first batch once more after its 503.
    expect(batches).toEqual([
      ['0', '200'],
      ['0', '200'],
      ['200', '200'],
      ['400', '200'],
    ]);
    expect(apis.requests.filter((request) => request.snapshot === 'many-b')).toHaveLength(3);
    for (const request of apis.requests) {
      expect(request.query).toMatchObject({
        tool: 'immunotherapy-digest',
        email: expect.stringContaining('@'),
      });
    }
    expect(apis.busiestSecond('pubmed')).toBeLessThanOrEqual(NCBI_RATE_WITHOUT_KEY);
  }, 60_000);
});

describe('recordings that never age', () => {
  // A year after the recordings were made, served as if made that day, windows applied.
  const yearOn = new ManualClock(new Date('2027-11-27T12:00:00Z'));
  const t = apiWorld({ apis: { windows: 'apply', shiftDays: () => snapshotShiftDays(yearOn.now()) } });

  it('are stored on any later day, within the age limit and the windows, as the feed snapshots are', async () => {
    const sources = t.sources.filter((source) =>
      ['pubmed-immunotherapy', 'clinicaltrials-immunotherapy'].includes(source.id),
    );
    const request: IngestRequest = {
      sources: sources.map((source) => ({ source, fetchUrl: t.snapshots.fetchUrlFor(source)! })),
      siteArticles: [],
      concurrency: 8,
      maxBytes: 5 * 1024 * 1024,
      maxArticleAgeDays: 60,
      apiSources: { lookbackDays: 10, maxRecordsPerRun: 500 },
    };

    const summary = await runIngest(request, { ...t.world.context, clock: yearOn });

    // The same as on the day they were made: 5 PubMed records, 5 new trials, none too old.
    expect(summary).toMatchObject({ articlesCreated: 10, articlesUnchanged: 1, failures: [] });
    const stored = await t.world.context.articles.listFirstSeenBetween(
      new Date('2027-11-01T00:00:00Z'),
      yearOn.now(),
    );
    const trial = stored.find((article) => article.identifiers.nct === 'NCT07012345')!;
    // First posted 2026-11-24, two days before the recording was made; served 366 days on.
    expect(trial.publishedAt.slice(0, 10)).toBe('2027-11-25');
    expect(trial.trial).toMatchObject({ status: 'recruiting', recruitingCountries: ['FR', 'US'] });
  });
});

describe('bad answers', () => {
  const t = apiWorld();

  const page = (type: string, body: string) => (response: ServerResponse) =>
    response.writeHead(200, { 'content-type': type }).end(body);
  const html = page(
    'text/html',
    '<!DOCTYPE html><html><head><title>Service maintenance</title></head><body>Back soon</body></html>',
  );
  const fault = (snapshot: string, endpoint: string) => (request: ApiRequestRecord) =>
    request.snapshot === snapshot && request.endpoint === endpoint;

  it('fail their own source alone, each with its kind, and leave its window where it was', async () => {
    const apis = t.snapshots.server.apis;
    const clock = new ManualClock(new Date('2026-11-27T12:00:00Z'));
    apis.failNext(fault('pubmed-car-t', 'esearch.fcgi'), html);
    apis.failNext(
      fault('pubmed-cancer-vaccines', 'efetch.fcgi'),
      page(
        'text/xml',
        '<?xml version="1.0"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>4130',
      ),
    );
    apis.failNext(
      fault('pubmed-checkpoint-inhibitors', 'esearch.fcgi'),
      // An API change: the history server's place is gone from the answer.
      page('application/json', '{"header":{"type":"esearch"},"esearchresult":{"count":"3","idlist":[]}}'),
    );
    apis.failNext(
      fault('clinicaltrials-immunotherapy', 'studies'),
      page('application/json', '{"totalCount":6,"studies":[{"protocolSection":{"identificationModule":'),
    );

    const first = await ingest(t, t.sources, clock);

    expect(first.failures.map(({ sourceId, kind }) => ({ sourceId, kind }))).toEqual([
      { sourceId: 'clinicaltrials-immunotherapy', kind: 'malformed-json' },
      { sourceId: 'pubmed-cancer-vaccines', kind: 'malformed-xml' },
      { sourceId: 'pubmed-car-t', kind: 'not-a-feed' },
      { sourceId: 'pubmed-checkpoint-inhibitors', kind: 'unexpected-response' },
    ]);
    expect(first.failures.find((failure) => failure.sourceId === 'pubmed-car-t')!.message).toContain(
      'Service maintenance',
    );
    expect(first.sourcesFetched).toBe(2);

    apis.failNext(fault('pubmed-immunotherapy', 'efetch.fcgi'), (response) =>
      response
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          '<?xml version="1.0"?>\n<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n',
        ),
    );
    apis.failNext(
      fault('clinicaltrials-immunotherapy', 'studies'),
      page('application/json', '{"totalCount":6,"results":[]}'),
    );
    clock.advance(3_600_000);
    const second = await ingest(t, t.sources, clock);

    expect(second.failures.map(({ sourceId, kind }) => ({ sourceId, kind }))).toEqual([
      { sourceId: 'clinicaltrials-immunotherapy', kind: 'unexpected-response' },
      { sourceId: 'pubmed-immunotherapy', kind: 'api-error' },
    ]);
    // The sources that failed the first time recover on the second.
    expect(second.sourcesFetched).toBe(4);
    const states = await t.world.context.sourceState.getMany(t.sources.map((source) => source.id));
    // A failing source's window stays where it was (never set: it has not yet succeeded).
    expect(states.get('clinicaltrials-immunotherapy')).toMatchObject({ consecutiveFailures: 2 });
    expect(states.get('clinicaltrials-immunotherapy')!.windowStart).toBeUndefined();
    expect(states.get('pubmed-car-t')).toMatchObject({ consecutiveFailures: 0 });
    expect(states.get('pubmed-car-t')!.windowStart).toBe('2026-11-27T13:00:00.000Z');
  }, 60_000);
});

/** A recording of `count` made-up records (`<name>.esearch.json`, `<name>.efetch.xml`), entered yesterday. */
async function writeRecording(directory: string, name: string, count: number, firstPmid: number) {
  const entered = new Date(Date.now() - 86_400_000);
  const [year, month, day] = [entered.getUTCFullYear(), entered.getUTCMonth() + 1, entered.getUTCDate()];
  const records = Array.from({ length: count }, (_, index) => {
    const pmid = String(firstPmid + index);
    return `<PubmedArticle><MedlineCitation Status="Publisher" Owner="NLM"><PMID Version="1">${pmid}</PMID>
<Article PubModel="Electronic"><Journal><Title>Journal of made-up results</Title></Journal>
<ArticleTitle>Checkpoint inhibitor outcomes in made-up cohort number ${pmid}.</ArticleTitle>
<Abstract><AbstractText Label="RESULTS">Cohort ${pmid} did well on pembrolizumab.</AbstractText></Abstract>
<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList></Article></MedlineCitation>
<PubmedData><History><PubMedPubDate PubStatus="entrez"><Year>${year}</Year><Month>${month}</Month><Day>${day}</Day><Hour>9</Hour><Minute>0</Minute></PubMedPubDate></History>
<ArticleIdList><ArticleId IdType="pubmed">${pmid}</ArticleId><ArticleId IdType="doi">10.5555/made-up.${pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`;
  });
  await writeFile(
    path.join(directory, `${name}.efetch.xml`),
    `<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n${records.join('\n')}\n</PubmedArticleSet>\n`,
  );
  await writeFile(
    path.join(directory, `${name}.esearch.json`),
    JSON.stringify({
      header: { type: 'esearch', version: '0.3' },
      esearchresult: { count: '0', idlist: [] },
    }),
  );
}
