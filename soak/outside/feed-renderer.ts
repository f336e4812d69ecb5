import type { Sighting, SoakSource } from '../world/publications.ts';

/**
 * Writes a source's current items as the feed format it speaks (RSS 2.0, Atom 1.0 or RSS
 * 1.0/RDF), with identifiers where real feeds put them (dc:identifier, prism:doi) and GUIDs that
 * change whenever the feed is rebuilt (`edition`): real feeds churn them, and they must never be
 * taken for identity. Between rebuilds the bytes are the same, so conditional GETs get a 304.
 */
export function renderFeed(
  source: SoakSource,
  items: readonly Sighting[],
  summaries: (workKey: string) => { summary: string; publishedAt: number },
  edition: number,
): string {
  const home = `${new URL(source.url).origin}/`;
  const entries = items.map((item) => ({ ...item, ...summaries(item.workKey) }));
  const guid = (item: Sighting) => `urn:uuid:soak-${edition}-${item.workKey}`;
  switch (source.format) {
    case 'rss':
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
        `<title>${text(source.name)}</title><link>${text(home)}</link><description>New research</description>`,
        ...entries.map(
          (item) =>
            `<item><title>${text(item.title)}</title><link>${text(item.url)}</link>` +
            `<guid isPermaLink="false">${guid(item)}</guid><pubDate>${new Date(item.publishedAt).toUTCString()}</pubDate>` +
            `<description>${text(item.summary)}</description>` +
            (item.doi ? `<dc:identifier>doi:${item.doi}</dc:identifier>` : '') +
            '</item>',
        ),
        '</channel></rss>',
      ].join('\n');
    case 'atom':
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">',
        `<title>${text(source.name)}</title><id>${text(home)}</id><link href="${attribute(home)}"/>`,
        `<updated>${new Date(entries[0]?.publishedAt ?? 0).toISOString()}</updated>`,
        ...entries.map(
          (item) =>
            `<entry><title>${text(item.title)}</title><link href="${attribute(item.url)}"/><id>${guid(item)}</id>` +
            `<published>${new Date(item.publishedAt).toISOString()}</published>` +
            `<updated>${new Date(item.publishedAt).toISOString()}</updated>` +
            `<summary>${text(item.summary)}</summary>` +
            (item.doi ? `<prism:doi>${item.doi}</prism:doi>` : '') +
            '</entry>',
        ),
        '</feed>',
      ].join('\n');
    case 'rdf':
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"',
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">',
        `<channel rdf:about="${attribute(source.url)}"><title>${text(source.name)}</title><link>${text(home)}</link>`,
        '<description>New research</description><items><rdf:Seq>',
        ...entries.map((item) => `<rdf:li rdf:resource="${attribute(item.url)}"/>`),
        '</rdf:Seq></items></channel>',
        ...entries.map(
          (item) =>
            `<item rdf:about="${attribute(item.url)}"><title>${text(item.title)}</title><link>${text(item.url)}</link>` +
            `<description>${text(item.summary)}</description><dc:date>${new Date(item.publishedAt).toISOString()}</dc:date>` +
            (item.doi ? `<prism:doi>${item.doi}</prism:doi>` : '') +
            '</item>',
        ),
        '</rdf:RDF>',
      ].join('\n');
  }
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;');
}
