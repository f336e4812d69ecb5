import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../functions/core/ingest/feed-parser.ts';
import { FeedError } from '../../functions/core/errors.ts';

const snapshot = (name: string) =>
  readFile(path.resolve(import.meta.dirname, '../../content/snapshots', name));
const FEED_URL = 'https://example.org/feeds/latest.xml';

function failureOf(run: () => unknown): FeedError {
  try {
    run();
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error('expected a FeedError');
}

const rss = (items: string, prolog = '<?xml version="1.0" encoding="UTF-8"?>') =>
  Buffer.from(`${prolog}<rss version="2.0"><channel><title>Feed</title>${items}</channel></rss>`);

describe('parseFeed on the project snapshots', () => {
  it('reads RSS 2.0 items with plain-text titles and no script left in summaries', async () => {
    const feed = parseFeed(await snapshot('nci-cancer-currents.xml'), {
      url: 'https://feeds.feedburner.com/cancer-currents',
    });

    expect(feed.format).toBe('rss2');
    expect(feed.items.length).toBeGreaterThanOrEqual(7);
    for (const item of feed.items) {
      expect(item.title).not.toMatch(/[<>]|&\w+;/);
      expect(item.summary).not.toMatch(/<|alert\(|javascript:/i);
      expect(item.link).toMatch(/^https:\/\/www\.cancer\.gov\//);
    }
  });

  it('reads Atom entries: relative links against xml:base, xhtml content as text, categories', async () => {
    const feed = parseFeed(await snapshot('plos-one-immunology.atom'), {
      url: 'https://journals.plos.org/plosone/feed/atom',
    });

    expect(feed.format).toBe('atom');
    const lupus = feed.items.find((item) => item.title.includes('lupus'))!;
    expect(lupus.link).toBe('https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0330877');
    expect(lupus.summary).toBe(
      'Low-dose IL-2 given every other day for 12 weeks doubled circulating regulatory T cells and improved disease activity scores in patients with lupus.',
    );
    expect(lupus.categories).toEqual(['Immunology', 'Autoimmune diseases']);
  });

  it('reads RSS 1.0/RDF items with dc:date, dc:subject and dc:identifier', async () => {
    const feed = parseFeed(await snapshot('biorxiv-immunology.rdf'), {
      url: 'https://connect.biorxiv.org/biorxiv_xml/immunology',
    });

    expect(feed.format).toBe('rdf');
    expect(feed.items[0]).toMatchObject({
      title: 'A tolerogenic mRNA vaccine suppresses experimental autoimmune encephalomyelitis in mice',
      link: 'http://biorxiv.org/cgi/content/short/2026.11.18.624511v1?rss=1',
      published: '2026-11-18',
      categories: ['Immunology'],
    });
    expect(feed.items[0]!.identifierHints).toContain('doi:10.1101/2026.11.18.624511');
  });
});

describe('parseFeed, RSS 2.0 details', () => {
  it('takes the guid as the link only when it is a permalink URL', () => {
    const feed = parseFeed(
      rss(
        '<item><title>A permalink guid item</title><guid>https://example.org/a</guid></item>' +
          '<item><title>A bare DOI guid item</title><guid>10.1111/tax.12345</guid></item>' +
          '<item><title>A non-permalink guid item</title><guid isPermaLink="false">https://example.org/c</guid></item>',
      ),
      { url: FEED_URL },
    );

    expect(feed.items.map((item) => item.link)).toEqual(['https://example.org/a', undefined, undefined]);
    expect(feed.items[1]!.identifierHints).toContain('10.1111/tax.12345');
  });

  it('reads escaped HTML with a CDATA section in the middle, and double-escaped references', () => {
    const feed = parseFeed(
      rss(
        '<item><title>Tumour &amp;amp; immune cells at 37&amp;#176;C</title><link>https://example.org/a</link>' +
          '<description>&lt;p&gt;PD-1 &lt;b&gt;blockade&lt;/b&gt; <![CDATA[<i>in vivo</i> & more]]>&lt;/p&gt;</description></item>',
      ),
      { url: FEED_URL },
    );

    expect(feed.items[0]!.title).toBe('Tumour & immune cells at 37°C');
    expect(feed.items[0]!.summary).toBe('PD-1 blockade in vivo & more');
  });

  it('repairs a bare ampersand instead of losing the feed', () => {
    const feed = parseFeed(
      rss('<item><title>R&D spending on CAR-T</title><link>https://example.org/a?x=1&y=2</link></item>'),
      {
        url: FEED_URL,
      },
    );

    expect(feed.items[0]).toMatchObject({
      title: 'R&D spending on CAR-T',
      link: 'https://example.org/a?x=1&y=2',
    });
  });

  it('reads an RSS feed in a default namespace, items outside the channel, and ignores nested empty items', () => {
    const feed = parseFeed(
      Buffer.from(
        '<rss xmlns="http://backend.userland.com/rss2" version="2.0"><channel><title>T</title>' +
          '<item><title>Inside the channel</title><link>https://example.org/1</link><item/></item></channel>' +
          '<item><title>Outside the channel</title><link>https://example.org/2</link></item></rss>',
      ),
      { url: FEED_URL },
    );

    expect(feed.items.map((item) => item.title)).toEqual(['Inside the channel', 'Outside the channel']);
  });

  it('resolves relative links against the feed URL', () => {
    const feed = parseFeed(rss('<item><title>Relative</title><link>/news/2026/a</link></item>'), {
      url: FEED_URL,
    });

    expect(feed.items[0]!.link).toBe('https://example.org/news/2026/a');
  });
});

describe('parseFeed, Atom details', () => {
  it('picks the alternate HTML link over self and enclosure links', () => {
    const feed = parseFeed(
      Buffer.from(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title type="html">&lt;i&gt;In situ&lt;/i&gt; vaccination</title>' +
          '<link rel="self" href="https://example.org/self.xml"/><link rel="enclosure" href="https://example.org/a.pdf"/>' +
          '<link rel="alternate" type="text/html" href="https://example.org/a"/><id>urn:x</id><updated>2026-11-20T10:00:00Z</updated>' +
          '<category term="vaccines"/></entry></feed>',
      ),
      { url: FEED_URL },
    );

    expect(feed.items[0]).toMatchObject({
      title: 'In situ vaccination',
      link: 'https://example.org/a',
      published: '2026-11-20T10:00:00Z',
      categories: ['vaccines'],
    });
  });

  it('keeps every other entry when one entry has a date no parser could read', () => {
    const entries = ['2026-11-20T10:00:00Z', 'the day before yesterday', '2026-11-18T10:00:00Z']
      .map(
        (date, index) =>
          `<entry><title>Entry ${index}</title><link href="https://example.org/${index}"/><updated>${date}</updated></entry>`,
      )
      .join('');
    const feed = parseFeed(
      Buffer.from(`<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>${entries}</feed>`),
      {
        url: FEED_URL,
      },
    );

    expect(feed.items).toHaveLength(3);
    expect(feed.items[1]!.published).toBe('the day before yesterday');
  });
});

describe('parseFeed, whole-document failures and encodings', () => {
  it('refuses an HTML page served as a feed, naming the page', () => {
    const error = failureOf(() =>
      parseFeed(
        Buffer.from('<!DOCTYPE html><html><head><title>Validate User</title></head><body></body></html>'),
        {
          url: FEED_URL,
        },
      ),
    );

    expect(error.kind).toBe('not-a-feed');
    expect(error.message).toContain('"Validate User"');
  });

  it('refuses entity declarations (billion laughs, external entities) without expanding them', () => {
    const laughs = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rss><channel><title>&lol2;</title></channel></rss>',
    );

    expect(failureOf(() => parseFeed(laughs, { url: FEED_URL })).kind).toBe('entity-expansion');
  });

  it('refuses a DOCTYPE with an internal subset wherever it sits after comments, PIs and whitespace', () => {
    const item = '<item><title>x</title><link>https://example.org/x</link></item>';
    const prologs = [
      '<?xml version="1.0"?><!-- <rss> --><!DOCTYPE rss [<!ENTITY a "b">]>',
      '<?xml version="1.0"?><?xml-stylesheet href="<a.xsl"?>\n<!--x--><!--y-->  <!DOCTYPE rss [<!ENTITY a "b">]>',
      '<?xml version="1.0"?><!DOCTYPE rss [<!ATTLIST rss version CDATA "2.0">]>',
      '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "rss.dtd" [ ]>',
      '<!DOCTYPE rss PUBLIC "-//x//EN" \'http://example.org/rss.dtd\'[<!ENTITY a "b">]>',
    ];

    for (const prolog of prologs) {
      const error = failureOf(() => parseFeed(rss(item, prolog), { url: FEED_URL }));
      expect(error.kind, prolog).toBe('entity-expansion');
      expect(error.message).toMatch(/internal subset/);
    }
  });

  it('accepts a DOCTYPE whose quoted identifiers hold a bracket, and comments and PIs before it', () => {
    const feed = parseFeed(
      rss(
        '<item><title>Fine</title><link>https://example.org/fine</link></item>',
        '<?xml version="1.0"?><!-- [ not a subset <rss> --><?pi [?><!DOCTYPE rss SYSTEM "http://example.org/[rss].dtd">',
      ),
      { url: FEED_URL },
    );

    expect(feed.items.map((item) => item.title)).toEqual(['Fine']);
  });

  it('accepts a DOCTYPE that only names an external DTD, and a later <!ENTITY in item text', () => {
    const feed = parseFeed(
      rss(
        '<item><title>Writing &lt;!ENTITY&gt; declarations</title><link>https://example.org/a</link></item>',
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">',
      ),
      { url: FEED_URL },
    );

    expect(feed.items[0]!.title).toBe('Writing declarations');
  });

  it('reports truncated XML as malformed, naming the elements left open', () => {
    const truncated = Buffer.from(
      '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Most Read</title>\n<item><title>x',
    );

    const error = failureOf(() => parseFeed(truncated, { url: FEED_URL }));
    expect(error.kind).toBe('malformed-xml');
    expect(error.message).toContain('<rss>, <channel>, <item>, <title> still open');
  });

  it('reports other malformed XML with its line and column', () => {
    const error = failureOf(() => parseFeed(rss('<item><title>x</titel></item>'), { url: FEED_URL }));

    expect(error.message).toMatch(/^malformed XML at line 1, column \d+/);
  });

  it('refuses a body over the size limit, and a gzip body that expands past it', () => {
    const big = rss(`<item><title>${'x'.repeat(2000)}</title></item>`);

    expect(failureOf(() => parseFeed(big, { url: FEED_URL, maxBytes: 1000 })).kind).toBe('too-large');
    expect(failureOf(() => parseFeed(gzipSync(big), { url: FEED_URL, maxBytes: 1000 })).kind).toBe(
      'too-large',
    );
  });

  it('reads a gzip body sent without Content-Encoding', () => {
    const feed = parseFeed(
      gzipSync(rss('<item><title>Zipped</title><link>https://example.org/z</link></item>')),
      {
        url: FEED_URL,
      },
    );

    expect(feed.items[0]!.title).toBe('Zipped');
  });

  it('reads Windows-1252 bytes in a feed declared ISO-8859-1 as the characters the publisher meant', () => {
    const bytes = Buffer.concat([
      Buffer.from(
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>t</title><item><title>',
        'latin1',
      ),
      Buffer.from([0x93, 0x54, 0x68, 0xe9, 0x72, 0x61, 0x70, 0x69, 0x65, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35]),
      Buffer.from('</title><link>https://example.org/a</link></item></channel></rss>'),
    ]);

    expect(parseFeed(bytes, { url: FEED_URL }).items[0]!.title).toBe('“Thérapie” – €5');
  });

  it('reads UTF-8 bytes under a legacy label as UTF-8, and names an unknown encoding', () => {
    const mislabelled = Buffer.from(
      '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Euro €</title></channel></rss>',
    );

    expect(parseFeed(mislabelled, { url: FEED_URL }).title).toBe('Euro €');
    const unknown = Buffer.from([
      ...Buffer.from('<?xml version="1.0" encoding="x-klingon"?><rss><channel><title>'),
      0xff,
      ...Buffer.from('</title></channel></rss>'),
    ]);
    expect(failureOf(() => parseFeed(unknown, { url: FEED_URL })).kind).toBe('unsupported-encoding');
  });

  it('maps C1 control characters to the Windows-1252 punctuation they stood for', () => {
    const feed = parseFeed(
      rss('<item><title>don\u0092t stop</title><link>https://example.org/a</link></item>'),
      {
        url: FEED_URL,
      },
    );

    expect(feed.items[0]!.title).toBe('don’t stop');
  });
});
