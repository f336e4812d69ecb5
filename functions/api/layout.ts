import { html, raw } from 'hono/html';

/**
 * The shell of every public page: system fonts, high-contrast colours, a visible focus ring,
 * responsive from 320 px. No external assets (privacy, and it works offline).
 */
export function layout(title: string, body: unknown, options: { script?: string } = {}) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Immunotherapy Digest</title>
        <style>
          ${raw(STYLES)}
        </style>
      </head>
      <body>
        <header class="site-header">
          <a class="brand" href="/">Immunotherapy Digest</a>
          <span class="tagline">A weekly, topic-by-topic digest of immunotherapy research and news</span>
        </header>
        <main id="main">${body}</main>
        <footer class="site-footer">
          <p>Information, not medical advice. Talk to your care team before changing any treatment.</p>
        </footer>
        ${
          options.script
            ? html`<script>
                ${raw(options.script)};
              </script>`
            : ''
        }
      </body>
    </html>`;
}

const STYLES = `
:root { --ink: #1f2933; --muted: #52606d; --brand: #0b3d6e; --link: #0b5cad; --bg: #f4f6f8; --card: #fff; --ok: #0f6e3f; --err: #a61b1b; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.site-header { background: var(--brand); color: #fff; padding: 16px 20px; }
.site-header .brand { color: #fff; font-weight: 700; font-size: 1.3rem; text-decoration: none; display: block; }
.site-header .tagline { color: #d9e8f6; font-size: .95rem; }
main { max-width: 720px; margin: 24px auto; padding: 0 16px; }
.card { background: var(--card); border-radius: 10px; padding: 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h1 { font-size: 1.6rem; margin: 0 0 8px; color: var(--brand); }
h2 { font-size: 1.15rem; margin: 24px 0 8px; }
fieldset { border: 0; padding: 0; margin: 16px 0; }
legend { font-weight: 700; margin-bottom: 8px; }
label { display: block; }
input[type=email], select { width: 100%; font: inherit; padding: 10px 12px; border: 1px solid #9aa5b1; border-radius: 6px; background: #fff; color: var(--ink); }
.topics { display: grid; grid-template-columns: 1fr; gap: 8px; }
@media (min-width: 640px) { .topics { grid-template-columns: 1fr 1fr; } }
.topic { display: flex; gap: 10px; align-items: flex-start; padding: 10px 12px; border: 1px solid #d9e2ec; border-radius: 8px; background: #fff; }
.topic input { margin-top: 4px; width: 18px; height: 18px; flex: none; }
.topic strong { display: block; }
.topic span { color: var(--muted); font-size: .9rem; }
.when { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@media (max-width: 480px) { .when { grid-template-columns: 1fr; } }
.consent { color: var(--muted); font-size: .92rem; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: 12px 22px; border: 0; border-radius: 8px; background: var(--link); color: #fff; cursor: pointer; text-decoration: none; }
button.secondary { background: #e4e7eb; color: var(--ink); }
button.danger { background: var(--err); }
.notice { padding: 12px 16px; border-radius: 8px; background: #e3f0fb; margin: 0 0 16px; }
.notice.error { background: #fde8e8; color: var(--err); }
.notice.ok { background: #e3f7ec; color: var(--ok); }
.site-footer { max-width: 720px; margin: 0 auto 32px; padding: 0 16px; color: var(--muted); font-size: .85rem; }
`;
