import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FeedError } from '../errors.ts';
import { collapseWhitespace, htmlToText } from './html-text.ts';
import { decodeFeedBytes } from './decode-bytes.ts';

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
}

type XmlNode = string | number | boolean | XmlObject | XmlNode[] | undefined | null;
interface XmlObject {
  [key: string]: XmlNode;
}

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
  // DOCTYPE entities are refused before parsing; only the five XML entities and numeric references remain.
  processEntities: true,
  htmlEntities: false,
  // Atom text constructs may hold xhtml markup: keep it raw and turn it into text ourselves.
  stopNodes: ['feed.entry.content', 'feed.entry.summary', 'feed.entry.title'],
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

/**
 * Parses RSS 2.0, Atom 1.0 and RSS 1.0/RDF. A whole-document problem (not XML, an HTML page,
 * entity declarations) throws a FeedError of its kind; a problem in one item (a bad date, no
 * link) never loses the rest of the feed.
 *
 * @param bytes the HTTP body as received
 * @param options.url the feed URL, to resolve relative links
 */
export function parseFeed(
  bytes: Buffer,
  options: { url: string; httpCharset?: string; maxBytes?: number },
): ParsedFeed {
  const text = decodeFeedBytes(bytes, {
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    ...(options.httpCharset ? { httpCharset: options.httpCharset } : {}),
  })
    // A stray blank line or PHP slip before the prolog is common and harmless: start at the first tag.
    .replace(/^[\s\uFEFF]+/, '')
    .replace(/^<\?php[^>]*\?>\s*/i, '');

  if (
    /<!DOCTYPE[^>[]*\[[^\]]*<!ENTITY/is.test(text.slice(0, 64 * 1024)) ||
    /<!ENTITY/i.test(text.slice(0, 64 * 1024))
  ) {
    throw new FeedError(
      'entity-expansion',
      'feed declares XML entities (refused: entity expansion and external entities are attacks)',
    );
  }
  const head = text.slice(0, 1024).toLowerCase();
  if (/^(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/.test(head.replace(/^<\?xml[^>]*\?>\s*/, ''))) {
    throw new FeedError('not-a-feed', 'response is an HTML page, not a feed');
  }

  const validation = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new FeedError('malformed-xml', `malformed XML at line ${line}, column ${col}: ${msg}`);
  }

  let document: XmlObject;
  try {
    document = parser.parse(text) as XmlObject;
  } catch (error) {
    throw new FeedError('malformed-xml', `malformed XML: ${(error as Error).message}`, { cause: error });
  }

  if (isObject(document.rss)) return parseRss2(document.rss, options.url);
  if (isObject(document.feed)) return parseAtom(document.feed, options.url);
  const rdfRoot = Object.entries(document).find(
    ([name]) => name === 'rdf:RDF' || name.endsWith(':RDF') || name === 'RDF',
  );
  if (rdfRoot && isObject(rdfRoot[1])) return parseRdf(rdfRoot[1], options.url);
  const root = Object.keys(document).find((name) => !name.startsWith('?'));
  throw new FeedError('not-a-feed', `document root <${root ?? 'none'}> is not rss, feed or rdf:RDF`);
}

function parseRss2(rss: XmlObject, feedUrl: string): ParsedFeed {
  const channel = firstObject(rss.channel) ?? {};
  const items = asArray(channel.item ?? rss.item).filter(isObject);
  return {
    format: 'rss2',
    title: plainText(channel.title),
    items: items.map((item) => {
      const guid = plainText(item.guid) || undefined;
      const guidIsLink =
        isObject(firstNode(item.guid)) && attr(firstNode(item.guid), 'isPermaLink') !== 'false';
      const linkText =
        plainText(firstNode(item.link)) || (guidIsLink || guid?.startsWith('http') ? guid : undefined);
      return {
        guid,
        title: htmlTitle(item.title),
        link: absoluteUrl(linkText, feedUrl),
        summary: htmlToText(
          textOf(item['content:encoded']) || textOf(item.description) || textOf(item['dc:description']),
        ),
        published: plainText(item.pubDate) || plainText(item['dc:date']) || undefined,
        categories: [...asArray(item.category), ...asArray(item['dc:subject'])]
          .map(plainText)
          .filter(Boolean),
        identifierHints: [
          guid,
          ...asArray(item['dc:identifier']).map(plainText),
          plainText(item['prism:doi']),
        ].filter((hint): hint is string => Boolean(hint)),
      };
    }),
  };
}

function parseRdf(rdf: XmlObject, feedUrl: string): ParsedFeed {
  const channel = firstObject(rdf.channel ?? rdf['rss:channel']) ?? {};
  const items = [
    ...asArray(rdf.item),
    ...asArray(rdf['rss:item']),
    ...asArray(channel.item),
    ...asArray(channel['rss:item']),
  ].filter(isObject);
  return {
    format: 'rdf',
    title: plainText(channel.title ?? channel['rss:title']),
    items: items.map((item) => {
      const about = attr(item, 'rdf:about');
      const link = plainText(firstNode(item.link ?? item['rss:link'])) || about;
      return {
        guid: about ?? (link || undefined),
        title: htmlTitle(item.title ?? item['rss:title']),
        link: absoluteUrl(link, feedUrl),
        summary: htmlToText(
          textOf(item['content:encoded']) ||
            textOf(item.description ?? item['rss:description']) ||
            textOf(item['dc:description']),
        ),
        published: plainText(item['dc:date']) || plainText(item['prism:publicationDate']) || undefined,
        categories: asArray(item['dc:subject']).map(plainText).filter(Boolean),
        identifierHints: [
          about,
          ...asArray(item['dc:identifier']).map(plainText),
          plainText(item['prism:doi']),
        ].filter((hint): hint is string => Boolean(hint)),
      };
    }),
  };
}

function parseAtom(feed: XmlObject, feedUrl: string): ParsedFeed {
  const base = absoluteUrl(attr(feed, 'xml:base'), feedUrl) ?? feedUrl;
  return {
    format: 'atom',
    title: plainText(feed.title),
    items: asArray(feed.entry)
      .filter(isObject)
      .map((entry) => {
        const entryBase = absoluteUrl(attr(entry, 'xml:base'), base) ?? base;
        const links = asArray(entry.link).filter(isObject);
        const alternate =
          links.find(
            (link) =>
              (attr(link, 'rel') ?? 'alternate') === 'alternate' && /html/.test(attr(link, 'type') ?? 'html'),
          ) ??
          links.find((link) => (attr(link, 'rel') ?? 'alternate') === 'alternate') ??
          links[0];
        const id = plainText(entry.id) || undefined;
        return {
          guid: id,
          title: atomText(entry.title),
          link: absoluteUrl(alternate ? attr(alternate, 'href') : undefined, entryBase),
          summary: atomText(entry.summary) || atomText(entry.content),
          published: plainText(entry.published) || plainText(entry.updated) || undefined,
          categories: asArray(entry.category)
            .map((category) =>
              isObject(category)
                ? (attr(category, 'label') ?? attr(category, 'term') ?? '')
                : plainText(category),
            )
            .filter(Boolean),
          identifierHints: [
            id,
            ...asArray(entry['dc:identifier']).map(plainText),
            plainText(entry['prism:doi']),
          ].filter((hint): hint is string => Boolean(hint)),
        };
      }),
  };
}

/** Atom text constructs arrive raw (stop nodes): text, escaped html, or inline xhtml. */
function atomText(node: XmlNode): string {
  const element = firstNode(node);
  if (element === undefined || element === null) return '';
  const type = isObject(element) ? (attr(element, 'type') ?? 'text') : 'text';
  let raw = isObject(element) ? scalarText(element['#text']) : scalarText(element);
  raw = raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, inner: string) => escapeXml(inner));
  if (type === 'xhtml') return htmlToText(raw);
  // text and html were escaped once by XML; decoding the markup once gives text or HTML.
  return htmlToText(type === 'html' || type === 'text/html' ? decodeXmlEntities(raw) : raw);
}

function htmlTitle(node: XmlNode): string {
  const text = textOf(node);
  return text.includes('<') || text.includes('&') ? htmlToText(text) : collapseWhitespace(text);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function decodeXmlEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => safeCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => safeCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, '&');
}

function safeCodePoint(code: number): string {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

function textOf(node: XmlNode): string {
  const first = firstNode(node);
  return isObject(first) ? scalarText(first['#text']) : scalarText(first);
}

/** The text of a leaf value; an element without text (or a nested structure) reads as ''. */
function scalarText(value: XmlNode): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

function plainText(node: XmlNode): string {
  return collapseWhitespace(textOf(node));
}

function attr(node: XmlNode, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value.trim() : undefined;
}

function absoluteUrl(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim().replace(/ /g, '%20'), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function asArray(node: XmlNode): XmlNode[] {
  if (node === undefined || node === null) return [];
  return Array.isArray(node) ? node : [node];
}

function firstNode(node: XmlNode): XmlNode {
  return Array.isArray(node) ? node[0] : node;
}

function firstObject(node: XmlNode): XmlObject | undefined {
  const first = firstNode(node);
  return isObject(first) ? first : undefined;
}

function isObject(node: XmlNode): node is XmlObject {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}
