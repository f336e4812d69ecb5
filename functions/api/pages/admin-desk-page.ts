import { html, raw } from 'hono/html';
import type { Article } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import {
  ARTICLE_STATES,
  type WeekArticles,
  type WeekArticlesQuery,
} from '../../core/editorial/week-articles.ts';
import { badgesOf } from '../../core/rendering/digest-view.ts';
import { EDITORS_PICK_LABEL } from '../../core/editorial/editorial-marks.ts';
import type { EditorNote } from '../../ports/editorial-store.ts';
import type { NoteView } from '../../core/editorial/note-view.ts';
import { previewFrame } from './admin-layout.ts';

type Labels = Readonly<Record<string, string>>;

/**
 * "This week's articles": the editors' desk. A filter form, the week's articles as a table with
 * a hide, pin and retag form on each, the week's note with its editor, and a digest preview for
 * chosen topics. No script: every action is a form (with the session's CSRF token).
 */
export interface DeskPageInput {
  readonly listing: WeekArticles;
  readonly query: WeekArticlesQuery;
  readonly note: { readonly note: EditorNote; readonly view: NoteView } | undefined;
  readonly csrf: string;
  readonly labels: Labels;
  /** The address of this page with its filters: where each form comes back to. */
  readonly back: string;
  /** "hidden", "pinned", …: what the last form did, said once at the top. */
  readonly done?: string;
}

const dateOf = (iso: string) => iso.slice(0, 10);

export function deskPage(input: DeskPageInput) {
  const { listing, query, labels, csrf, back } = input;
  return html`<div class="card">
      <h1>This week's articles</h1>
      ${input.done ? html`<p class="notice-line" role="status">${input.done}</p>` : ''}
      <p class="lede">
        ${listing.weekId}: ${listing.total} article${listing.total === 1 ? '' : 's'} first seen that week,
        newest first. Hidden ones go to no reader and leave the archive; a pinned one leads its sections as an
        ${EDITORS_PICK_LABEL}.
      </p>
      <form method="get" action="/admin/articles" class="desk-filters" aria-label="Filter the articles">
        <label
          >Week <input type="text" name="week" value="${listing.weekId}" pattern="\\d{4}-W\\d{2}"
        /></label>
        <label
          >Topic
          <select name="topic">
            <option value="">Every topic</option>
            ${TOPIC_IDS.map(
              (topic) =>
                html`<option value="${topic}" ${query.topic === topic ? raw('selected') : ''}>
                  ${labels[topic]}
                </option>`,
            )}
          </select></label
        >
        <label
          >State
          <select name="state">
            <option value="">Any state</option>
            ${ARTICLE_STATES.map(
              (state) =>
                html`<option value="${state}" ${query.state === state ? raw('selected') : ''}>
                  ${state}
                </option>`,
            )}
          </select></label
        >
        <label
          >Relevance
          <select name="relevant">
            <option value="">Any</option>
            <option value="true" ${query.relevant === true ? raw('selected') : ''}>relevant</option>
            <option value="false" ${query.relevant === false ? raw('selected') : ''}>not relevant</option>
          </select></label
        >
        <label>Source id <input type="text" name="source" value="${query.source ?? ''}" /></label>
        <button type="submit">Filter</button>
      </form>
    </div>
    <div class="card">
      <h2>Articles</h2>
      ${
        listing.articles.length === 0
          ? html`<p>No article matches.</p>`
          : html`<div class="table-wrap">
              <table class="data desk">
                <caption>
                  Page ${listing.page} of ${listing.pages}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Article</th>
                    <th scope="col">Topics</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  ${listing.articles.map((article) => articleRow(article, labels, csrf, back))}
                </tbody>
              </table>
            </div>`
      }
      ${pager(listing, back)}
    </div>
    ${noteCard(input)}`;
}

function articleRow(article: Article, labels: Labels, csrf: string, back: string) {
  const hidden = article.editorial?.hidden;
  const pinned = article.editorial?.pinned;
  const retagged = article.editorial?.retagged;
  const action = (verb: string) => `/admin/articles/${encodeURIComponent(article.id)}/${verb}`;
  const hidden_ = (name: string, value: string) =>
    html`<input type="hidden" name="${name}" value="${value}" />`;
  return html`<tr id="article-${article.id}">
    <td>
      <strong><a href="${article.url}" rel="noopener noreferrer">${article.title}</a></strong>
      <p class="meta">
        ${article.sources.map((source) => source.sourceName).join(', ')} · published
        ${dateOf(article.publishedAt)} · first seen ${dateOf(article.firstSeenAt)} ·
        ${readersLine(article.digestReaders ?? 0)} · id
        <code>${article.id}</code>
      </p>
      <p>
        ${pinned ? html`<span class="badge badge-pick">${EDITORS_PICK_LABEL}</span>` : ''}
        ${hidden ? html`<span class="pill draft">Hidden by ${hidden.by}${hidden.reason ? `: ${hidden.reason}` : ''}</span>` : ''}
        ${article.relevant ? '' : html`<span class="pill draft">Not relevant</span>`}
        ${badgesOf(article.studyTypes).map((badge) => html`<span class="badge badge-${badge.type}">${badge.label}</span>`)}
      </p>
    </td>
    <td>
      <ul class="plain">
        ${Object.entries(article.topics).map(
          ([topic, score]) => html`<li>${labels[topic] ?? topic} <span class="muted">(${score})</span></li>`,
        )}
      </ul>
      ${retagged ? html`<p class="muted">Tagged by an editor (${retagged.by})</p>` : ''}
    </td>
    <td class="desk-actions">
      <form method="post" action="${action(hidden ? 'unhide' : 'hide')}">
        ${hidden_('csrf', csrf)} ${hidden_('back', back)}
        ${hidden ? '' : html`<label>Reason <input type="text" name="reason" maxlength="500" /></label>`}
        <button type="submit" aria-label="${hidden ? 'Unhide' : 'Hide'}: ${article.title}">
          ${hidden ? 'Unhide' : 'Hide'}
        </button>
      </form>
      <form method="post" action="${action(pinned ? 'unpin' : 'pin')}">
        ${hidden_('csrf', csrf)} ${hidden_('back', back)}
        <button type="submit" aria-label="${pinned ? 'Unpin' : 'Pin'}: ${article.title}">
          ${pinned ? 'Unpin' : 'Pin'}
        </button>
      </form>
      <details>
        <summary>Retag</summary>
        <form method="post" action="${action('topics')}">
          ${hidden_('csrf', csrf)} ${hidden_('back', back)}
          <fieldset>
            <legend>Topics of “${article.title}”</legend>
            ${topicTicks(labels, (topic) => (article.topics[topic] ?? 0) > 0)}
          </fieldset>
          <label
            ><input type="checkbox" name="relevant" value="true" ${article.relevant ? raw('checked') : ''} />
            Relevant to readers</label
          >
          <button type="submit">Save topics</button>
        </form>
      </details>
    </td>
  </tr>`;
}

/** "in 3 readers' digests so far": emails sent, counted by the sender. */
function readersLine(readers: number): string {
  return `in ${readers} reader${readers === 1 ? "'s digest" : "s' digests"} so far`;
}

function pager(listing: WeekArticles, back: string) {
  if (listing.pages <= 1) return '';
  const pageUrl = (page: number) => {
    const url = new URL(back, 'http://desk.invalid');
    url.searchParams.set('page', String(page));
    return `${url.pathname}${url.search}`;
  };
  return html`<nav aria-label="Pages" class="pager">
    ${listing.page > 1 ? html`<a href="${pageUrl(listing.page - 1)}">Newer</a>` : ''}
    ${listing.page < listing.pages ? html`<a href="${pageUrl(listing.page + 1)}">Older</a>` : ''}
  </nav>`;
}

function noteCard(input: DeskPageInput) {
  const { listing, labels, csrf, note } = input;
  const week = encodeURIComponent(listing.weekId);
  return html`<div class="card">
    <h2>Editor's note for ${listing.weekId}</h2>
    <p>
      Optional, in Markdown: it stands at the top of every digest of ${listing.weekId} and of its archive
      edition (not the next week's). Scripts, images and odd links are removed, as in announcements.
    </p>
    ${
      note
        ? html`<p class="muted">Last set by ${note.note.by} at ${note.note.at}.</p>
            ${note.view.removed.length > 0 ? html`<p class="warning">${note.view.removed.join('; ')}</p>` : ''}`
        : ''
    }
    <form method="post" action="/admin/notes/${week}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <input type="hidden" name="back" value="${input.back}" />
      <label for="note-body">Note (empty to remove it)</label>
      <textarea id="note-body" name="body" maxlength="2000" class="note-body">
${note?.note.body ?? ''}</textarea>
      <button type="submit">Save the note</button>
    </form>
    <h3>Preview a digest of ${listing.weekId}</h3>
    <form method="get" action="/admin/notes/${week}/preview">
      <fieldset>
        <legend>A reader of these topics</legend>
        ${topicTicks(labels, (topic) => input.query.topic === topic)}
      </fieldset>
      <button type="submit">Preview the digest</button>
    </form>
  </div>`;
}

/** The digest preview for chosen topics: the week's note, its pins, without its hidden articles. */
export function deskPreviewPage(input: {
  weekId: string;
  topics: readonly TopicId[];
  labels: Labels;
  previewId: string;
}) {
  return html`<div class="card">
    <p class="muted">
      <a href="/admin/articles?week=${encodeURIComponent(input.weekId)}">Back to the week's articles</a>
    </p>
    <h1>Digest preview, ${input.weekId}</h1>
    <p>
      As a reader of ${input.topics.map((topic) => input.labels[topic]).join(', ')} would get it now: the
      week's note, its editor's picks first, hidden articles left out. Links in it lead to no subscription.
    </p>
    ${previewFrame(input.previewId)}
  </div>`;
}

/** Every topic as a `topics` checkbox (the retag form, the preview's reader), ticked where asked. */
function topicTicks(labels: Labels, ticked: (topic: TopicId) => boolean) {
  return html`<div class="audience-topics">
    ${TOPIC_IDS.map(
      (topic) =>
        html`<label
          ><input type="checkbox" name="topics" value="${topic}" ${ticked(topic) ? raw('checked') : ''} />
          ${labels[topic]}</label
        >`,
    )}
  </div>`;
}
