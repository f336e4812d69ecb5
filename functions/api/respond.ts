import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { layout, type LayoutOptions } from './layout.ts';
import { wantsJson } from './input.ts';

export type PageOptions = LayoutOptions;

/** Renders a page in the site layout. */
export function renderPage(
  c: Context,
  title: string,
  body: unknown,
  options: PageOptions = {},
  status: ContentfulStatusCode = 200,
) {
  return c.html(layout(title, body, options), status);
}

export interface Message {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly message: string;
  /** The JSON body for API clients; `message` is added to it. */
  readonly json: Record<string, unknown>;
  /** More of the page below the message (links, a form). */
  readonly more?: unknown;
  readonly section?: LayoutOptions['section'];
}

/** One answer, two shapes: JSON for API clients, a short page for browsers. */
export function respondWith(c: Context, answer: Message) {
  if (wantsJson(c)) return c.json({ ...answer.json, message: answer.message }, answer.status);
  const kind = answer.status >= 400 ? 'error' : 'ok';
  return renderPage(
    c,
    answer.title,
    html`<div class="narrow">
      <div class="card">
        <h1>${answer.title}</h1>
        <div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${answer.message}</div>
        ${answer.more ?? html`<p><a href="/">Go to the subscribe page</a></p>`}
      </div>
    </div>`,
    answer.section ? { section: answer.section } : {},
    answer.status,
  );
}
