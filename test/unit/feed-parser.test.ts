import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../functions/core/ingest/feed-parser.ts';
import { FeedError } from '../../functions/core/errors.ts';

const snapshot = (name: string) =>
  readFile(path.resolve(import.meta.dirname, '../../content/snapshots', name));

function failureKind(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof FeedError) return error.kind;
    throw error;
  }
  return undefined;
}

describe('parseFeed', () => {
  it('reads RSS 2.0 items with plain-text titles and no script left in summaries', async () => {
    const feed = parseFeed(await snapshot('nci-cancer-currents.xml'), {
      url: 'https://feeds.feedburner.com/cancer-currents',
    });

    expect(feed.format).toBe('rss2');
    expect(feed.items).toHaveLength(7);
    const sideEffects = feed.items[2]!;
    expect(sideEffects.summary).toContain('PD-1 and CTLA-4 blockers');
    expect(sideEffects.summary).not.toMatch(/<|alert/);
    expect(feed.items[0]!.published).toBe('Tue, 17 Nov 2026 12:00:00 +0000');
  });

  it('reads Atom entries: relative links against xml:base, xhtml content as text, categories', async () => {
    const feed = parseFeed(await snapshot('plos-one-immunology.atom'), {
      url: 'https://journals.plos.org/plosone/feed/atom',
    });

    expect(feed.format).toBe('atom');
    const lupus = feed.items[1]!;
    expect(lupus.link).toBe('https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0330877');
    expect(lupus.summary).toBe(
      'Low-dose IL-2 given every other day for 12 weeks doubled circulating regulatory T cells and improved disease activity scores in patients with lupus.',
    );
    expect(lupus.categories).toEqual(['Immunology', 'Autoimmune diseases']);
  });

  it('reads RSS 1.0/RDF items with dc:date and dc:identifier', async () => {
    const feed = parseFeed(await snapshot('biorxiv-immunology.rdf'), {
      url: 'https://connect.biorxiv.org/biorxiv_xml/immunology',
    });

    expect(feed.format).toBe('rdf');
    expect(feed.items).toHaveLength(5);
    expect(feed.items[0]).toMatchObject({
      title: 'A tolerogenic mRNA vaccine suppresses experimental autoimmune encephalomyelitis in mice',
      link: 'http://biorxiv.org/cgi/content/short/2026.11.18.624511v1?rss=1',
      published: '2026-11-18',
    });
    expect(feed.items[0]!.identifierHints).toContain('doi:10.1101/2026.11.18.624511');
  });

  it('refuses an HTML page served as a feed', () => {
    const html = Buffer.from(
      '<!DOCTYPE html><html><head><title>Validate User</title></head><body></body></html>',
    );

    expect(failureKind(() => parseFeed(html, { url: 'https://example.org/feed' }))).toBe('not-a-feed');
  });

  it('refuses entity declarations (billion laughs, external entities) without expanding them', () => {
    const laughs = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rss><channel><title>&lol2;</title></channel></rss>',
    );

    expect(failureKind(() => parseFeed(laughs, { url: 'https://example.org/feed' }))).toBe(
      'entity-expansion',
    );
  });

  it('reports truncated XML as malformed, with a line number', () => {
    const truncated = Buffer.from(
      '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Most Read</title>\n<item><title>x',
    );

    expect(() => parseFeed(truncated, { url: 'https://example.org/feed' })).toThrow(
      /malformed XML at line \d+/,
    );
  });

  it('reads legacy encodings declared in the prolog', () => {
    const latin1 = Buffer.concat([
      Buffer.from(
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>t</title><item><title>Thérapie ',
        'latin1',
      ),
      Buffer.from([0xe9]),
      Buffer.from('</title><link>https://example.org/a</link></item></channel></rss>'),
    ]);

    expect(parseFeed(latin1, { url: 'https://example.org/feed' }).items[0]!.title).toBe('Thérapie é');
  });
});
