import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEfetch, parseEsearch } from '../../functions/core/ingest/pubmed-parser.ts';
import { FeedError } from '../../functions/core/errors.ts';

const snapshot = (name: string) =>
  readFile(path.resolve(import.meta.dirname, '../../content/snapshots', name));

function failureOf(run: () => unknown): FeedError {
  try {
    run();
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error('expected a FeedError');
}

const PROLOG =
  '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n';

/** A minimal PubmedArticle in efetch's shape. */
const article = (pmid: string, title: string, extra = '') => `<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">${pmid}</PMID>
    <Article PubModel="Print"><Journal><Title>Cancer immunology research</Title><JournalIssue><PubDate><Year>2026</Year><Month>Oct</Month></PubDate></JournalIssue></Journal>
      <ArticleTitle>${title}</ArticleTitle>${extra}
    </Article>
  </MedlineCitation>
  <PubmedData><History><PubMedPubDate PubStatus="entrez"><Year>2026</Year><Month>11</Month><Day>2</Day><Hour>9</Hour><Minute>30</Minute></PubMedPubDate></History>
    <ArticleIdList><ArticleId IdType="pubmed">${pmid}</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle>`;

const set = (...articles: string[]) =>
  Buffer.from(`${PROLOG}<PubmedArticleSet>\n${articles.join('\n')}\n</PubmedArticleSet>\n`);

describe('parseEsearch', () => {
  it('reads the count and the place on the history server from a recorded answer', async () => {
    expect(parseEsearch(await snapshot('pubmed-immunotherapy.esearch.json'))).toEqual({
      count: 5,
      webEnv: 'MCID_6749c1f08e4a2b4b2f1c9a37',
      queryKey: '1',
    });
  });

  it('needs no history place when nothing matched', () => {
    const empty = { header: { type: 'esearch' }, esearchresult: { count: '0', retmax: '0', idlist: [] } };
    expect(parseEsearch(Buffer.from(JSON.stringify(empty)))).toMatchObject({ count: 0 });
  });

  it('names each kind of bad answer', () => {
    const cases: [string, string][] = [
      ['<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>', 'not-a-feed'],
      ['{"header":{"type":"esearch"},"esearchresult":{"count":"12","ret', 'malformed-json'],
      ['{"header":{"type":"esearch"}}', 'unexpected-response'],
      ['{"esearchresult":{"count":"12"}}', 'unexpected-response'],
      ['{"esearchresult":{"count":"lots","webenv":"x","querykey":"1"}}', 'unexpected-response'],
      ['{"error":"API rate limit exceeded","count":"4"}', 'api-error'],
      ['{"esearchresult":{"ERROR":"Invalid query"}}', 'api-error'],
    ];
    for (const [body, kind] of cases) {
      expect(failureOf(() => parseEsearch(Buffer.from(body))).kind, body).toBe(kind);
    }
  });

  it('quotes the title of an HTML error page', () => {
    const failure = failureOf(() =>
      parseEsearch(Buffer.from('<html><head><title>Service Unavailable</title></head><body></body></html>')),
    );
    expect(failure.message).toContain('"Service Unavailable"');
  });
});

describe('parseEfetch on the recorded PubmedArticleSet', () => {
  it('reads ids, journal, dates, structured abstracts, MeSH headings and publication types', async () => {
    const { records, recordErrors } = parseEfetch(await snapshot('pubmed-immunotherapy.efetch.xml'));

    expect(recordErrors).toEqual([]);
    expect(records).toHaveLength(5);
    const relatlimab = records.find((record) => record.pmid === '41290433')!;
    expect(relatlimab).toMatchObject({
      doi: '10.1016/S1470-2045(26)00612-9',
      publishedAt: '2026-11-18',
      // The Entrez date is US Eastern time: 18:22 EST is 23:22 UTC.
      enteredAt: '2026-11-19T23:22:00.000Z',
      publicationTypes: [
        'Journal Article',
        'Clinical Trial, Phase III',
        'Randomized Controlled Trial',
        'Multicenter Study',
      ],
      trialIds: ['NCT05002569'],
    });
    expect(relatlimab.title).not.toMatch(/\.$/);
    expect(relatlimab.abstract.split('\n')[0]).toMatch(/^Background: Dual blockade/);
    expect(relatlimab.mesh).toContainEqual({
      descriptor: 'Melanoma',
      major: true,
      qualifiers: [
        { name: 'drug therapy', major: false },
        { name: 'surgery', major: false },
      ],
    });
    expect(relatlimab.mesh).toContainEqual(
      expect.objectContaining({
        descriptor: 'Nivolumab',
        qualifiers: expect.arrayContaining([{ name: 'adverse effects', major: false }]),
      }),
    );

    const costs = records.find((record) => record.pmid === '41305678')!;
    // NLM's journal title loses its subtitle; a record not yet indexed has no MeSH headings.
    expect(costs.journal).toBe('Journal of clinical oncology');
    expect(costs.mesh).toEqual([]);
    expect(costs.abstract).toMatch(/^Purpose: Few eligible patients/);
    expect(costs.abstract).toContain('\nConclusion: Travel and cost');

    const withPmc = records.find((record) => record.pmid === '41298765')!;
    expect(withPmc.pmcid).toBe('PMC12651907');
  });

  it('reads every recorded PubMed snapshot without a record error', async () => {
    for (const name of [
      'pubmed-car-t',
      'pubmed-checkpoint-inhibitors',
      'pubmed-cancer-vaccines',
      'pubmed-immune-adverse-events',
    ]) {
      const { records, recordErrors } = parseEfetch(await snapshot(`${name}.efetch.xml`));
      expect(recordErrors, name).toEqual([]);
      expect(records.length, name).toBeGreaterThan(0);
      for (const record of records) expect(record.enteredAt, record.pmid).toMatch(/^2026-11-/);
    }
  });
});

describe('parseEfetch on made answers', () => {
  it('turns inline markup into text, unwraps translated titles and keeps the month-only date out', () => {
    const { records } = parseEfetch(
      set(
        article('100', 'Anti-PD-1 <i>in vivo</i> and IL-2<sup>+</sup> cells.'),
        article('101', '[Checkpoint inhibitors in older patients].'),
      ),
    );
    expect(records.map((record) => record.title)).toEqual([
      'Anti-PD-1 in vivo and IL-2+ cells',
      'Checkpoint inhibitors in older patients',
    ]);
    // The PubDate has no day: the Entrez date stands in.
    expect(records[0]!.publishedAt).toBe('2026-11-02T14:30:00.000Z');
  });

  it('skips and reports a record without a PMID, keeping the rest of the batch', () => {
    const { records, recordErrors } = parseEfetch(
      set(article('200', 'A fine record'), article('', 'A record without its PMID')),
    );
    expect(records.map((record) => record.pmid)).toEqual(['200']);
    expect(recordErrors).toEqual([expect.stringMatching(/^record 2: no PMID/)]);
  });

  it('names each kind of bad answer', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from('<!DOCTYPE html><html><body><h1>Bad Gateway</h1></body></html>'), 'not-a-feed'],
      [Buffer.from(`${PROLOG}<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1`), 'malformed-xml'],
      [
        Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE eFetchResult><eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>',
        ),
        'api-error',
      ],
      [Buffer.from('<?xml version="1.0"?><eSummaryResult><DocSum/></eSummaryResult>'), 'unexpected-response'],
      [set(article('', 'no id'), article('x', 'bad id')), 'unexpected-response'],
      [
        Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaa">]><PubmedArticleSet>&a;</PubmedArticleSet>',
        ),
        'entity-expansion',
      ],
    ];
    for (const [body, kind] of cases) {
      expect(failureOf(() => parseEfetch(body)).kind, body.toString().slice(0, 60)).toBe(kind);
    }
  });

  it('refuses an answer over the size limit', () => {
    expect(failureOf(() => parseEfetch(set(article('1', 'x'.repeat(500))), { maxBytes: 200 })).kind).toBe(
      'too-large',
    );
  });
});
