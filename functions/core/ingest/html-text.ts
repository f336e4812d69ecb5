import { Parser } from 'htmlparser2';

/**
 * Feed HTML is hostile. Everything that leaves ingest is plain text: no tag, no attribute, no
 * script body, no URL scheme survives, so nothing from a feed can run in a page or an email.
 * Templates escape that text again on output.
 *
 * The text is read with htmlparser2 (the tokenizer sanitize-html is built on) keeping only text
 * nodes outside code and chrome, entities decoded: what sanitize-html with no tag allowed gives,
 * at a sixth of the CPU, since it never builds the escaped HTML that the text was then decoded
 * from. It runs on every summary of every feed.
 */

// Contents of these are code or chrome, never prose.
const NON_TEXT_TAGS = new Set([
  'script',
  'style',
  'textarea',
  'option',
  'noscript',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'head',
  'title',
  'template',
]);

// Block boundaries separate words ("<p>Results.</p><p>Methods</p>"); inline tags do not.
const BLOCK_TAGS = new Set(
  'p div br hr h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr td th table blockquote section article header footer figure figcaption pre'.split(
    ' ',
  ),
);

/**
 * Feeds that escape their HTML twice (`&amp;lt;b&amp;gt;`, `&amp;#176;`) leave markup or
 * character references in the text after one pass; a second pass, at most, finishes the job.
 */
const LEFTOVER_MARKUP = /<[a-z!/?]|&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i;
const MAX_PASSES = 3;

/** Longer HTML than this is cut before reading: the summary keeps a few hundred characters anyway. */
const MAX_HTML_LENGTH = 64 * 1024;

/**
 * Turns feed HTML (or text that may hold entities) into one line of plain text.
 *
 * @example htmlToText('<p>PD-1 &amp; CTLA-4<script>alert(1)</script></p>') // 'PD-1 & CTLA-4'
 */
export function htmlToText(html: string): string {
  let text = html.length > MAX_HTML_LENGTH ? html.slice(0, MAX_HTML_LENGTH) : html;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    text = textOf(text);
    if (!LEFTOVER_MARKUP.test(text)) break;
  }
  return collapseWhitespace(text);
}

/** The decoded text nodes of an HTML fragment, without code or chrome, blocks spaced apart. */
function textOf(html: string): string {
  let text = '';
  // Depth inside non-text elements (an <svg> holds other tags): their text is dropped.
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (NON_TEXT_TAGS.has(name)) hidden += 1;
        else if (BLOCK_TAGS.has(name)) text += ' ';
      },
      onclosetag(name) {
        if (NON_TEXT_TAGS.has(name)) hidden = Math.max(0, hidden - 1);
        else if (BLOCK_TAGS.has(name)) text += ' ';
      },
      ontext(chunk) {
        if (hidden === 0) text += chunk;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return text;
}

// C1 control characters are almost always Windows-1252 bytes that went through a Latin-1
// decoder somewhere upstream (U+0092 meant ’). Map them back instead of dropping them.
const WINDOWS_1252_C1: Record<number, string> = {
  0x80: '€',
  0x82: '‚',
  0x83: 'ƒ',
  0x84: '„',
  0x85: '…',
  0x86: '†',
  0x87: '‡',
  0x88: 'ˆ',
  0x89: '‰',
  0x8a: 'Š',
  0x8b: '‹',
  0x8c: 'Œ',
  0x8e: 'Ž',
  0x91: '‘',
  0x92: '’',
  0x93: '“',
  0x94: '”',
  0x95: '•',
  0x96: '–',
  0x97: '—',
  0x98: '˜',
  0x99: '™',
  0x9a: 'š',
  0x9b: '›',
  0x9c: 'œ',
  0x9e: 'ž',
  0x9f: 'Ÿ',
};

/**
 * One line of clean text: C0 controls dropped, C1 controls read as Windows-1252, bidirectional
 * overrides and zero-width characters removed (they can make a title read differently from what
 * it says), whitespace collapsed.
 */
export function collapseWhitespace(text: string): string {
  // Most text has none of these: test once instead of running three replacements on every field.
  const cleaned = UNWANTED_CHARACTERS.test(text)
    ? text
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
        .replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_C1[char.charCodeAt(0)] ?? '')
        .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
    : text;
  return cleaned.replace(/\s+/g, ' ').trim();
}

const UNWANTED_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** Cuts plain text at a word boundary and adds an ellipsis when it had to cut. */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxLength * 0.6 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
