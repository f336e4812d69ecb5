import { createHash } from 'node:crypto';
import { convert } from 'html-to-text';
import { markdownToEmailHtml } from '../announcements/markdown-body.ts';

/** A note as the digest and the archive show it. */
export interface NoteView {
  /** A hash of the HTML: the key of its rendered piece in a digest. */
  readonly key: string;
  readonly html: string;
  readonly text: string;
  /** What the sanitiser removed ("<script> removed"): the desk shows it before anyone gets it. */
  readonly removed: readonly string[];
}

/** Renders a note's Markdown as a digest shows it. */
export function noteView(body: string): NoteView {
  const { html, removed } = markdownToEmailHtml(body);
  const text = convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'table', format: 'dataTable' },
    ],
  })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const key = createHash('sha256').update(html).digest('base64url').slice(0, 22);
  return { key, html, text, removed };
}

/** "weekly-2026-W49" (a digest id) → "2026-W49"; undefined for an id that names no week. */
export function weekOfDigest(digestId: string): string | undefined {
  const match = /(\d{4}-W\d{2})$/.exec(digestId);
  return match ? match[1] : undefined;
}
