import { html, raw } from 'hono/html';
import { STYLE_ELEMENT, scriptElement, type PageScript } from './inline-assets.ts';

/**
 * The shell of every public page: system fonts, WCAG AA contrast, a visible focus ring, a skip
 * link, responsive from 320 px. No external assets (privacy, and it works offline); the inline
 * stylesheet and scripts are allowed by their hashes in the CSP (see inline-assets.ts).
 */
export interface LayoutOptions {
  /** One of the site's small inline scripts; every page works without it. */
  readonly script?: PageScript;
  /** Extra `<head>` content, e.g. an RSS link or a robots rule. */
  readonly head?: unknown;
  /** Marks the current section in the navigation. */
  readonly section?: 'subscribe' | 'archive' | 'manage';
}

export function layout(title: string, body: unknown, options: LayoutOptions) {
  const current = (section: LayoutOptions['section']) =>
    options.section === section ? raw(' aria-current="page"') : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta
          name="description"
          content="A calm weekly email with new immunotherapy research and news on the topics you choose."
        />
        <title>${title} · Immunotherapy Digest</title>
        <link rel="icon" href="${FAVICON}" />
        <link
          rel="alternate"
          type="application/rss+xml"
          title="Immunotherapy Digest weekly editions"
          href="/archive/feed.xml"
        />
        ${options.head ?? ''} ${raw(STYLE_ELEMENT)}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="bar">
            <a class="brand" href="/">
              ${raw(LOGO)}
              <span>Immunotherapy Digest</span>
            </a>
            <nav aria-label="Site">
              <a href="/" ${current('subscribe')}>Subscribe</a>
              <a href="/archive" ${current('archive')}>Past editions</a>
              <a href="/manage" ${current('manage')}>Manage subscription</a>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1">${body}</main>
        <footer class="site-footer">
          <p>Information, not medical advice. Talk to your care team before changing any treatment.</p>
          <p>
            <a href="/archive">Past editions</a> · <a href="/archive/feed.xml">RSS feed</a> ·
            <a href="/manage">Manage or leave your subscription</a>
          </p>
        </footer>
        ${options.script ? raw(scriptElement(options.script)) : ''}
      </body>
    </html>`;
}

const LOGO = `<svg class="logo" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false"><circle cx="16" cy="16" r="15" fill="#ffffff"/><path d="M16 6v20M9 10l14 12M23 10L9 22" stroke="#0b3d6e" stroke-width="3" stroke-linecap="round"/><circle cx="16" cy="16" r="4" fill="#f0a500"/></svg>`;

const FAVICON = `data:image/svg+xml,${encodeURIComponent(LOGO.replace(' class="logo"', '').replace(/ aria-hidden="true" focusable="false"/, ''))}`;
