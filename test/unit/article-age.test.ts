import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeed } from '../../functions/core/ingest/read-feed.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import type { Source } from '../../functions/model/sources.ts';
import { shiftFeedDates, snapshotShiftDays } from '../../functions/local/snapshot-dates.ts';

/** Old work that a feed lists now is not news: the age limit of ingest, and the snapshots that never age. */

const tagger = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
const SOURCE: Source = {
  id: 'journal',
  name: 'A journal',
  url: 'https://journal.example/feed',
  broad: false,
  weight: 1,
  enabled: true,
};
const FIRST_SEEN = new Date('2026-12-04T12:00:00.000Z');

const feed = (...items: [title: string, pubDate: string][]) =>
  Buffer.from(
    `<?xml version="1.0"?><rss version="2.0"><channel><title>J</title>${items
      .map(
        ([title, pubDate], index) =>
          `<item><title>${title}</title><link>https://journal.example/a/${index}</link><pubDate>${pubDate}</pubDate></item>`,
      )
      .join('')}</channel></rss>`,
  );

describe('the article age limit', () => {
  const bytes = feed(
    ['Pembrolizumab in melanoma: five-year results', 'Mon, 30 Nov 2026 09:00:00 GMT'],
    ['Nivolumab in lung cancer: a back-catalogue item', 'Tue, 01 Sep 2026 09:00:00 GMT'],
    ['CAR T cells in lymphoma, listed weeks late', 'Thu, 15 Oct 2026 09:00:00 GMT'],
  );

  it('rejects an item published more than the limit before it was first seen, saying why', () => {
    const read = readFeed(
      bytes,
      SOURCE,
      { tagger },
      { url: SOURCE.url, firstSeenAt: FIRST_SEEN, maxAgeDays: 60 },
    );

    expect(read.candidates.map((candidate) => candidate.title)).toEqual([
      'Pembrolizumab in melanoma: five-year results',
      'CAR T cells in lymphoma, listed weeks late',
    ]);
    expect(read.rejections).toEqual([
      'item 2: item "Nivolumab in lung cancer: a back-catalogue item" was published 2026-09-01, 94 days ago: older than the 60-day limit (DIGEST_MAX_ARTICLE_AGE_DAYS)',
    ]);
  });

  it('keeps everything without a limit (the `check` command shows a feed as it is)', () => {
    const read = readFeed(bytes, SOURCE, { tagger }, { url: SOURCE.url, firstSeenAt: FIRST_SEEN });

    expect(read.candidates).toHaveLength(3);
  });
});

describe('snapshots dated as if taken today', () => {
  it('moves every date element by whole days, each in the shape it was written', () => {
    const xml = [
      '<pubDate>Tue, 24 Nov 2026 12:00:00 GMT</pubDate>',
      '<dc:date>2026-11-24</dc:date>',
      '<dc:date>2026-11-20T02:30:15-08:00</dc:date>',
      '<published>2026-11-19T14:00:00Z</published>',
      '<prism:publicationDate>2026-11-20</prism:publicationDate>',
      '<lastBuildDate>Thu, 26 Nov 2026 05:00:00 GMT</lastBuildDate>',
      '<title>Published 24 November 2026</title>',
      '<dc:date>not a date at all</dc:date>',
    ].join('\n');

    expect(shiftFeedDates(xml, 10).split('\n')).toEqual([
      '<pubDate>Fri, 04 Dec 2026 12:00:00 GMT</pubDate>',
      '<dc:date>2026-12-04</dc:date>',
      '<dc:date>2026-11-30T10:30:15Z</dc:date>',
      '<published>2026-11-29T14:00:00Z</published>',
      '<prism:publicationDate>2026-11-30</prism:publicationDate>',
      '<lastBuildDate>Sun, 06 Dec 2026 05:00:00 GMT</lastBuildDate>',
      '<title>Published 24 November 2026</title>',
      '<dc:date>not a date at all</dc:date>',
    ]);
  });

  it('counts the days from the day the snapshots were taken', () => {
    expect(snapshotShiftDays(new Date('2026-11-26T23:00:00.000Z'))).toBe(0);
    expect(snapshotShiftDays(new Date('2026-12-04T15:31:00.000Z'))).toBe(8);
    expect(snapshotShiftDays(new Date('2027-11-26T00:00:00.000Z'))).toBe(365);
  });
});
