import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describeError, FeedError } from '../errors.ts';
import { collapseWhitespace } from './html-text.ts';
import { decodeFeedBytes } from './decode-bytes.ts';
import {
  absoluteUrl,
  asArray,
  atomText,
  attr,
  firstNode,
  firstObject,
  isObject,
  markupText,
  plainText,
  type XmlNode,
  type XmlObject,
} from './xml-nodes.ts';

/**
 * Our own feed parser over fast-xml-parser (docs/ingest.md and the README say why not rss-parser): RSS 2.0 (and 0.9x),
 * Atom 1.0 and RSS 1.0/RDF. A whole-document problem throws a FeedError of its kind; a problem
 * in one item (a bad date, no link, a field we cannot read) never loses the rest of the feed.
 */

/** The feed formats we read. */
export type FeedFormat = 'rss2' | 'atom' | 'rdf';

/** One entry as the feed gave it: plain text fields, raw date, no judgement yet. */
export interface RawFeedItem {
  readonly guid: string | undefined;
  readonly title: string;
  /** Absolute URL (relative links resolved against xml:base / the feed URL), or undefined. */
  readonly link: string | undefined;
  readonly summary: string;
  readonly published: string | undefined;
  readonly categories: readonly string[];
  /** Texts that may carry a DOI / PMID / NCT id: dc:identifier, prism:doi, guid. */
  readonly identifierHints: readonly string[];
}

export interface ParsedFeed {
  readonly format: FeedFormat;
  readonly title: string;
  readonly items: readonly RawFeedItem[];
  /** Items the parser could not read at all, each with its position and reason. */
  readonly itemErrors: readonly string[];
}

export interface ParseOptions {
  /** The feed's own URL: relative links resolve against it. */
  readonly url: string;
  readonly httpCharset?: string;
  /** Largest body accepted, before and after gzip expansion (default 5 MB). */
  readonly maxBytes?: number;
  /** Most items (entries) a feed may hold (default DEFAULT_MAX_ITEMS; the setting FEED_MAX_ITEMS). */
  readonly maxItems?: number;
}

/**
 * A real feed carries tens of items, a busy journal's a few hundred; thousands are a dump or an
 * attack, and each item would become an article to store, tag and index.
 */
export const DEFAULT_MAX_ITEMS = 5000;

/** Item elements of the three formats, as the parser names them (RSS 1.0 may prefix its own). */
const ITEM_ELEMENTS = new Set(['item', 'rss:item', 'entry']);

const ALWAYS_ARRAY = new Set([
  'item',
  'rss:item',
  'entry',
  'category',
  'link',
  'dc:subject',
  'dc:identifier',
  'atom:link',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // A DOCTYPE with an internal subset is refused before parsing (refuseInternalSubset), so the
  // only entities left are the five of XML and character references. The limits are a second
  // wall, should a declaration ever get past the first.
  processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 64, maxExpandedLength: 1024 },
  htmlEntities: false,
  // Fields that hold markup are kept raw (entities, CDATA, even unescaped inline HTML) and turned
  // into text by one careful path instead of the XML layer's guess.
  stopNodes: [
    '*.description',
    '*.content:encoded',
    '*.dc:description',
    'feed.entry.content',
    'feed.entry.summary',
    'feed.entry.title',
  ],
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Parses one feed document.
 *
 * @param bytes the HTTP body (or file) as received: any encoding, possibly gzip
 * @throws FeedError 'too-large', 'unsupported-encoding', 'entity-expansion', 'not-a-feed',
 *   'malformed-xml' or 'too-many-items'
 */
export function parseFeed(bytes: Buffer, options: ParseOptions): ParsedFeed {
  const text = startOfDocument(
    decodeFeedBytes(bytes, {
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      ...(options.httpCharset ? { httpCharset: options.httpCharset } : {}),
    }),
  );
  refuseInternalSubset(text);
  refuseHtmlPages(text);
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  refuseTooManyItems(countItemTags(text), maxItems);
  const xml = escapeBareAmpersands(text);
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: true });
  if (validation !== true) throw malformed(validation.err);

  let document: XmlObject;
  try {
    document = parser.parse(xml) as XmlObject;
  } catch (error) {
    throw new FeedError('malformed-xml', `malformed XML: ${(error as Error).message}`, { cause: error });
  }

  const feed = readDocument(document, options.url);
  // The count before parsing is of tags in the text; this one is of the items the parser found.
  refuseTooManyItems(feed.items.length + feed.itemErrors.length, maxItems);
  return feed;
}

function readDocument(document: XmlObject, url: string): ParsedFeed {
  if (isObject(document.rss)) return parseRss2(document.rss, url);
  if (isObject(document.feed)) return parseAtom(document.feed, url);
  const rdfRoot = Object.entries(document).find(([name]) => name === 'RDF' || name.endsWith(':RDF'));
  if (rdfRoot && isObject(rdfRoot[1])) return parseRdf(rdfRoot[1], url);
  const root = Object.keys(document).find((name) => !name.startsWith('?'));
  throw new FeedError('not-a-feed', `document root <${root ?? 'none'}> is not rss, feed or rdf:RDF`);
}

/** A stray blank line, BOM or PHP templating slip before the prolog is common and harmless. */
function startOfDocument(text: string): string {
  return text.replace(/^[\s\uFEFF]+/, '').replace(/^<\?php[^>]*\?>\s*/i, '');
}

/**
 * Reads the prolog as an XML parser does, construct by construct (the XML declaration, comments,
 * processing instructions, whitespace, the DOCTYPE), up to the root element, and refuses a DOCTYPE
 * with an internal subset: the only place a document can declare entities (billion laughs, external
 * entities) or other markup. A text search for "<!ENTITY" before the first tag was not enough: a
 * comment holding "<rss>" before the DOCTYPE hid the declarations from it (issue 15).
 *
 * @throws FeedError 'entity-expansion' for an internal subset; 'malformed-xml' for a prolog that
 *   ends before its constructs do.
 */
function refuseInternalSubset(text: string): void {
  let at = 0;
  const skip = (start: number, end: string, what: string): number => {
    const found = text.indexOf(end, start);
    if (found < 0) throw new FeedError('malformed-xml', `malformed XML: ${what} in the prolog never ends`);
    return found + end.length;
  };
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
    if (text.startsWith('<?', at)) at = skip(at + 2, '?>', 'a processing instruction');
    else if (text.startsWith('<!--', at)) at = skip(at + 4, '-->', 'a comment');
    else if (/^<!doctype/i.test(text.slice(at, at + 9))) return refuseSubsetOfDoctype(text, at + 9);
    // The root element, text, or anything else: the prolog is over; the validator judges the rest.
    else return;
  }
}

/** Reads a DOCTYPE from after its keyword to its end: quoted identifiers skipped, "[" refused. */
function refuseSubsetOfDoctype(text: string, from: number): void {
  for (let at = from; at < text.length; at += 1) {
    const char = text[at]!;
    if (char === '>') return;
    if (char === '"' || char === "'") {
      const close = text.indexOf(char, at + 1);
      if (close < 0) break;
      at = close;
    } else if (char === '[') {
      throw new FeedError(
        'entity-expansion',
        "feed declares XML entities or other markup in its DOCTYPE's internal subset " +
          '(refused: entity expansion and external entities are attacks)',
      );
    }
  }
  throw new FeedError('malformed-xml', 'malformed XML: the DOCTYPE never ends');
}

/**
 * Item start tags in the text, comments and CDATA sections left out: the count before parsing, so
 * a crowded feed is refused before it costs a parse of every item. It can only overcount (a raw
 * "<item>" inside an item's own HTML), and the count after parsing is the exact one.
 */
function countItemTags(text: string): number {
  const markup = /<!--|<!\[CDATA\[/.test(text)
    ? text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    : text;
  let count = 0;
  for (const match of markup.matchAll(/<((?:[\w.-]+:)?(?:item|entry))[\s>/]/g)) {
    const name = match[1]!;
    if (ITEM_ELEMENTS.has(name) || name.endsWith(':item')) count += 1;
  }
  return count;
}

function refuseTooManyItems(count: number, maxItems: number): void {
  if (count > maxItems) {
    throw new FeedError(
      'too-many-items',
      `feed holds ${count.toLocaleString('en')} items, over the limit of ${maxItems.toLocaleString('en')} a feed (FEED_MAX_ITEMS)`,
    );
  }
}

function refuseHtmlPages(text: string): void {
  const head = text
    .slice(0, 2048)
    .replace(/^(?:<\?xml[^>]*\?>|<!--[\s\S]*?-->|\s)+/, '')
    .toLowerCase();
  if (/^(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<meta[\s>]|<title[\s>])/.test(head)) {
    const title = /<title[^>]*>([^<]{0,120})/i.exec(text.slice(0, 8192))?.[1];
    throw new FeedError(
      'not-a-feed',
      `response is an HTML page, not a feed${title ? ` ("${collapseWhitespace(title)}")` : ''}`,
    );
  }
}

/** "R&D" in a title is the commonest XML error in the wild; escaping a bare & loses nothing. */
function escapeBareAmpersands(text: string): string {
  return text.replace(/&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)/g, '&amp;');
}

function malformed(error: { code: string; msg: string; line: number; col: number }): FeedError {
  // fast-xml-parser reports elements left open at the end of the document as a list.
  const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(error.msg)?.[1];
  if (unclosed) {
    const names = [...unclosed.matchAll(/"([^"]+)"/g)].map((match) => `<${match[1]}>`);
    return new FeedError(
      'malformed-xml',
      `malformed XML: the document ends with ${names.join(', ')} still open (truncated?)`,
    );
  }
  return new FeedError(
    'malformed-xml',
    `malformed XML at line ${error.line}, column ${error.col}: ${error.msg}`,
  );
}

function parseRss2(rss: XmlObject, feedUrl: string): ParsedFeed {
  const channel = firstObject(rss.channel) ?? {};
  const itemErrors: string[] = [];
  const items = readItems([...asArray(channel.item), ...asArray(rss.item)], itemErrors, (item) => {
    const guid = plainText(item.guid) || undefined;
    const guidIsPermaLink = attr(firstNode(item.guid), 'isPermaLink') !== 'false';
    const link =
      absoluteUrl(plainText(firstNode(item.link)), feedUrl) ??
      (guidIsPermaLink && guid && /^https?:\/\//i.test(guid) ? absoluteUrl(guid, feedUrl) : undefined);
    return {
      guid,
      title: markupText(item.title),
      link,
      summary:
        markupText(item['content:encoded']) ||
        markupText(item.description) ||
        markupText(item['dc:description']),
      published: plainText(item.pubDate) || plainText(item['dc:date']) || undefined,
      categories: [...asArray(item.category), ...asArray(item['dc:subject'])].map(plainText).filter(Boolean),
      identifierHints: hints(guid, item),
    };
  });
  return { format: 'rss2', title: markupText(channel.title), items, itemErrors };
}

function parseRdf(rdf: XmlObject, feedUrl: string): ParsedFeed {
  const channel = firstObject(rdf.channel ?? rdf['rss:channel']) ?? {};
  const itemErrors: string[] = [];
  const raw = [
    ...asArray(rdf.item),
    ...asArray(rdf['rss:item']),
    ...asArray(channel.item),
    ...asArray(channel['rss:item']),
  ];
  const items = readItems(raw, itemErrors, (item) => {
    const about = attr(item, 'rdf:about') || undefined;
    const link = plainText(firstNode(item.link ?? item['rss:link'])) || plainText(item['prism:url']) || about;
    return {
      guid: about ?? (link || undefined),
      title: markupText(item.title ?? item['rss:title']) || markupText(item['dc:title']),
      link: absoluteUrl(link, feedUrl),
      summary:
        markupText(item['content:encoded']) ||
        markupText(item.description ?? item['rss:description']) ||
        markupText(item['dc:description']),
      published:
        plainText(item['dc:date']) ||
        plainText(item['prism:publicationDate']) ||
        plainText(item.pubDate) ||
        undefined,
      categories: asArray(item['dc:subject']).map(plainText).filter(Boolean),
      identifierHints: hints(about, item),
    };
  });
  return { format: 'rdf', title: markupText(channel.title ?? channel['rss:title']), items, itemErrors };
}

function parseAtom(feed: XmlObject, feedUrl: string): ParsedFeed {
  const base = absoluteUrl(attr(feed, 'xml:base'), feedUrl) ?? feedUrl;
  const itemErrors: string[] = [];
  const items = readItems(asArray(feed.entry), itemErrors, (entry) => {
    const entryBase = absoluteUrl(attr(entry, 'xml:base'), base) ?? base;
    const links = asArray(entry.link).filter(isObject);
    const rel = (link: XmlObject) => attr(link, 'rel') ?? 'alternate';
    const alternate =
      links.find((link) => rel(link) === 'alternate' && /html/.test(attr(link, 'type') ?? 'html')) ??
      links.find((link) => rel(link) === 'alternate') ??
      links.find((link) => rel(link) !== 'self' && rel(link) !== 'enclosure') ??
      links[0];
    const id = plainText(entry.id) || undefined;
    return {
      guid: id,
      title: atomText(entry.title),
      link: absoluteUrl(alternate ? attr(alternate, 'href') : undefined, entryBase),
      summary: atomText(entry.summary) || atomText(entry.content),
      published:
        plainText(entry.published) || plainText(entry.updated) || plainText(entry['dc:date']) || undefined,
      categories: asArray(entry.category)
        .map((category) =>
          isObject(category)
            ? (attr(category, 'label') ?? attr(category, 'term') ?? '')
            : plainText(category),
        )
        .filter(Boolean),
      identifierHints: hints(id, entry),
    };
  });
  return { format: 'atom', title: atomText(feed.title), items, itemErrors };
}

/** Reads every item on its own: one that throws is reported and skipped, the rest carry on. */
function readItems(
  nodes: readonly XmlNode[],
  errors: string[],
  read: (item: XmlObject) => RawFeedItem,
): RawFeedItem[] {
  const items: RawFeedItem[] = [];
  nodes.forEach((node, index) => {
    if (!isObject(node)) return;
    try {
      items.push(read(node));
    } catch (error) {
      errors.push(`item ${index + 1}: ${describeError(error)}`);
    }
  });
  return items;
}

function hints(first: string | undefined, item: XmlObject): string[] {
  return [first, ...asArray(item['dc:identifier']).map(plainText), plainText(item['prism:doi'])].filter(
    (hint): hint is string => Boolean(hint),
  );
}

/**
 * parseFeed's safe path for any XML document (PubMed's efetch answers): decoded like a feed,
 * entity declarations and HTML pages refused, validated before the given parser reads it. A
 * DOCTYPE that only names an external DTD (as PubMed's does) is not fetched and not refused.
 *
 * @throws FeedError 'too-large', 'unsupported-encoding', 'entity-expansion', 'not-a-feed' or 'malformed-xml'
 */
export function parseSafeXml(
  bytes: Buffer,
  options: Omit<ParseOptions, 'url'>,
  xmlParser: Pick<XMLParser, 'parse'>,
): XmlObject {
  const text = startOfDocument(
    decodeFeedBytes(bytes, {
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      ...(options.httpCharset ? { httpCharset: options.httpCharset } : {}),
    }),
  );
  refuseInternalSubset(text);
  refuseHtmlPages(text);
  const xml = escapeBareAmpersands(text);
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: true });
  if (validation !== true) throw malformed(validation.err);
  try {
    return xmlParser.parse(xml) as XmlObject;
  } catch (error) {
    throw new FeedError('malformed-xml', `malformed XML: ${(error as Error).message}`, { cause: error });
  }
}
