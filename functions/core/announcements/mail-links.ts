/** The only link schemes an email of ours carries: the Markdown and MJML sanitisers share them. */
export const LINK_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];

/** True when a link's scheme is http, https or mailto, the only links an email of ours carries. */
export function isMailableLink(href: string): boolean {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  const compact = href.replace(/[\p{Cc}\s]/gu, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)?.[1]?.toLowerCase();
  return scheme !== undefined && LINK_SCHEMES.includes(scheme);
}
