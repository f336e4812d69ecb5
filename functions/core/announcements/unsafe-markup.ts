import { Parser } from 'htmlparser2';

/**
 * What an admin's own MJML must not put in front of readers, found in the rendered HTML: anything
 * that runs (scripts, event handlers, javascript: links), takes input (forms), embeds another
 * document, or loads something from elsewhere when the email is opened (remote images, fonts,
 * stylesheets, CSS url()s): the digest loads nothing, so neither does an announcement. It is a
 * check, not a sanitiser: a designed document is refused with the reasons rather than silently
 * changed into something its author never saw.
 */

const FORBIDDEN_ELEMENTS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'base',
  'svg',
  'math',
  'video',
  'audio',
  'portal',
]);

/** The only link schemes an email of ours carries. */
export const LINK_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];
/** Attributes that load a resource when the email is opened. */
const LOADING_ATTRIBUTES = new Set(['src', 'srcset', 'background', 'poster', 'data', 'lowsrc', 'dynsrc']);

/**
 * @param allowedValues values that may appear as link targets though they are not URLs yet
 *   (the personal-link slots, filled per reader).
 * @returns one readable problem per distinct finding; empty when the HTML is fine.
 */
export function unsafeMarkupIn(html: string, allowedValues: readonly string[] = []): string[] {
  const problems = new Set<string>();
  const allowed = new Set(allowedValues);
  let inStyle = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (FORBIDDEN_ELEMENTS.has(name)) problems.add(`<${name}> is not allowed in an announcement`);
        if (name === 'style') inStyle = true;
        if (name === 'meta' && /refresh/i.test(attributes['http-equiv'] ?? '')) {
          problems.add('a <meta http-equiv="refresh"> is not allowed');
        }
        if (name === 'link' && attributes.href !== undefined && !attributes.href.startsWith('data:')) {
          problems.add(
            `<link href="${shorten(attributes.href)}"> loads a file from elsewhere (no web fonts or remote stylesheets)`,
          );
        }
        for (const [attribute, value] of Object.entries(attributes)) {
          const lower = attribute.toLowerCase();
          if (lower.startsWith('on')) problems.add(`the ${lower} attribute (a script) is not allowed`);
          else if (lower === 'href' && !allowed.has(value) && !isAllowedLink(value)) {
            problems.add(`a link to "${shorten(value)}": only http, https and mailto links are allowed`);
          } else if (LOADING_ATTRIBUTES.has(lower) && !value.trim().startsWith('data:')) {
            problems.add(
              `<${name} ${lower}="${shorten(value)}"> loads from elsewhere when opened (no remote images: they tell their host who read the email)`,
            );
          } else if (lower === 'style' && hasRemoteUrl(value)) {
            problems.add(`a style on <${name}> loads a url() from elsewhere`);
          }
        }
      },
      ontext(text) {
        if (inStyle && hasRemoteUrl(text)) problems.add('the stylesheet loads a url() from elsewhere');
      },
      onclosetag(name) {
        if (name === 'style') inStyle = false;
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return [...problems];
}

/** True for a link a reader may be sent to: http, https or mailto (an in-page anchor too, here). */
function isAllowedLink(href: string): boolean {
  const trimmed = href.trim();
  return trimmed === '' || trimmed.startsWith('#') || isMailableLink(trimmed);
}

/** True when a link's scheme is http, https or mailto, the only links an email of ours carries. */
export function isMailableLink(href: string): boolean {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  const compact = href.replace(/[\p{Cc}\s]/gu, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)?.[1]?.toLowerCase();
  return scheme !== undefined && LINK_SCHEMES.includes(scheme);
}

/** A CSS url(…) or @import that is not inline data. */
function hasRemoteUrl(css: string): boolean {
  return /@import|url\(\s*['"]?(?!data:)/i.test(css);
}

function shorten(value: string): string {
  return value.length > 48 ? `${value.slice(0, 48)}…` : value;
}
