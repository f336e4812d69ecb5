import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { LINK_SCHEMES } from '../announcements/mail-links.ts';

/**
 * The Markdown body of one of the site's own articles (content/articles/*.md) as the HTML of its
 * page: marked renders it (GitHub-flavoured), sanitize-html keeps the elements of prose and links
 * to http, https and mailto, the same pair the announcements use. The page's stylesheet styles it:
 * no style attribute survives (the Content-Security-Policy would refuse it), no image (it would
 * load from elsewhere), nothing that runs.
 */

const ALLOWED_TAGS = [
  'h2',
  'h3',
  'h4',
  'p',
  'ul',
  'ol',
  'li',
  'a',
  'strong',
  'b',
  'em',
  'i',
  'del',
  's',
  'br',
  'hr',
  'blockquote',
  'pre',
  'code',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

const marked = new Marked({ gfm: true, breaks: false, async: false });

/**
 * Renders an article's Markdown for its page. A first heading that repeats the title is dropped
 * (the page shows the title from the front matter), and headings start at h2 below it.
 *
 * @example articleBodyHtml('# Title\n\nText with a [link](https://example.org).', 'Title')
 * // '<p>Text with a <a href="https://example.org" rel="noopener noreferrer">link</a>.</p>'
 */
export function articleBodyHtml(markdown: string, title: string): string {
  const body = markdown.replace(/^\s*#\s+(.+?)\s*#*\s*(?:\n|$)/, (line, heading: string) =>
    heading.trim() === title.trim() ? '' : line,
  );
  const rendered = marked.parse(body, { async: false });
  return sanitizeHtml(rendered, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ['href', 'title', 'rel'], th: ['align'], td: ['align'] },
    allowedSchemes: [...LINK_SCHEMES],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      // The page's own h1 is the title: the article's headings sit below it.
      h1: 'h2',
      h5: 'h4',
      h6: 'h4',
      a: (tagName, attributes) => ({
        tagName,
        attribs: {
          ...(attributes.href ? { href: attributes.href } : {}),
          ...(attributes.title ? { title: attributes.title } : {}),
          rel: 'noopener noreferrer',
        },
      }),
    },
  }).trim();
}
