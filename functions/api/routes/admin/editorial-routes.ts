import type { Context } from 'hono';
import { editorialDependencies } from '../../../app/editorial.ts';
import { previewLinks } from '../../../core/announcements/compose-send.ts';
import {
  editArticle,
  parseRelevant,
  parseTopicList,
  type ArticleEdit,
} from '../../../core/editorial/edit-article.ts';
import { parseWeekId, setEditorNote, showEditorNote } from '../../../core/editorial/editor-note.ts';
import { previewWeekDigest } from '../../../core/editorial/preview-week-digest.ts';
import {
  ARTICLE_STATES,
  listWeekArticles,
  weekArticleJson,
  type ArticleState,
  type WeekArticlesQuery,
} from '../../../core/editorial/week-articles.ts';
import { ArticleNotFoundError, ValidationError } from '../../../core/errors.ts';
import { STUDY_TYPE_BADGES } from '../../../core/rendering/digest-view.ts';
import type { StudyType } from '../../../model/articles.ts';
import { isTopicId } from '../../../model/topics.ts';
import { readInput, wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { deskPage, deskPreviewPage } from '../../pages/admin-desk-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

type RawInput = Record<string, unknown>;

/**
 * The editors' desk (docs/editors-desk.md), behind the same authentication as admin sends:
 * `GET /admin/articles` (the week's articles, a page or JSON), `POST /admin/articles/{id}/hide|
 * unhide|pin|unpin`, `PUT /admin/articles/{id}/topics`, `PUT /admin/notes/{week}`, and the
 * digest preview `GET /admin/notes/{week}/preview?topics=…`. The page's forms POST (a form cannot
 * PUT) with the session's CSRF token; JSON clients PUT, as the issue names the API.
 */
export function registerEditorialRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, layout, actorOf, csrfFailed, deps: adminDeps, storePreview } = kit;
  const { context } = services;
  const deps = editorialDependencies(context);

  app.get('/admin/articles', async (c) => {
    const query = listQueryOf(c);
    const listing = await listWeekArticles(query, deps);
    if (wantsJson(c)) return c.json({ ...listing, articles: listing.articles.map(weekArticleJson) });
    const credential = c.get('admin');
    const note = await showEditorNote(listing.weekId, deps);
    const done = c.req.query('done');
    return adminPage(
      c,
      "This week's articles",
      deskPage({
        listing,
        query,
        note,
        csrf: auth.csrfToken(credential),
        labels: context.topicLabels,
        back: backOf(c.req.url),
        ...(done && DONE_MESSAGES[done] ? { done: DONE_MESSAGES[done] } : {}),
      }),
      layout(credential, 'articles'),
    );
  });

  /** One edit, from JSON (the API) or the desk's form (CSRF checked); 404 for an unknown id. */
  const editRoute = (path: string, build: (input: RawInput, fromForm: boolean) => ArticleEdit) =>
    app.on(path.endsWith('/topics') ? ['PUT', 'POST'] : ['POST'], path, async (c) => {
      const credential = c.get('admin');
      const { fromForm, input } = await bodyOf(c);
      // A signed-in page session proves the form is ours; a bearer token or IAM signature is the API.
      if (credential.kind === 'session' && !auth.csrfTokenMatches(credential, input.csrf))
        return csrfFailed(c);
      const actor = actorOf(credential, fromForm ? 'page' : 'api');
      try {
        const change = build(input, fromForm);
        const article = await editArticle(c.req.param('id') ?? '', change, actor.principal, deps);
        context.logger.info('article edited on the desk', {
          by: actor,
          articleId: article.id,
          change: change.kind,
        });
        if (fromForm) return c.redirect(withDone(stringOf(input.back), change.kind), 303);
        return c.json({ action: change.kind, article: weekArticleJson(article) });
      } catch (error) {
        if (!(error instanceof ArticleNotFoundError)) throw error;
        if (fromForm) return kit.notFound(c);
        return c.json({ error: 'not_found', message: error.message }, 404);
      }
    });

  editRoute('/admin/articles/:id/hide', (input) => {
    const reason = stringOf(input.reason).trim();
    return { kind: 'hide', ...(reason ? { reason } : {}) };
  });
  editRoute('/admin/articles/:id/unhide', () => ({ kind: 'unhide' }));
  editRoute('/admin/articles/:id/pin', () => ({ kind: 'pin' }));
  editRoute('/admin/articles/:id/unpin', () => ({ kind: 'unpin' }));
  editRoute('/admin/articles/:id/topics', (input, fromForm) => {
    // A form sends an unchecked box as nothing: absent means not relevant there, true by default in JSON.
    const relevant = parseRelevant(booleanInput(input.relevant)) ?? !fromForm;
    return { kind: 'retag', topics: parseTopicList(topicsOf(input), relevant), relevant };
  });

  app.on(['PUT', 'POST'], '/admin/notes/:week', async (c) => {
    const credential = c.get('admin');
    const { fromForm, input } = await bodyOf(c);
    // A signed-in page session proves the form is ours; a bearer token or IAM signature is the API.
    if (credential.kind === 'session' && !auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const actor = actorOf(credential, fromForm ? 'page' : 'api');
    const { note, view } = await setEditorNote(
      { weekId: c.req.param('week'), body: stringOf(input.body), by: actor.principal },
      deps,
    );
    context.logger.info("editor's note set on the desk", {
      by: actor,
      weekId: note.weekId,
      set: view !== undefined,
    });
    if (fromForm) return c.redirect(withDone(stringOf(input.back), view ? 'note' : 'note-removed'), 303);
    return c.json({
      weekId: note.weekId,
      body: note.body,
      by: note.by,
      at: note.at,
      html: view?.html ?? null,
      removed: view?.removed ?? [],
    });
  });

  app.get('/admin/notes/:week', async (c) => {
    const weekId = parseWeekId(c.req.param('week'));
    const shown = await showEditorNote(weekId, deps);
    return c.json(
      shown
        ? { weekId, body: shown.note.body, by: shown.note.by, at: shown.note.at, html: shown.view.html }
        : { weekId, body: null },
    );
  });

  app.get('/admin/notes/:week/preview', async (c) => {
    const weekId = parseWeekId(c.req.param('week'));
    const topics = c.req.queries('topics') ?? [];
    const chosen = parseTopicList(topics, false);
    if (chosen.length === 0)
      throw new ValidationError('choose at least one topic to preview', ['topics: choose at least one']);
    const email = await previewWeekDigest({ weekId, topics: chosen }, deps);
    const html = email.personalise(previewLinks(adminDeps)).html;
    const previewId = await storePreview(html);
    if (wantsJson(c))
      return c.json({
        weekId,
        topics: chosen,
        articleCount: email.articleCount,
        previewUrl: `/admin/previews/${previewId}`,
      });
    return adminPage(
      c,
      'Digest preview',
      deskPreviewPage({ weekId, topics: chosen, labels: context.topicLabels, previewId }),
      layout(c.get('admin'), 'articles'),
    );
  });
}

const DONE_MESSAGES: Readonly<Record<string, string>> = {
  hide: 'The article is hidden: no digest sends it from now on, and it has left the archive.',
  unhide: 'The article is back.',
  pin: "The article is pinned: it leads its sections as an Editor's pick.",
  unpin: 'The pin is off.',
  retag: 'The topics are saved: tagged by an editor.',
  note: "The week's note is saved.",
  'note-removed': "The week's note is removed.",
};

/** A form, a JSON object, or nothing at all (`POST /admin/articles/{id}/pin` needs no body). */
async function bodyOf(c: Context): Promise<{ fromForm: boolean; input: RawInput }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const fromForm =
    type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
  if (type === '' && !(await c.req.text())) return { fromForm, input: {} };
  return { fromForm, input: await readInput(c) };
}

const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');

function booleanInput(value: unknown): string | boolean | undefined {
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  return undefined;
}

function topicsOf(input: RawInput): string[] {
  const topics = input.topics;
  if (Array.isArray(topics)) return topics.filter((topic): topic is string => typeof topic === 'string');
  if (typeof topics === 'string') return topics.split(',');
  return [];
}

/** Only a desk address comes back: a form cannot send an editor elsewhere. */
function withDone(back: string, done: string): string {
  const url = new URL(back.startsWith('/admin/articles') ? back : '/admin/articles', 'http://desk.invalid');
  url.searchParams.set('done', done);
  return `${url.pathname}${url.search}`;
}

/** This page's path and filters, without a previous form's message. */
function backOf(requestUrl: string): string {
  const url = new URL(requestUrl);
  url.searchParams.delete('done');
  return `${url.pathname}${url.search}`;
}

function listQueryOf(c: Context): WeekArticlesQuery {
  const read = (name: string) => {
    const value = c.req.query(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const topic = read('topic');
  if (topic !== undefined && !isTopicId(topic))
    throw new ValidationError('unknown topic', [`topic: unknown topic ${topic}`]);
  const studyType = read('studyType');
  if (studyType !== undefined && !(studyType in STUDY_TYPE_BADGES)) {
    throw new ValidationError('unknown study type', [`studyType: unknown study type ${studyType}`]);
  }
  const state = read('state');
  if (state !== undefined && !(ARTICLE_STATES as readonly string[]).includes(state)) {
    throw new ValidationError('unknown state', [`state: one of ${ARTICLE_STATES.join(', ')}`]);
  }
  const relevant = parseRelevant(read('relevant'));
  const page = Number(read('page') ?? 1);
  const week = read('week');
  const source = read('source');
  return {
    ...(week ? { weekId: week } : {}),
    ...(topic ? { topic: topic } : {}),
    ...(source ? { source } : {}),
    ...(studyType ? { studyType: studyType as StudyType } : {}),
    ...(relevant !== undefined ? { relevant } : {}),
    ...(state ? { state: state as ArticleState } : {}),
    ...(Number.isInteger(page) && page > 0 ? { page } : {}),
  };
}
