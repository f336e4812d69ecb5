import { Parser } from 'htmlparser2';
import {
  sanitiseStyleAttribute,
  sanitiseStylesheet,
  styleText,
  type CssDeclaration,
  type CssRule,
} from './email-css.ts';
import { isMailableLink } from './mail-links.ts';

/**
 * An admin's MJML, rendered, made safe by construction: the HTML is parsed into a tree and written
 * out again from it, keeping only allow-listed elements, attributes and CSS (email-css.ts). Every
 * text is escaped, every attribute quoted; comments go, but MJML's Outlook conditionals, whose
 * contents are re-read token by token under the same rules; the head is our own. What a reader's
 * client parses is therefore exactly the tree we checked, however the source was spelled.
 *
 * This replaced a check that read the rendered HTML with htmlparser2 and refused what it saw
 * (issue 15): a browser parses some markup otherwise (`<!-- x --!>` ends a comment, `<![CDATA[`
 * in HTML is a comment ending at the first `>`, a <noscript>'s contents are raw text), so an
 * event handler the check took for comment or attribute text ran in Chromium. Here, whatever the
 * parser took for a comment is gone, and whatever it took for an attribute is written back quoted.
 *
 * sanitize-html (the Markdown path's sanitiser) cannot keep MJML's Outlook conditionals, which
 * hold unbalanced table tags ("<table><tr><td>" in one, "</td></tr></table>" in a later one): it
 * drops comments and balances tags. Hence this small writer over htmlparser2 with the same rules.
 */

export type EmailNode = EmailElement | EmailText | EmailConditional;

export interface EmailElement {
  readonly kind: 'element';
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The style attribute as it passed, parsed. */
  readonly style: readonly CssDeclaration[];
  readonly children: readonly EmailNode[];
}

export interface EmailText {
  readonly kind: 'text';
  readonly text: string;
}

/** An Outlook conditional comment, its contents re-serialised: invisible to every other client. */
export interface EmailConditional {
  readonly kind: 'conditional';
  readonly html: string;
}

export interface SanitisedEmail {
  readonly html: string;
  readonly body: readonly EmailNode[];
  /** The rules of every <style> element, in order: what the must-show check matches elements to. */
  readonly stylesheet: readonly CssRule[];
  /** What was taken out, in the admin's words, each kind once. */
  readonly removed: readonly string[];
}

export interface SanitiseOptions {
  /** Values a link may have though they are not URLs yet: the personal-link slots, filled per reader. */
  readonly slotValues: readonly string[];
}

/** Elements an email's layout is made of (MJML's output and hand-written email HTML). */
const LAYOUT_ELEMENTS = new Set([
  'div',
  'span',
  'p',
  'a',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'img',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'del',
  'small',
  'sup',
  'sub',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'center',
]);

/** Elements removed with everything in them: they run, embed, take input, or hold raw text. */
const DROPPED_WITH_CONTENTS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'textarea',
  'select',
  'option',
  'xmp',
  'noembed',
  'noframes',
  'plaintext',
  'title',
  'head',
  'link',
  'meta',
  'base',
  'audio',
  'video',
  'canvas',
  'form',
  'button',
  'input',
  'picture',
  'source',
  'dialog',
  'portal',
]);

const VOID_ELEMENTS = new Set(['br', 'hr', 'img', 'meta', 'input', 'link', 'base', 'source', 'col']);

const TABLE_ELEMENTS = new Set(['table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption']);

/** Attributes any layout element may keep, with the values they may have. */
const GLOBAL_ATTRIBUTES: Readonly<Record<string, RegExp>> = {
  class: /^[\w\s-]{0,200}$/,
  lang: /^[a-z]{2,8}(?:-[a-z0-9]{1,8})*$/i,
  dir: /^(?:ltr|rtl|auto)$/i,
  title: /^[^]{0,300}$/,
  role: /^(?:presentation|none|article|heading|img)$/,
  'aria-label': /^[^]{0,300}$/,
  'aria-roledescription': /^[^]{0,100}$/,
  align: /^(?:left|right|center|justify)$/i,
};

const SIZE = /^(?:\d{1,4}(?:\.\d+)?(?:px|%)?|auto)$/i;
const COLOUR_ATTRIBUTE = /^(?:#[0-9a-f]{3,8}|[a-z]{3,20})$/i;

const TABLE_ATTRIBUTES: Readonly<Record<string, RegExp>> = {
  valign: /^(?:top|middle|bottom|baseline)$/i,
  border: SIZE,
  cellpadding: SIZE,
  cellspacing: SIZE,
  width: SIZE,
  height: SIZE,
  bgcolor: COLOUR_ATTRIBUTE,
  colspan: /^\d{1,3}$/,
  rowspan: /^\d{1,3}$/,
};

const IMAGE_ATTRIBUTES: Readonly<Record<string, RegExp>> = {
  alt: /^[^]{0,500}$/,
  width: SIZE,
  height: SIZE,
};

/** Images embedded in the email itself: raster formats only (an SVG is a document that can script). */
const EMBEDDED_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=\s]+$/i;

/** Attributes that load something from elsewhere when the email is opened. */
const LOADING_ATTRIBUTES = new Set([
  'src',
  'srcset',
  'background',
  'poster',
  'data',
  'lowsrc',
  'dynsrc',
  'href',
]);

/** MJML's Outlook conditionals: `[if mso | IE]>…<![endif]`, and the downlevel-revealed pair. */
const CONDITIONAL = /^\[if ([!a-z0-9 |&()]{1,40})\]>([\s\S]*)<!\[endif\]$/i;
const REVEALED_START = /^\[if ([!a-z0-9 |&()]{1,40})\]><!$/i;
const REVEALED_END = '<![endif]';

const OFFICE_SETTINGS =
  '<!--[if mso]>\n<noscript>\n<xml>\n<o:OfficeDocumentSettings>\n<o:AllowPNG/>\n<o:PixelsPerInch>96</o:PixelsPerInch>\n</o:OfficeDocumentSettings>\n</xml>\n</noscript>\n<![endif]-->';

/**
 * The rendered MJML document, rewritten from an allow-list.
 *
 * @example sanitiseEmailDocument(html, { slotValues: [unsubscribeSlot] }).removed
 *   // ['the onerror attribute of <img> removed (a script)', …]
 */
export function sanitiseEmailDocument(html: string, options: SanitiseOptions): SanitisedEmail {
  const removed = new Set<string>();
  const slots = new Set(options.slotValues);
  const tree = parseTree(html);
  const root = tree.find((node): node is RawElement => node.kind === 'element' && node.name === 'html');
  const top = root?.children ?? tree;
  const head = top.find((node): node is RawElement => node.kind === 'element' && node.name === 'head');
  const body = top.find((node): node is RawElement => node.kind === 'element' && node.name === 'body');

  const stylesheet: CssRule[] = [];
  const headParts: string[] = [];
  let title = '';
  for (const node of head?.children ?? []) {
    if (node.kind === 'element' && node.name === 'title') title = textOf(node);
    else if (node.kind === 'element' && node.name === 'style') {
      const sheet = sanitiseStylesheet(textOf(node), removed);
      stylesheet.push(...sheet.rules);
      if (sheet.css) headParts.push(`<style type="text/css"${mediaAttribute(node)}>\n${sheet.css}\n</style>`);
    } else if (node.kind === 'comment') {
      const conditional = sanitiseConditional(node.text, slots, removed, stylesheet);
      if (conditional) headParts.push(conditional);
    }
  }

  const bodyNodes = sanitiseChildren(
    body ? body.children : top.filter((node) => node !== head),
    slots,
    removed,
  );
  const bodyStyle = body ? sanitiseStyleAttribute(body.attributes.style ?? '', removed) : [];
  const htmlAttributes = root
    ? pickAttributes(root.attributes, { lang: GLOBAL_ATTRIBUTES.lang!, dir: GLOBAL_ATTRIBUTES.dir! })
    : {};

  const document = [
    '<!doctype html>',
    `<html${attributesText(htmlAttributes)} xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">`,
    '<head>',
    `<title>${escapeText(title)}</title>`,
    '<!--[if !mso]><!-->\n<meta http-equiv="X-UA-Compatible" content="IE=edge">\n<!--<![endif]-->',
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    OFFICE_SETTINGS,
    ...headParts,
    '</head>',
    `<body${bodyStyle.length > 0 ? attributesText({ style: styleText(bodyStyle) }) : ''}>`,
    serialise(bodyNodes),
    '</body>',
    '</html>',
  ].join('\n');
  return { html: document, body: bodyNodes, stylesheet, removed: [...removed] };
}

// ---- the parsed tree, as htmlparser2 reads it ----

type RawNode = RawElement | { kind: 'text'; text: string } | { kind: 'comment'; text: string };
interface RawElement {
  kind: 'element';
  name: string;
  attributes: Record<string, string>;
  children: RawNode[];
}

function parseTree(html: string): RawNode[] {
  const root: RawElement = { kind: 'element', name: '#root', attributes: {}, children: [] };
  const stack: RawElement[] = [root];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const element: RawElement = { kind: 'element', name, attributes, children: [] };
        stack.at(-1)!.children.push(element);
        if (!VOID_ELEMENTS.has(name)) stack.push(element);
      },
      onclosetag(name) {
        if (stack.length > 1 && stack.at(-1)!.name === name) stack.pop();
      },
      ontext(text) {
        stack.at(-1)!.children.push({ kind: 'text', text });
      },
      oncomment(text) {
        stack.at(-1)!.children.push({ kind: 'comment', text });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeCDATA: false },
  );
  parser.write(html);
  parser.end();
  return root.children;
}

function textOf(element: RawElement): string {
  return element.children
    .map((node) => (node.kind === 'text' ? node.text : node.kind === 'element' ? textOf(node) : ''))
    .join('');
}

// ---- sanitising ----

function sanitiseChildren(
  nodes: readonly RawNode[],
  slots: ReadonlySet<string>,
  removed: Set<string>,
): EmailNode[] {
  const out: EmailNode[] = [];
  for (const node of nodes) {
    if (node.kind === 'text') out.push({ kind: 'text', text: node.text });
    else if (node.kind === 'comment') {
      const conditional = sanitiseConditional(node.text, slots, removed, []);
      if (conditional) out.push({ kind: 'conditional', html: conditional });
    } else if (LAYOUT_ELEMENTS.has(node.name)) {
      const element = sanitiseElement(node, slots, removed);
      if (element) out.push(element);
    } else if (DROPPED_WITH_CONTENTS.has(node.name)) {
      removed.add(describeDropped(node.name));
    } else {
      // An element we do not know (MJML's own, a typo, html/body): its contents may stay, it goes.
      if (!['html', 'body'].includes(node.name))
        removed.add(`<${shorten(node.name)}> removed (its contents kept)`);
      out.push(...sanitiseChildren(node.children, slots, removed));
    }
  }
  return out;
}

function sanitiseElement(
  node: RawElement,
  slots: ReadonlySet<string>,
  removed: Set<string>,
): EmailElement | undefined {
  const attributes = sanitiseAttributes(node.name, node.attributes, slots, removed);
  if (attributes === undefined) return undefined;
  const style =
    node.attributes.style === undefined ? [] : sanitiseStyleAttribute(node.attributes.style, removed);
  const withStyle = style.length > 0 ? { ...attributes, style: styleText(style) } : attributes;
  return {
    kind: 'element',
    name: node.name,
    attributes: withStyle,
    style,
    children: VOID_ELEMENTS.has(node.name) ? [] : sanitiseChildren(node.children, slots, removed),
  };
}

/**
 * The attributes an element may keep (style apart: the caller sanitises it), or undefined when the
 * element itself must go (an image that is not embedded).
 */
function sanitiseAttributes(
  name: string,
  attributes: Readonly<Record<string, string>>,
  slots: ReadonlySet<string>,
  removed: Set<string>,
): Record<string, string> | undefined {
  const allowed: Record<string, RegExp> = {
    ...GLOBAL_ATTRIBUTES,
    ...(TABLE_ELEMENTS.has(name) ? TABLE_ATTRIBUTES : {}),
    ...(name === 'img' ? IMAGE_ATTRIBUTES : {}),
    ...(name === 'hr' ? { width: SIZE } : {}),
  };
  const kept: Record<string, string> = {};
  for (const [attribute, value] of Object.entries(attributes)) {
    if (attribute === 'style') continue;
    if (attribute.startsWith('on')) {
      removed.add(`the ${shorten(attribute)} attribute of <${name}> removed (a script)`);
    } else if (name === 'a' && attribute === 'href') {
      const href = value.trim();
      if (slots.has(href) || href.startsWith('#') || isMailableLink(href)) kept.href = href;
      else removed.add(`a link to "${shorten(href)}" removed (only http, https and mailto links)`);
    } else if (name === 'a' && attribute === 'target') {
      if (value === '_blank') kept.target = '_blank';
    } else if (name === 'img' && attribute === 'src') {
      if (EMBEDDED_IMAGE.test(value.trim())) kept.src = value.trim().replace(/\s+/g, '');
    } else if (LOADING_ATTRIBUTES.has(attribute)) {
      removed.add(
        `the ${attribute} attribute of <${name}> removed (it loads from elsewhere when the email is opened)`,
      );
    } else if (allowed[attribute]?.test(value)) {
      kept[attribute] = value;
    }
  }
  if (name === 'img' && kept.src === undefined) {
    removed.add(
      `<img src="${shorten(attributes.src ?? '')}"> removed (only images embedded as data: PNG, GIF, JPEG or WebP; a remote image tells its host who opened the email)`,
    );
    return undefined;
  }
  return kept;
}

function pickAttributes(
  attributes: Readonly<Record<string, string>>,
  allowed: Readonly<Record<string, RegExp>>,
) {
  return Object.fromEntries(Object.entries(attributes).filter(([name, value]) => allowed[name]?.test(value)));
}

function mediaAttribute(style: RawElement): string {
  const media = style.attributes.media;
  return media && /^[a-z0-9\s():,.-]{1,100}$/i.test(media) ? attributesText({ media }) : '';
}

/**
 * An Outlook conditional comment re-read token by token (its tags are unbalanced on purpose) and
 * written back under the same rules; any other comment goes. undefined when nothing is kept.
 */
function sanitiseConditional(
  text: string,
  slots: ReadonlySet<string>,
  removed: Set<string>,
  stylesheet: CssRule[],
): string | undefined {
  if (REVEALED_START.test(text) || text === REVEALED_END) return `<!--${text}-->`;
  const match = CONDITIONAL.exec(text);
  if (!match) {
    removed.add('HTML comments removed (an email keeps none but the Outlook conditionals MJML writes)');
    return undefined;
  }
  const inner = sanitiseFragment(match[2]!, slots, removed, stylesheet);
  if (inner === undefined) {
    removed.add('an Outlook-only block that could not be read removed');
    return undefined;
  }
  // Our own writing escapes every "<" and ">" of text and values, so none of these can appear;
  // checked anyway, since one would end the comment early in some parser.
  if (inner.trim() === '' || /<!--|-->|--!>/.test(inner)) return undefined;
  return `<!--[if ${match[1]}]>${inner}<![endif]-->`;
}

const FRAGMENT_TOKEN =
  /<(\/?)([a-z][a-z0-9:-]*)((?:\s+[a-z_:][\w:.-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>|([^<]+)/giy;
const FRAGMENT_ATTRIBUTE = /([a-z_:][\w:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/gi;

/**
 * The inside of a conditional comment: tags and text in a strict grammar (anything else, a nested
 * comment or a declaration, makes the whole block unreadable: undefined), each tag written back
 * from the allow-list, <style> contents through the stylesheet rules.
 */
function sanitiseFragment(
  html: string,
  slots: ReadonlySet<string>,
  removed: Set<string>,
  stylesheet: CssRule[],
): string | undefined {
  const out: string[] = [];
  let inStyle = false;
  // Inside an element that is not kept (Office's <noscript><xml> settings), its text goes too.
  let skipped = 0;
  let at = 0;
  FRAGMENT_TOKEN.lastIndex = 0;
  while (at < html.length) {
    FRAGMENT_TOKEN.lastIndex = at;
    const token = FRAGMENT_TOKEN.exec(html);
    if (!token) return undefined;
    at = FRAGMENT_TOKEN.lastIndex;
    const [, closing, rawName, rawAttributes, selfClosing, text] = token;
    if (text !== undefined) {
      if (inStyle) {
        const sheet = sanitiseStylesheet(decodeEntities(text), removed);
        stylesheet.push(...sheet.rules);
        out.push(sheet.css);
      } else if (skipped === 0) out.push(escapeText(decodeEntities(text)));
      continue;
    }
    const name = rawName!.toLowerCase();
    if (name === 'style') {
      inStyle = closing !== '/';
      out.push(closing ? '</style>' : '<style type="text/css">');
      continue;
    }
    if (inStyle) return undefined;
    if (!LAYOUT_ELEMENTS.has(name)) {
      if (!VOID_ELEMENTS.has(name) && !selfClosing) skipped = Math.max(0, skipped + (closing ? -1 : 1));
      continue;
    }
    if (skipped > 0) continue;
    if (closing) {
      if (!VOID_ELEMENTS.has(name)) out.push(`</${name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of rawAttributes!.matchAll(FRAGMENT_ATTRIBUTE)) {
      attributes[attribute[1]!.toLowerCase()] = decodeEntities(
        attribute[2] ?? attribute[3] ?? attribute[4] ?? '',
      );
    }
    const kept = sanitiseAttributes(name, attributes, slots, removed);
    if (kept === undefined) continue;
    const style = attributes.style === undefined ? [] : sanitiseStyleAttribute(attributes.style, removed);
    out.push(`<${name}${attributesText(style.length > 0 ? { ...kept, style: styleText(style) } : kept)}>`);
  }
  return inStyle ? undefined : out.join('');
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** The few entities MJML writes; an unknown one is kept as text (and escaped on output). */
function decodeEntities(text: string): string {
  return text.replace(
    /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]+));/gi,
    (whole, decimal?: string, hex?: string, named?: string) => {
      if (named) return NAMED_ENTITIES[named.toLowerCase()] ?? whole;
      const code = decimal ? Number(decimal) : parseInt(hex!, 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : '';
    },
  );
}

function describeDropped(name: string): string {
  if (name === 'script' || name === 'noscript')
    return `<${name}> removed with its contents (nothing in an email may run)`;
  if (name === 'style') return '<style> in the body removed (styles go in <mj-style>)';
  if (['form', 'button', 'input', 'textarea', 'select', 'option'].includes(name)) {
    return `<${name}> removed with its contents (an email takes no input)`;
  }
  return `<${name}> removed with its contents`;
}

// ---- writing ----

function serialise(nodes: readonly EmailNode[]): string {
  return nodes
    .map((node) => {
      if (node.kind === 'text') return escapeText(node.text);
      if (node.kind === 'conditional') return node.html;
      const start = `<${node.name}${attributesText(node.attributes)}>`;
      return VOID_ELEMENTS.has(node.name) ? start : `${start}${serialise(node.children)}</${node.name}>`;
    })
    .join('');
}

function attributesText(attributes: Readonly<Record<string, string>>): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\u00a0': '&nbsp;',
};

function escapeText(text: string): string {
  return text.replace(/[&<>\u00a0]/g, (char) => TEXT_ESCAPES[char]!);
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"]/g, (char) =>
    char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : '&quot;',
  );
}

function shorten(value: string): string {
  return value.length > 48 ? `${value.slice(0, 48)}…` : value;
}
