import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CSP_STYLE_HASHES, STYLE_ELEMENT } from '../inline-assets.ts';

/**
 * The shell of the admin pages: the site's stylesheet plus a few admin rules, no script at all
 * (every action is a form), and a Content-Security-Policy of their own that also lets the page
 * frame its email preview from this origin. The preview document has its own, stricter policy.
 */

const ADMIN_STYLES = `
.admin-bar { background: #102a43; }
input[type=text], input[type=password], textarea { display: block; width: 100%; font: inherit; padding: 10px 12px; border: 2px solid #7b8794; border-radius: 8px; background: #fff; color: var(--ink); margin-top: 6px; min-height: 48px; }
textarea { font: 15px/1.5 Menlo, Consolas, "Courier New", monospace; min-height: 320px; resize: vertical; }
input[type=text]:focus, input[type=password]:focus, textarea:focus { border-color: var(--link); }
.choices { display: flex; flex-wrap: wrap; gap: 6px 20px; margin-top: 8px; }
.choices label { display: flex; gap: 8px; align-items: center; font-weight: 400; min-height: 32px; }
.choices input { width: 20px; height: 20px; margin: 0; accent-color: var(--link); }
.audience-topics { display: grid; grid-template-columns: 1fr; gap: 4px 16px; margin-top: 8px; }
@media (min-width: 640px) { .audience-topics { grid-template-columns: 1fr 1fr; } }
.audience-topics label { display: flex; gap: 8px; align-items: center; font-weight: 400; min-height: 32px; }
.audience-topics input { width: 20px; height: 20px; margin: 0; flex: none; accent-color: var(--link); }
.preview-frame { display: block; width: 100%; height: 760px; border: 1px solid var(--line); border-radius: 8px; background: #eef2f6; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; padding: 0; list-style: none; }
.figures li { background: #f4f6f8; border-radius: 8px; padding: 10px 14px; min-width: 120px; }
.figures strong { display: block; font-size: 1.5rem; line-height: 1.2; color: var(--brand); font-variant-numeric: tabular-nums; }
table.data { width: 100%; border-collapse: collapse; font-size: .95rem; }
table.data caption { caption-side: bottom; text-align: left; padding-top: 8px; }
table.data th, table.data td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
table.data td.number, table.data th.number { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
.pill { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: .85rem; font-weight: 600; background: #e3f0fb; color: var(--brand); }
.pill.sent { background: #e6f6ed; color: #0b5132; }
.pill.draft { background: #f4f6f8; color: var(--muted); }
.pill.sending, .pill.queued { background: #fff4d6; color: #5c4200; }
.warning { background: #fff4d6; color: #5c4200; border-left-color: #a36b00; }
.confirm-box { border: 3px solid var(--err); border-radius: 10px; padding: 16px 18px; margin: 20px 0; }
select { font: inherit; padding: 8px 10px; border: 2px solid #7b8794; border-radius: 8px; background: #fff; color: var(--ink); min-height: 44px; margin-top: 6px; display: block; max-width: 100%; }
.desk-filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: flex-end; }
.desk-filters label { flex: 1 1 140px; }
.desk-actions form { margin: 0 0 8px; }
.note-body { min-height: 140px; }
ul.plain { list-style: none; margin: 0; padding: 0; }
@media (max-width: 640px) { table.desk thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); } table.desk tr, table.desk td { display: block; } table.desk td { border-bottom: 0; padding: 6px 0; } table.desk tr { border-bottom: 1px solid #e4e7eb; padding: 8px 0; } }
.pill.failing { background: #fdecec; color: #7f1414; }
.pill.silent { background: #fff4d6; color: #5c4200; }
.pill.ok { background: #e6f6ed; color: #0b5132; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
svg.chart { display: block; margin: 8px 0 16px; max-width: 100%; height: auto; }
svg.gauge { display: block; max-width: 240px; height: auto; margin-top: 4px; }
.sign-out { display: inline; }
.sign-out button { background: none; border: 0; padding: 4px 0; min-height: 0; color: #e3eef9; font-weight: 400; font-size: .95rem; text-decoration: underline; }
.sign-out button:hover { background: none; color: #fff; }
`;

const ADMIN_STYLE_ELEMENT = `<style>${ADMIN_STYLES}</style>`;
const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${[...CSP_STYLE_HASHES, cspHash(ADMIN_STYLES)].join(' ')}`,
  "img-src 'self' data:",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * An email preview may style itself inline (emails do) but run nothing, load nothing from
 * elsewhere and be framed by our own pages only; `sandbox` makes it an opaque origin as well.
 */
const PREVIEW_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox',
].join('; ');

export interface AdminLayoutOptions {
  /** A CSRF token when the admin signed in with the page's session (to sign out, here or everywhere). */
  readonly signOutCsrf?: string;
  readonly current?:
    'dashboard' | 'compose' | 'sends' | 'dead-letters' | 'readers' | 'subscribers' | 'articles';
  /** Seconds after which the page reloads itself (a send in progress). */
  readonly refreshSeconds?: number;
}

export function adminPage(
  c: Context,
  title: string,
  body: unknown,
  options: AdminLayoutOptions = {},
  status: ContentfulStatusCode = 200,
) {
  c.header('Content-Security-Policy', ADMIN_PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  c.header('X-Robots-Tag', 'noindex, nofollow');
  const current = (section: AdminLayoutOptions['current']) =>
    options.current === section ? raw(' aria-current="page"') : '';
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <meta name="robots" content="noindex, nofollow" />
          ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ''}
          <title>${title} · Admin · Immunotherapy Digest</title>
          ${raw(STYLE_ELEMENT)} ${raw(ADMIN_STYLE_ELEMENT)}
        </head>
        <body>
          <a class="skip-link" href="#main">Skip to content</a>
          <header class="site-header admin-bar">
            <div class="bar">
              <a class="brand" href="/admin"><span>Immunotherapy Digest · Admin</span></a>
              <nav aria-label="Admin">
                <a href="/admin" ${current('dashboard')}>Dashboard</a>
                <a href="/admin/articles" ${current('articles')}>This week's articles</a>
                <a href="/admin/compose" ${current('compose')}>Compose</a>
                <a href="/admin/sends" ${current('sends')}>Past sends</a>
                <a href="/admin/readers" ${current('readers')}>Find a reader</a>
                <a href="/admin/subscribers" ${current('subscribers')}>Readers in and out</a>
                <a href="/admin/dead-letters" ${current('dead-letters')}>Dead letters</a>
                <a href="/">Public site</a>
                ${
                  options.signOutCsrf
                    ? html`<form class="sign-out" method="post" action="/admin/sign-out">
                          <input type="hidden" name="csrf" value="${options.signOutCsrf}" />
                          <button type="submit">Sign out</button>
                        </form>
                        <form class="sign-out" method="post" action="/admin/sessions/revoke">
                          <input type="hidden" name="csrf" value="${options.signOutCsrf}" />
                          <button type="submit">Sign out everywhere</button>
                        </form>`
                    : ''
                }
              </nav>
            </div>
          </header>
          <main id="main" tabindex="-1">${body}</main>
        </body>
      </html>`,
    status,
  );
}

/** The rendered email alone, for the preview frame. */
export function previewDocument(c: Context, emailHtml: string) {
  c.header('Content-Security-Policy', PREVIEW_CSP);
  c.header('X-Frame-Options', 'SAMEORIGIN');
  c.header('Cache-Control', 'no-store');
  return c.html(emailHtml);
}

/**
 * The email preview, framed: sandboxed (no script, an opaque origin) and without a referrer; the
 * preview document brings its own, stricter policy (previewDocument).
 */
export function previewFrame(previewId: string) {
  return html`<iframe
    class="preview-frame"
    title="The email as a reader gets it"
    src="/admin/previews/${previewId}"
    sandbox=""
    referrerpolicy="no-referrer"
  ></iframe>`;
}
