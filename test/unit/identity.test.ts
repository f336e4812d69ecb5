import { describe, expect, it } from 'vitest';
import {
  canonicalUrl,
  extractIdentifiers,
  identityKeys,
  neighbouringTitleKeys,
  normaliseTitle,
} from '../../functions/core/ingest/identity.ts';

describe('canonicalUrl', () => {
  it('lower-cases the host, drops www, the fragment and tracking parameters, and sorts the rest', () => {
    expect(canonicalUrl('HTTP://WWW.Example.ORG/Path/?utm_source=rss&b=2&a=1&fbclid=x#top')).toBe(
      'https://example.org/Path?a=1&b=2',
    );
  });

  it('gives http/https and www variants of one page the same URL', () => {
    expect(canonicalUrl('http://www.cancer.gov/a')).toBe(canonicalUrl('https://cancer.gov/a'));
  });

  it('reads raw spaces as %20 and refuses non-http schemes', () => {
    expect(canonicalUrl('https://pubmed.ncbi.nlm.nih.gov/1?x=Mobile Safari')).toBe(
      'https://pubmed.ncbi.nlm.nih.gov/1?x=Mobile+Safari',
    );
    expect(canonicalUrl('javascript:alert(1)')).toBeUndefined();
    expect(canonicalUrl('not a url')).toBeUndefined();
  });
});

describe('extractIdentifiers', () => {
  it('finds DOI, PMID and NCT id in guids, identifiers and links', () => {
    expect(
      extractIdentifiers([
        'doi:10.1136/JITC-2019-000001.',
        'pubmed:31940586',
        'https://clinicaltrials.gov/study/nct01234567',
      ]),
    ).toEqual({ doi: '10.1136/jitc-2019-000001', pmid: '31940586', nct: 'NCT01234567' });
  });

  it('decodes a DOI inside an encoded URL', () => {
    expect(
      extractIdentifiers(['https://journals.plos.org/plosone/article?id=10.1371%2Fjournal.pone.0331042']).doi,
    ).toBe('10.1371/journal.pone.0331042');
  });
});

describe('identityKeys', () => {
  const publishedAt = new Date('2026-11-20T00:00:00Z');

  it('lists keys strongest first', () => {
    const keys = identityKeys({
      identifiers: { doi: '10.1/x', pmid: '1' },
      url: 'https://a.org/x',
      title: 'CAR T cells in adult leukemia',
      publishedAt,
    });

    expect(keys.map((key) => key.split(':')[0])).toEqual(['doi', 'pmid', 'url', 'title']);
  });

  it('gives titles that differ only in case and punctuation the same title key', () => {
    const a = identityKeys({
      identifiers: {},
      url: undefined,
      title: 'CAR-T Cells: In Adult Leukemia!',
      publishedAt,
    });
    const b = identityKeys({
      identifiers: {},
      url: undefined,
      title: 'car t cells in adult leukemia',
      publishedAt,
    });

    expect(normaliseTitle('CAR-T Cells: In Adult Leukemia!')).toBe('car t cells in adult leukemia');
    expect(a).toEqual(b);
  });

  it('gives a short title no title key, so "Editorial" never merges two works', () => {
    expect(identityKeys({ identifiers: {}, url: undefined, title: 'Editorial', publishedAt })).toEqual([]);
  });

  it('knows the neighbouring buckets of a title key', () => {
    expect(neighbouringTitleKeys('title:100:abc')).toEqual(['title:99:abc', 'title:101:abc']);
    expect(neighbouringTitleKeys('doi:10.1/x')).toEqual([]);
  });
});
