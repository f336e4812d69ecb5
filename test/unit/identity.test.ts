import { describe, expect, it } from 'vitest';
import { canonicalUrl, urlIdentity } from '../../functions/core/ingest/canonical-url.ts';
import {
  extractIdentifiers,
  identityKeys,
  neighbouringTitleKey,
  normaliseTitle,
  withinTitleWindow,
} from '../../functions/core/ingest/identity.ts';

describe('canonicalUrl', () => {
  it('lower-cases the host and drops the fragment, credentials and tracking parameters, keeping the rest in order', () => {
    expect(canonicalUrl('HTTPS://user:pw@WWW.Example.ORG/Path/?utm_source=rss&b=2&a=1&fbclid=x#top')).toBe(
      'https://www.example.org/Path/?b=2&a=1',
    );
  });

  it('keeps parameters that choose the page on hosts without a rule for them', () => {
    expect(canonicalUrl('https://video.example.org/watch?v=abc123&ref=home&src=feed')).toBe(
      'https://video.example.org/watch?v=abc123&ref=home&src=feed',
    );
  });

  it("drops PubMed's per-fetch ff, fc and v, and reads raw spaces as %20", () => {
    expect(
      canonicalUrl(
        'https://pubmed.ncbi.nlm.nih.gov/34929406/?utm_source=Mobile Safari UI/WKWebView&utm_medium=rss&fc=20211108074834&ff=20211221120236&v=2.16.2',
      ),
    ).toBe('https://pubmed.ncbi.nlm.nih.gov/34929406/');
  });

  it("drops bioRxiv's rss=1 and Wiley's af=R but not the same names elsewhere", () => {
    expect(canonicalUrl('http://biorxiv.org/cgi/content/short/2026.11.18.624511v1?rss=1')).toBe(
      'http://biorxiv.org/cgi/content/short/2026.11.18.624511v1',
    );
    expect(canonicalUrl('https://onlinelibrary.wiley.com/doi/10.1002/tax.12345?af=R')).toBe(
      'https://onlinelibrary.wiley.com/doi/10.1002/tax.12345',
    );
    expect(canonicalUrl('https://example.org/feed?rss=1&af=R')).toBe('https://example.org/feed?rss=1&af=R');
  });

  it('reads a parameter name that kept an escaped &amp; as the name itself', () => {
    expect(canonicalUrl('https://example.org/a?id=7&amp;utm_campaign=x&amp;page=2')).toBe(
      'https://example.org/a?id=7&page=2',
    );
  });

  it('refuses anything that is not an absolute http(s) URL', () => {
    expect(canonicalUrl('javascript:alert(1)')).toBeUndefined();
    expect(canonicalUrl('java\tscript:alert(1)')).toBeUndefined();
    expect(canonicalUrl('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(canonicalUrl('not a url')).toBeUndefined();
  });
});

describe('urlIdentity', () => {
  it('gives http/https, www and trailing-slash variants of one page the same identity', () => {
    const variants = [
      'http://www.cancer.gov/news/a?b=2&a=1',
      'https://cancer.gov/news/a/?a=1&b=2',
      'HTTPS://WWW.CANCER.GOV/news/a?a=1&b=2&utm_source=rss#comments',
    ];

    expect(new Set(variants.map(urlIdentity))).toEqual(new Set(['cancer.gov/news/a?a=1&b=2']));
  });

  it('keeps paths case-sensitive and different pages different', () => {
    expect(urlIdentity('https://example.org/A')).not.toBe(urlIdentity('https://example.org/a'));
    expect(urlIdentity('https://example.org/a?id=1')).not.toBe(urlIdentity('https://example.org/a?id=2'));
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

  it('decodes a DOI inside an encoded URL and stops at its query', () => {
    expect(
      extractIdentifiers(['https://journals.plos.org/plosone/article?id=10.1371%2Fjournal.pone.0331042']).doi,
    ).toBe('10.1371/journal.pone.0331042');
    expect(extractIdentifiers(['https://doi.org/10.1038/s41571-026-01012-3?rfr=feed']).doi).toBe(
      '10.1038/s41571-026-01012-3',
    );
  });

  it('reads PubMed links and "PMID 123" forms', () => {
    expect(extractIdentifiers(['https://pubmed.ncbi.nlm.nih.gov/41234567/?utm_source=rss']).pmid).toBe(
      '41234567',
    );
    expect(extractIdentifiers(['PMID 41234567']).pmid).toBe('41234567');
  });
});

describe('identityKeys', () => {
  const publishedAt = new Date('2026-11-20T00:00:00Z');

  it('lists keys strongest first, the URL in its identity form', () => {
    const keys = identityKeys({
      identifiers: { doi: '10.1/x', pmid: '1' },
      url: 'http://www.a.org/x/',
      title: 'CAR T cells in adult leukemia',
      publishedAt,
    });

    expect(keys.slice(0, 3)).toEqual(['doi:10.1/x', 'pmid:1', 'url:a.org/x']);
    expect(keys[3]).toMatch(/^title:\d+:/);
  });

  it('gives titles that differ only in case, accents and punctuation the same title key', () => {
    const a = identityKeys({
      identifiers: {},
      url: undefined,
      title: 'CAR-T Cells: In Adult Leukémia!',
      publishedAt,
    });
    const b = identityKeys({
      identifiers: {},
      url: undefined,
      title: 'car t cells in adult leukemia',
      publishedAt,
    });

    expect(normaliseTitle('CAR-T Cells: In Adult Leukémia!')).toBe('car t cells in adult leukemia');
    expect(a).toEqual(b);
  });

  it('gives a short title no title key, so "Editorial" never merges two works', () => {
    expect(identityKeys({ identifiers: {}, url: undefined, title: 'Editorial', publishedAt })).toEqual([]);
  });
});

describe('the 14-day title window', () => {
  const key = (iso: string) =>
    identityKeys({
      identifiers: {},
      url: undefined,
      title: 'Neoadjuvant nivolumab in resectable lung cancer',
      publishedAt: new Date(iso),
    })[0]!;

  it('finds a title published up to 14 days away in its own bucket or the one neighbour it looks in', () => {
    const base = new Date('2026-11-20T00:00:00Z');
    for (let days = -14; days <= 14; days += 1) {
      const other = new Date(base.getTime() + days * 86_400_000).toISOString();
      const lookedAt = [key(base.toISOString()), neighbouringTitleKey(key(base.toISOString()), base)];

      expect(lookedAt).toContain(key(other));
    }
  });

  it('matches dates 14 days apart and not 15', () => {
    const day = 86_400_000;

    expect(withinTitleWindow(0, 14 * day)).toBe(true);
    expect(withinTitleWindow(0, 15 * day)).toBe(false);
  });
});
