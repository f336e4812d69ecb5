import { collapseWhitespace, htmlToText } from './html-text.ts';

/**
 * Reading values out of fast-xml-parser's object tree: leaf text, attributes, arrays that may be
 * single nodes, links resolved against a base, and fields that hold markup.
 */

export type XmlNode = string | number | boolean | XmlObject | XmlNode[] | undefined | null;
export interface XmlObject {
  [key: string]: XmlNode;
}

/**
 * A field that may hold markup, kept raw by the XML layer (a stop node) or already decoded:
 * CDATA sections are taken as they are, entities outside them are decoded once, and the HTML
 * that results becomes plain text.
 */
export function markupText(node: XmlNode): string {
  const raw = textOf(node);
  if (!raw) return '';
  if (!/[<&]/.test(raw)) return collapseWhitespace(raw);
  return htmlToText(
    decodeXmlEntities(raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, inner: string) => escapeXml(inner))),
  );
}

/** Atom text constructs (stop nodes): `text`, escaped `html`, or inline `xhtml`. */
export function atomText(node: XmlNode): string {
  const element = firstNode(node);
  if (element === undefined || element === null) return '';
  const type = (isObject(element) ? attr(element, 'type') : undefined) ?? 'text';
  if (type === 'xhtml') {
    const raw = textOf(element).replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, inner: string) =>
      escapeXml(inner),
    );
    return htmlToText(raw);
  }
  return markupText(element);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const XML_ENTITY = /&(?:(lt|gt|quot|apos|amp)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi;
const NAMED_XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

/** One pass, so "&amp;lt;" becomes "&lt;" (text), never "<" (markup). */
function decodeXmlEntities(text: string): string {
  return text.replace(XML_ENTITY, (_, named?: string, decimal?: string, hex?: string) =>
    named
      ? NAMED_XML_ENTITIES[named.toLowerCase()]!
      : safeCodePoint(decimal ? Number(decimal) : parseInt(hex!, 16)),
  );
}

function safeCodePoint(code: number): string {
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
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

export function plainText(node: XmlNode): string {
  return collapseWhitespace(textOf(node));
}

export function attr(node: XmlNode, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value.trim() : undefined;
}

export function absoluteUrl(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim().replace(/ /g, '%20'), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function asArray(node: XmlNode): XmlNode[] {
  if (node === undefined || node === null) return [];
  return Array.isArray(node) ? node : [node];
}

export function firstNode(node: XmlNode): XmlNode {
  return Array.isArray(node) ? node[0] : node;
}

export function firstObject(node: XmlNode): XmlObject | undefined {
  const first = firstNode(node);
  return isObject(first) ? first : undefined;
}

export function isObject(node: XmlNode): node is XmlObject {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}
