import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { FIRST_SEEN_AT, type ParseOutcome } from './parse-outcome.ts';

/**
 * `npm run test:corpus -- --dir <folder>`: the parser over every file of a folder of real feeds we
 * may not commit (scripts/test-corpus.ts passes it as FEED_CORPUS_DIR; CI runs it when it has
 * one). Each file either yields items with sane fields or fails with a classified error: never a
 * crash, a hang or mojibake in a title.
 */

const CORPUS_DIR = process.env.FEED_CORPUS_DIR?.trim();
/** A parse that takes longer than this is a hang: the worker is stopped and the file fails. */
const HANG_MS = 20_000;
const FAILURE_KINDS = [
  'too-large',
  'not-a-feed',
  'malformed-xml',
  'entity-expansion',
  'unsupported-encoding',
];

// UTF-8 read as Latin-1/Windows-1252 ("Ã©", "â€™", "Â "), replacement characters, C1 controls.
const MOJIBAKE = /[ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß][\u0080-\u00bf]|â€|\ufffd|[\u0080-\u009f]/;
const MARKUP = /<\/?[a-z][^>]*>|&(?:[a-z]{2,8}|#\d+|#x[0-9a-f]+);/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function corpusFiles(): string[] {
  if (!CORPUS_DIR) {
    throw new Error('FEED_CORPUS_DIR is not set: run `npm run test:corpus -- --dir <folder of feed files>`');
  }
  if (!existsSync(CORPUS_DIR)) throw new Error(`FEED_CORPUS_DIR ${CORPUS_DIR} does not exist`);
  return readdirSync(CORPUS_DIR)
    .filter((name) => !name.startsWith('.') && statSync(path.join(CORPUS_DIR, name)).isFile())
    .sort()
    .map((name) => path.join(CORPUS_DIR, name));
}

// A worker thread cannot load TypeScript by itself: register tsx first, as the CLI shim does.
const WORKER_SOURCE = `import('tsx/esm/api')
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./parse-file.ts', import.meta.url).href)}); })`;

/** Parses files one at a time in a worker thread; a file that hangs stops (and replaces) the worker. */
class ParsePool {
  private worker: Worker | undefined;

  async parse(file: string): Promise<ParseOutcome | 'hang'> {
    const worker = (this.worker ??= new Worker(WORKER_SOURCE, { eval: true }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.worker = undefined;
        void worker.terminate();
        cleanup();
        resolve('hang');
      }, HANG_MS);
      const onMessage = (outcome: ParseOutcome) => {
        cleanup();
        resolve(outcome);
      };
      const onError = (error: Error) => {
        this.worker = undefined;
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(file);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

/** What we know of particular files of the corpus CI runs (its README), checked when present. */
const KNOWN: Record<string, (outcome: ParseOutcome) => void> = {
  'marketwatch_document-moved_NOT-A-FEED.html': (outcome) =>
    expect(outcome).toMatchObject({ kind: 'not-a-feed' }),
  'oup_validate-user-bot-check_NOT-A-FEED_2021-11-24.html': (outcome) =>
    expect(outcome).toMatchObject({ kind: 'not-a-feed', message: expect.stringContaining('Validate User') }),
  'reuters_most-read_rss2_TRUNCATED.xml': (outcome) =>
    expect(outcome).toMatchObject({ kind: 'malformed-xml', message: expect.stringContaining('still open') }),
  'synthetic_feedparser_rss-incomplete-cdata.xml': (outcome) =>
    expect(outcome).toMatchObject({ kind: 'malformed-xml' }),
  'synthetic_feedparser_rdf-doctype-external-entity.xml': (outcome) =>
    expect(outcome).toMatchObject({ kind: 'entity-expansion' }),
  'synthetic_miniflux_declared-windows-1252_utf8-bytes.xml': (outcome) =>
    expect(outcome).toMatchObject({ title: 'Euro €' }),
  'oren-ru_rss2_windows-1251.xml': (outcome) =>
    expect(parsed(outcome).articles[0]!.title).toMatch(/[а-яё]{3}/i),
  'kc0011_rss2_gb2312_slash-dates.rss': (outcome) => {
    expect(parsed(outcome).articles[0]!.title).toMatch(/\p{Script=Han}/u);
    expect(parsed(outcome).articles[0]!.publishedAt).toBe('2020-01-10T14:33:00.000Z');
  },
  'le-cercle-psy_psychology_rss2_no-xml-decl_latin1-bytes.xml': (outcome) =>
    expect(parsed(outcome).articles.some((article) => /é/.test(article.title))).toBe(true),
  'nshipster_rss2_gzip-body_huge-items.xml.gz': (outcome) =>
    expect(parsed(outcome).articles).toHaveLength(25),
  'scripting-news_rss2_duplicate-guids_untitled-items.rss': (outcome) =>
    // 39 untitled posts are named after their first sentence instead of being dropped.
    expect(parsed(outcome).articles).toHaveLength(50),
  'pcmag-dvorak_rss2_illegally-nested-items.xml': (outcome) => expect(parsed(outcome).itemsSeen).toBe(10),
  'heise_rss090-rdf_netscape-namespace.xml': (outcome) => expect(parsed(outcome).articles).toHaveLength(60),
  'microbiology-society_ijsem_rss2_utf8-bom_2021-12-21.xml': (outcome) =>
    expect(parsed(outcome).articles.some((article) => /&#\d+;/.test(article.summary))).toBe(false),
};

function parsed(outcome: ParseOutcome): Extract<ParseOutcome, { status: 'parsed' }> {
  if (outcome.status !== 'parsed') throw new Error(`expected items, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe(`the feed corpus in ${CORPUS_DIR ?? '(FEED_CORPUS_DIR unset)'}`, () => {
  const pool = new ParsePool();
  const outcomes = new Map<string, ParseOutcome>();
  afterAll(() => pool.close());

  const files = corpusFiles();

  it('is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [path.basename(file), file]))(
    '%s: items with sane fields, or a classified failure',
    async (name, file) => {
      const outcome = await pool.parse(file);

      expect(outcome, `${name} hung for more than ${HANG_MS / 1000} s`).not.toBe('hang');
      if (outcome === 'hang') return;
      outcomes.set(name, outcome);
      expect(
        outcome.status,
        outcome.status === 'crashed' ? `${outcome.error}\n${outcome.stack}` : '',
      ).not.toBe('crashed');
      if (outcome.status === 'failed') {
        expect(FAILURE_KINDS).toContain(outcome.kind);
        expect(outcome.message.length).toBeGreaterThan(10);
      } else if (outcome.status === 'parsed') {
        expect(outcome.title).not.toMatch(MOJIBAKE);
        // Every item is an article or a rejection with its reason.
        expect(outcome.articles.length + outcome.rejections.length).toBeGreaterThanOrEqual(outcome.itemsSeen);
        for (const rejection of outcome.rejections) expect(rejection).toMatch(/^item \d+: .{10,}/);
        for (const article of outcome.articles) {
          expect(article.title, 'plain-text title').not.toMatch(MARKUP);
          expect(article.title, 'no control characters').not.toMatch(CONTROL);
          expect(article.title, 'no mojibake').not.toMatch(MOJIBAKE);
          expect(article.title.trim().length).toBeGreaterThan(2);
          expect(article.summary).not.toMatch(/<script|<iframe|<\/?[a-z]+\s[^>]*on\w+=/i);
          expect(new URL(article.url).protocol, 'absolute http(s) link').toMatch(/^https?:$/);
          expect(article.publishedAt, 'UTC date or first-seen time').toMatch(ISO_UTC);
          expect(Date.parse(article.publishedAt)).toBeLessThanOrEqual(Date.parse(FIRST_SEEN_AT));
        }
      }
      KNOWN[name]?.(outcome);
    },
    HANG_MS + 10_000,
  );

  it('dedupes the PubMed search across days by PMID, though each fetch changes every link', () => {
    const day = (date: string) => outcomes.get(`pubmed_search-new-species_rss2_${date}.xml`);
    const first = day('2021-11-23');
    const next = day('2021-11-24');
    if (!first || !next) return expect(outcomes.size).toBe(files.length);
    const strongest = (outcome: ParseOutcome) =>
      new Set(parsed(outcome).articles.map((article) => article.keys[0]));
    const shared = [...strongest(first)].filter((key) => strongest(next).has(key));

    expect(shared).toHaveLength(13);
    expect(shared.every((key) => key!.startsWith('doi:') || key!.startsWith('pmid:'))).toBe(true);
  });
});
