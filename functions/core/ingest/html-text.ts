import sanitizeHtml from 'sanitize-html';
import { decodeHTML } from 'entities';

/**
 * Feed HTML is hostile. Everything that leaves ingest is plain text: no tag, no attribute, no
 * script body, no URL scheme survives, so nothing from a feed can run in a page or an email.
 * Templates escape that text again on output.
 */
export function htmlToText(html: string): string {
  const stripped = sanitizeHtml(html, {
    allowedTags: [],
    allowedAttributes: {},
    // Contents of these are code or chrome, never prose.
    nonTextTags: [
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
    ],
  });
  // sanitize-html returns HTML-escaped text; decode it back once so "&amp;" reads "&".
  return collapseWhitespace(decodeHTML(stripped));
}

export function collapseWhitespace(text: string): string {
  // Drop C0/C1 control characters (other than whitespace) that some feeds leak into titles.
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Cuts plain text at a word boundary and adds an ellipsis when it had to cut. */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxLength * 0.6 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
