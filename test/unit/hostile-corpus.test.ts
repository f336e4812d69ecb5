import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { FeedError, type FeedFailureKind } from '../../functions/core/errors.ts';
import { readFeed, type ReadFeed } from '../../functions/core/ingest/read-feed.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import type { Source } from '../../functions/model/sources.ts';
import { manyItemFeed, oversizedFeed } from '../helpers/generated-feeds.ts';

/**
 * The hostile-input corpus: every file in test/fixtures/hostile is one test with its expected
 * outcome below, and a file without an expectation fails the suite. Generated cases (a 50 MB
 * feed, a 10,000-item feed) are built here instead of committed.
 */

const HOSTILE_DIR = path.resolve(import.meta.dirname, '../fixtures/hostile');
const FIRST_SEEN = new Date('2026-11-26T12:00:00.000Z');
const MAX_BYTES = 5 * 1024 * 1024;
const SOURCE: Source = {
  id: 'hostile',
  name: 'Hostile',
  url: 'https://example.org/hostile/feed.xml',
  broad: false,
  weight: 1,
  enabled: true,
};

let tagger: Tagger;
beforeAll(async () => {
  tagger = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
});

/** Reads a feed as ingest does, with its byte limit and (unless given) the default item cap. */
function read(bytes: Buffer, maxItems?: number): ReadFeed {
  return readFeed(
    bytes,
    SOURCE,
    { tagger },
    { url: SOURCE.url, maxBytes: MAX_BYTES, firstSeenAt: FIRST_SEEN, ...(maxItems ? { maxItems } : {}) },
  );
}

function failureOf(bytes: Buffer, maxItems?: number): FeedError {
  try {
    read(bytes, maxItems);
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error('expected the feed to fail');
}

const fixture = (name: string) => readFileSync(path.join(HOSTILE_DIR, name));
const fails = (kind: FeedFailureKind, message: RegExp) => (bytes: Buffer) => {
  const error = failureOf(bytes);
  expect(error.kind).toBe(kind);
  expect(error.message).toMatch(message);
};
/** Nothing that could run, load or style anything survives into any stored text. */
const HOSTILE =
  /[<>]|javascript:|data:|on(?:error|load|mouseover)|evil\.example|alert\(|document\.|\u202e|\u200b/i;

const EXPECTED: Record<string, (bytes: Buffer) => void> = {
  'billion-laughs.xml': fails('entity-expansion', /declares XML entities/),
  'xxe-external-entity.xml': (bytes) => {
    fails('entity-expansion', /declares XML entities/)(bytes);
    expect(failureOf(bytes).message).not.toMatch(/root:/);
  },
  'xxe-parameter-entity.xml': fails('entity-expansion', /declares XML entities/),
  // A comment holding markup before the DOCTYPE once hid the subset from a text search for it.
  'comment-before-doctype.xml': fails('entity-expansion', /declares XML entities/),
  'html-instead-of-feed.html': fails('not-a-feed', /HTML page.*Validate User/),
  'truncated.xml': fails('malformed-xml', /<rss>, <channel>, <item>, <link> still open/),
  'iso-8859-1-declared.xml': (bytes) => {
    const feed = read(bytes);
    expect(feed.title).toBe('Actualités en immunothérapie');
    expect(feed.candidates.map((candidate) => candidate.title)).toEqual([
      'Immunothérapie du mélanome : résultats à cinq ans',
      'Lymphome : les cellules CAR-T réduisent le risque de rechute',
    ]);
    expect(feed.candidates[0]!.summary).toContain('Zürich et à São Paulo');
  },
  'windows-1252-bytes-declared-iso-8859-1.xml': expectWindows1252Text,
  'windows-1252-undeclared.xml': expectWindows1252Text,
  'utf-16le-bom.atom': (bytes) => {
    expect(read(bytes).candidates.map((candidate) => candidate.title)).toEqual([
      'Immunothérapie : les anticorps bispécifiques',
    ]);
  },
  'hostile-html-items.xml': (bytes) => {
    const feed = read(bytes);
    expect(feed.candidates.map((candidate) => candidate.title)).toEqual([
      'CAR-T cell therapy for leukemia',
      'Pembrolizumab in melanoma',
      'Bidirectional override in a title: gnp.exe checkpoint inhibitor',
    ]);
    for (const candidate of feed.candidates) {
      for (const text of [candidate.title, candidate.summary, candidate.url])
        expect(text).not.toMatch(HOSTILE);
    }
    // The link's text, "Read more", is feed furniture that cleanSummary drops (functions/core/ingest/summary.ts).
    expect(feed.candidates[0]!.summary).toBe('Remission in most patients.');
    expect(feed.rejections).toEqual([
      'item 3: item "Nivolumab for lung cancer: a link that is a script" has no usable link or identifier',
      'item 4: item "Vaccine trial with a data: link" has no usable link or identifier',
    ]);
  },
  'dates-ten-formats.xml': (bytes) => {
    const published = Object.fromEntries(
      read(bytes).candidates.map((candidate) => [candidate.url, candidate.publishedAt]),
    );
    const firstSeen = FIRST_SEEN.toISOString();
    expect(published).toEqual({
      'https://example.org/dates/1': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/2': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/3': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/4': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/5': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/6': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/7': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/8': '2026-11-17T00:00:00.000Z',
      'https://example.org/dates/9': '2026-11-17T12:00:00.000Z',
      'https://example.org/dates/10': '2026-11-17T12:00:00.000Z',
      // none, unreadable, and far in the future: the first-seen time
      'https://example.org/dates/11': firstSeen,
      'https://example.org/dates/12': firstSeen,
      'https://example.org/dates/13': firstSeen,
    });
  },
  'guid-churn-1.xml': (bytes) => {
    expect(read(bytes).candidates).toHaveLength(3);
  },
  'guid-churn-2.xml': (bytes) => {
    // Regenerated GUIDs, http instead of https, no www, tracking parameters: the same three works.
    const keysOf = (feed: ReadFeed) => feed.candidates.map((candidate) => candidate.identityKeys);
    expect(keysOf(read(bytes))).toEqual(keysOf(read(fixture('guid-churn-1.xml'))));
  },
  'duplicate-guids.xml': (bytes) => {
    const feed = read(bytes);
    const strongest = feed.candidates.map((candidate) => candidate.identityKeys[0]);
    // Three copies of one item are one work; two items that reuse a GUID are two works.
    expect(new Set(strongest.slice(0, 3)).size).toBe(1);
    expect(new Set(strongest).size).toBe(3);
  },
  'shared-link.xml': (bytes) => {
    const feed = read(bytes);
    expect(feed.candidates).toHaveLength(4);
    for (const candidate of feed.candidates)
      expect(candidate.identityKeys.some((key) => key.startsWith('url:'))).toBe(false);
    expect(new Set(feed.candidates.map((candidate) => candidate.identityKeys[0])).size).toBe(4);
  },
};

function expectWindows1252Text(bytes: Buffer): void {
  const feed = read(bytes);
  expect(feed.title).toBe('Patients’ Immunotherapy Newsletter');
  expect(feed.candidates[0]!.title).toBe('“It’s not just a rash” – spotting immune side effects early');
  expect(feed.candidates[0]!.summary).toBe(
    'Checkpoint inhibitors can cost €4,000 a month – here’s what to ask about patient assistance… and why “wait and see” is risky.',
  );
}

describe('the hostile-input corpus (test/fixtures/hostile)', () => {
  it('has an expected outcome for every file', () => {
    expect(readdirSync(HOSTILE_DIR).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('%s', (name) => {
    EXPECTED[name]!(fixture(name));
  });
});

describe('generated hostile inputs', () => {
  it('refuses a 50 MB feed as too large without decoding it, plain or gzip', () => {
    const huge = oversizedFeed(50 * 1024 * 1024);

    expect(failureOf(huge).kind).toBe('too-large');
    expect(failureOf(gzipSync(huge, { level: 1 })).kind).toBe('too-large');
  });

  it('refuses a 28,000-item feed under 5 MB as too many items, classified, at the default cap', () => {
    const crowded = manyItemFeed(28_000, { compact: true });

    expect(crowded.length).toBeLessThan(MAX_BYTES);
    const error = failureOf(crowded);
    expect(error.kind).toBe('too-many-items');
    expect(error.message).toMatch(/28,000 items, over the limit of 5,000 a feed \(FEED_MAX_ITEMS\)/);
  });

  it('reads a feed of exactly the cap, and refuses one more', () => {
    expect(read(manyItemFeed(50, { compact: true }), 50).candidates).toHaveLength(50);
    expect(failureOf(manyItemFeed(51, { compact: true }), 50).kind).toBe('too-many-items');
  });

  // Heavy, not timed: a few seconds on a busy 2-core machine.
  it(
    'reads a 10,000-item feed completely when the cap allows it, every item a distinct article with sane fields',
    { timeout: 60_000 },
    () => {
      const feed = read(manyItemFeed(10_000), 10_000);

      expect(feed.itemsSeen).toBe(10_000);
      expect(feed.candidates).toHaveLength(10_000);
      expect(new Set(feed.candidates.map((candidate) => candidate.identityKeys[0])).size).toBe(10_000);
      expect(feed.candidates.every((candidate) => candidate.publishedAt === '2026-11-24T10:00:00.000Z')).toBe(
        true,
      );
      expect(feed.candidates[9_999]!.url).toBe('https://bulk.example.org/articles/9999');
    },
  );
});
