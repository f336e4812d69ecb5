import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeed } from '../../functions/core/ingest/read-feed.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import type { Source } from '../../functions/model/sources.ts';
import {
  shiftFeedDates,
  shiftPubMedDates,
  shiftStudyDates,
  snapshotShiftDays,
} from '../../functions/local/snapshot-dates.ts';
import { pubmedCandidate, trialCandidate } from '../../functions/core/ingest/record-candidates.ts';
import type { PubMedRecord } from '../../functions/core/ingest/pubmed-parser.ts';
import type { TrialRecord } from '../../functions/core/ingest/clinicaltrials-parser.ts';

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

describe('API recordings that never age either', () => {
  const efetch = `<PubmedArticle><MedlineCitation><PMID Version="1">41000001</PMID>
    <Article><Journal><JournalIssue><PubDate><Year>2026</Year><Month>Nov</Month><Day>30</Day></PubDate></JournalIssue></Journal>
    <ArticleDate DateType="Electronic"><Year>2026</Year><Month>11</Month><Day>24</Day></ArticleDate></Article></MedlineCitation>
    <PubmedData><History><PubMedPubDate PubStatus="entrez"><Year>2026</Year><Month>12</Month><Day>31</Day><Hour>5</Hour></PubMedPubDate>
    <PubMedPubDate PubStatus="received"><Year>2026</Year><Month>6</Month><Day>1</Day></PubMedPubDate></History>
    <JournalIssue><PubDate><Year>2026</Year><Month>Dec</Month></PubDate></JournalIssue></PubmedData></PubmedArticle>`;

  it('moves every dated PubMed element by whole days, each in the shape it was written', () => {
    const shifted = shiftPubMedDates(efetch, 8);

    expect(shifted).toContain('<PubDate><Year>2026</Year><Month>Dec</Month><Day>08</Day></PubDate>');
    expect(shifted).toContain('<Year>2026</Year><Month>12</Month><Day>02</Day></ArticleDate>');
    expect(shifted).toContain('<Year>2027</Year><Month>01</Month><Day>08</Day><Hour>5</Hour>');
    expect(shifted).toContain('<Year>2026</Year><Month>6</Month><Day>9</Day>');
    // A year and month alone has no day to move by.
    expect(shifted).toContain('<PubDate><Year>2026</Year><Month>Dec</Month></PubDate>');
    expect(shiftPubMedDates(efetch, 0)).toBe(efetch);
  });

  it('moves every date of a ClinicalTrials.gov study and nothing else, leaving the recording as it was', () => {
    const study = {
      protocolSection: {
        identificationModule: { nctId: 'NCT07012345', briefTitle: 'Started 2026-11-24' },
        statusModule: {
          statusVerifiedDate: '2026-11',
          overallStatus: 'RECRUITING',
          studyFirstPostDateStruct: { date: '2026-11-24', type: 'ACTUAL' },
          lastUpdatePostDateStruct: { date: '2026-11-30', type: 'ACTUAL' },
        },
        contactsLocationsModule: { locations: [{ country: 'France', status: 'RECRUITING' }] },
      },
    };
    const before = structuredClone(study);

    const shifted = shiftStudyDates(study, 8);

    expect(shifted.protocolSection.statusModule).toEqual({
      statusVerifiedDate: '2026-11',
      overallStatus: 'RECRUITING',
      studyFirstPostDateStruct: { date: '2026-12-02', type: 'ACTUAL' },
      lastUpdatePostDateStruct: { date: '2026-12-08', type: 'ACTUAL' },
    });
    expect(shifted.protocolSection.identificationModule.briefTitle).toBe('Started 2026-11-24');
    expect(shifted.protocolSection.contactsLocationsModule).toEqual(
      study.protocolSection.contactsLocationsModule,
    );
    expect(study).toEqual(before);
    expect(shiftStudyDates(study, 61).protocolSection.statusModule.statusVerifiedDate).toBe('2027-01');
  });
});

describe('the age limit on API records', () => {
  const record: PubMedRecord = {
    pmid: '41000002',
    title: 'Pembrolizumab in melanoma: a record indexed long after it was published',
    abstract: 'Checkpoint inhibitor results.',
    publishedAt: '2026-09-01',
    enteredAt: '2026-12-03T10:00:00.000Z',
    mesh: [],
    substances: [],
    keywords: [],
    publicationTypes: ['Journal Article'],
  } as unknown as PubMedRecord;
  const pubmedSource: Source = { ...SOURCE, id: 'pubmed-test', via: 'pubmed' };

  it('leaves out a PubMed record published before the limit, saying why, as for a feed item', () => {
    const old = pubmedCandidate(record, pubmedSource, tagger, FIRST_SEEN, 60);
    const fresh = pubmedCandidate(
      { ...record, publishedAt: '2026-11-30' },
      pubmedSource,
      tagger,
      FIRST_SEEN,
      60,
    );
    const unlimited = pubmedCandidate(record, pubmedSource, tagger, FIRST_SEEN);

    expect(old).toEqual({
      ok: false,
      reason:
        'PMID 41000002 was published 2026-09-01, 94 days ago: older than the 60-day limit (DIGEST_MAX_ARTICLE_AGE_DAYS)',
    });
    expect(fresh.ok).toBe(true);
    expect(unlimited.ok).toBe(true);
  });

  it('lets a trial first posted before the limit refresh what is stored, never become a new article', () => {
    const trial = {
      nctId: 'NCT07000001',
      title: 'Pembrolizumab with a vaccine in melanoma',
      summary: 'A checkpoint inhibitor trial.',
      phases: ['phase-2'],
      status: 'recruiting',
      conditions: ['Melanoma'],
      conditionMesh: [],
      interventions: [{ name: 'Pembrolizumab' }],
      interventionMesh: [],
      arms: [],
      sites: [{ country: 'France', status: 'recruiting' }],
      randomised: false,
      firstPostedOn: '2026-09-01',
      lastUpdatedOn: '2026-12-03',
    } as unknown as TrialRecord;
    const newness = { windowFirstDay: '2026-08-01', lookbackDays: 7 };

    const old = trialCandidate(trial, pubmedSource, tagger, FIRST_SEEN, { ...newness, maxAgeDays: 60 });
    const within = trialCandidate(trial, pubmedSource, tagger, FIRST_SEEN, { ...newness, maxAgeDays: 120 });

    expect(old.ok && old.candidate.updateOnly).toBe(true);
    expect(within.ok && within.candidate.updateOnly).toBeUndefined();
  });
});
