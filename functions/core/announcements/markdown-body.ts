import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { isMailableLink, LINK_SCHEMES } from './mail-links.ts';

/**
 * An admin's Markdown body → HTML fit for an email. marked renders it (GitHub-flavoured: tables,
 * strikethrough, autolinks); sanitize-html then keeps only the elements an announcement needs
 * and links to http, https and mailto. An admin is trusted more than a feed, but a pasted
 * <script>, an event handler or a javascript: link must still never reach a reader, and a remote
 * image would tell a third party who opened the email; so they are dropped, and each drop is
 * reported back so the admin sees it in the dry run.
 *
 * Styles are written inline by the sanitiser itself (clients that ignore <style> still show
 * them), and any style the body brought is replaced by ours.
 */

const STYLES: Readonly<Record<string, string>> = {
  h1: 'margin:20px 0 8px;font-size:22px;line-height:1.3;font-weight:700;color:#0b3d6e;',
  h2: 'margin:20px 0 8px;font-size:19px;line-height:1.3;font-weight:700;color:#0b3d6e;',
  h3: 'margin:16px 0 6px;font-size:17px;line-height:1.35;font-weight:700;color:#1f2933;',
  h4: 'margin:14px 0 6px;font-size:16px;line-height:1.4;font-weight:700;color:#1f2933;',
  p: 'margin:0 0 14px;',
  ul: 'margin:0 0 14px;padding:0 0 0 22px;',
  ol: 'margin:0 0 14px;padding:0 0 0 22px;',
  li: 'margin:0 0 6px;',
  a: 'color:#0b5cad;text-decoration:underline;',
  blockquote: 'margin:0 0 14px;padding:4px 0 4px 14px;border-left:4px solid #cbd2d9;color:#3e4c59;',
  pre: 'margin:0 0 14px;padding:10px 12px;background-color:#f4f6f8;border-radius:6px;font-size:14px;line-height:1.45;white-space:pre-wrap;',
  code: "font-family:Menlo,Consolas,'Courier New',monospace;font-size:14px;",
  hr: 'margin:20px 0;border:0;border-top:1px solid #e4e7eb;',
  table: 'margin:0 0 14px;border-collapse:collapse;',
  th: 'padding:6px 10px;border:1px solid #cbd2d9;background-color:#f4f6f8;text-align:left;',
  td: 'padding:6px 10px;border:1px solid #cbd2d9;',
};

const ALLOWED_TAGS = [
  ...Object.keys(STYLES),
  'br',
  'strong',
  'b',
  'em',
  'i',
  'del',
  's',
  'thead',
  'tbody',
  'tr',
];

export interface EmailBodyHtml {
  readonly html: string;
  /** What was taken out, in the admin's words: "<script> removed", "a link to javascript:… removed". */
  readonly removed: readonly string[];
}

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** Renders and sanitises a Markdown body; never throws on odd input, it only drops. */
export function markdownToEmailHtml(markdown: string): EmailBodyHtml {
  const rendered = marked.parse(markdown, { async: false });
  const removed = new Set<string>();
  const html = sanitizeHtml(rendered, {
    allowedTags: ALLOWED_TAGS,
    // Only the attributes we set ourselves (and href and title on links) survive.
    allowedAttributes: {
      ...Object.fromEntries(Object.keys(STYLES).map((tag) => [tag, ['style']])),
      a: ['href', 'title', 'style'],
      th: ['style', 'align'],
      td: ['style', 'align'],
    },
    allowedSchemes: [...LINK_SCHEMES],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    onOpenTag(name, attributes) {
      if (!ALLOWED_TAGS.includes(name)) removed.add(describeRemovedTag(name));
      for (const attribute of Object.keys(attributes)) {
        if (/^on/i.test(attribute)) removed.add(`the ${attribute} attribute of <${name}> removed`);
      }
    },
    transformTags: {
      ...Object.fromEntries(
        Object.entries(STYLES).map(([tag, style]) => [
          tag,
          (tagName: string, attributes: sanitizeHtml.Attributes) => ({
            tagName,
            attribs: { ...withoutStyle(attributes), style },
          }),
        ]),
      ),
      // A link whose target is not http(s) or mailto keeps its text and loses the link.
      a: (_tagName: string, attributes: sanitizeHtml.Attributes) => {
        const href = (attributes.href ?? '').trim();
        if (!isMailableLink(href)) {
          if (href !== '')
            removed.add(`a link to ${shorten(href)} removed (only http, https and mailto links)`);
          return { tagName: 'span', attribs: {} };
        }
        return {
          tagName: 'a',
          attribs: {
            href,
            ...(attributes.title ? { title: attributes.title } : {}),
            style: STYLES.a!,
          },
        };
      },
    },
  });
  return { html: html.trim(), removed: [...removed] };
}

function withoutStyle(attributes: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  const { style: _ignored, ...rest } = attributes;
  return rest;
}

function describeRemovedTag(name: string): string {
  if (name === 'img' || name === 'picture')
    return `<${name}> removed (no images: a remote image tells its host who opened the email)`;
  return `<${name}> removed`;
}

function shorten(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
