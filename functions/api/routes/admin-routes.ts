import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { adminSendDependencies } from '../../app/admin.ts';
import {
  composeSend,
  listSends,
  previewLinks,
  sendStatus,
  sendTest,
  startSend,
  type ComposedSend,
} from '../../core/announcements/admin-sends.ts';
import { parseDraft, parseSendId } from '../../core/announcements/announcement.ts';
import { MailUnavailableError, SendConflictError, ValidationError } from '../../core/errors.ts';
import type { AdminActor } from '../../model/announcements.ts';
import { createAdminAuth, principalOf, type AdminCredential } from '../admin-auth.ts';
import { perIpRateLimit } from '../rate-limit.ts';
import { fieldErrorsOf, readInput, wantsJson } from '../input.ts';
import type { ApiServices } from '../services.ts';
import { adminPage, previewDocument } from '../pages/admin-layout.ts';
import {
  composePage,
  EMPTY_FORM,
  iamRequiredPage,
  reviewPage,
  signInPage,
  type AdminFieldErrors,
  type ComposeForm,
} from '../pages/admin-compose-page.ts';
import { sendDetailPage, sendJson, sendListPage } from '../pages/admin-send-page.ts';

/** An MJML announcement is markup-heavy; 512 KB is far above any we accept, and far below Lambda's 6 MB. */
export const ADMIN_MAX_BODY_BYTES = 512 * 1024;

/** A preview stays viewable this long after it was rendered. */
const PREVIEW_LIFETIME_MS = 2 * 3600 * 1000;

type AdminEnv = { Variables: { admin: AdminCredential } };

/** Sign-in attempts one client may make in ten minutes: plenty for a person, nothing for a guesser. */
const SIGN_IN_ATTEMPTS = 10;

/**
 * The admin's one-off sends over HTTP: the JSON API (`POST /admin/sends`, `GET /admin/sends`,
 * `GET /admin/sends/{id}`) and the admin page (compose, preview, test, review and send, past
 * sends), all behind the same authentication (see admin-auth.ts); 401 without credentials.
 */
export function adminRoutes(services: ApiServices): Hono<AdminEnv> {
  const { context, topics } = services;
  const auth = createAdminAuth({
    mode: context.config.mode === 'cloud' ? 'iam' : 'token',
    adminToken: context.config.adminToken,
    csrfKey: context.tokenSecret,
    secureCookies: context.config.siteUrl.startsWith('https://'),
    clock: context.clock,
  });
  const signInLimit = perIpRateLimit(
    'admin-sign-in',
    { limit: SIGN_IN_ATTEMPTS, windowSeconds: 600 },
    {
      counter: context.requestCounter,
      clock: context.clock,
      ipHashKey: context.tokenSecret,
      clientIp: services.clientIp,
    },
  );
  const deps = adminSendDependencies(context);
  const labels: Record<string, string> = context.topicLabels;
  const app = new Hono<AdminEnv>();

  const limit = bodyLimit({
    maxSize: ADMIN_MAX_BODY_BYTES,
    onError: (c) => c.json({ error: 'too_large', message: 'The request is larger than 512 KB.' }, 413),
  });
  const requireAdmin: MiddlewareHandler<AdminEnv> = async (c, next) => {
    const credential = auth.identify(c);
    if (!credential) return unauthorized(c);
    c.set('admin', credential);
    await next();
  };
  for (const path of ['/admin', '/admin/*']) app.use(path, limit);
  app.use('/admin', requireAdmin);
  app.use('/admin/*', except('/admin/sign-in', requireAdmin));

  function unauthorized(c: Context) {
    c.header(
      'WWW-Authenticate',
      auth.mode === 'token' ? 'Bearer realm="immuno-digest admin"' : 'AWS4-HMAC-SHA256',
    );
    if (wantsJson(c) || c.req.header('authorization') !== undefined) {
      return c.json({ error: 'unauthorized', message: 'Admin credentials are required.' }, 401);
    }
    const body = auth.mode === 'token' ? signInPage({}) : iamRequiredPage();
    return adminPage(c, 'Sign in', body, {}, 401);
  }

  const layout = (credential: AdminCredential, current?: 'compose' | 'sends') => ({
    ...(current ? { current } : {}),
    ...(credential.kind === 'session' ? { signOutCsrf: auth.csrfToken(credential) } : {}),
  });
  const actorOf = (credential: AdminCredential, via: AdminActor['via']): AdminActor => ({
    principal: principalOf(credential),
    via,
  });
  const storePreview = async (html: string) => {
    const previewId = randomBytes(16).toString('base64url');
    const expiresAt = new Date(context.clock.now().getTime() + PREVIEW_LIFETIME_MS).toISOString();
    await context.adminSends.putPreview({ previewId, html, expiresAt });
    return previewId;
  };
  const csrfFailed = (c: Context) =>
    adminPage(
      c,
      'Form expired',
      html`<div class="card">
        <h1>This form has expired</h1>
        <p>
          It was not sent from an admin page of this session.
          <a href="/admin">Open the compose page again</a>.
        </p>
      </div>`,
      {},
      403,
    );

  app.get('/admin/sign-in', (c) => {
    if (auth.mode === 'iam' || auth.identify(c)) return c.redirect('/admin', 303);
    return adminPage(c, 'Sign in', signInPage({}));
  });

  app.post('/admin/sign-in', signInLimit, async (c) => {
    if (auth.mode === 'iam') return c.redirect('/admin', 303);
    const input = await readInput(c);
    if (typeof input.token !== 'string' || !auth.tokenMatches(input.token)) {
      context.logger.warn('admin sign-in refused', {});
      return adminPage(c, 'Sign in', signInPage({ error: 'That is not the admin token.' }), {}, 401);
    }
    auth.startSession(c);
    return c.redirect('/admin', 303);
  });

  app.post('/admin/sign-out', async (c) => {
    const input = await readInput(c);
    if (!auth.csrfTokenMatches(c.get('admin'), input.csrf)) return csrfFailed(c);
    auth.endSession(c);
    return c.redirect('/admin/sign-in', 303);
  });

  app.get('/admin', (c) => {
    const credential = c.get('admin');
    return adminPage(
      c,
      'Compose',
      composePage({ csrf: auth.csrfToken(credential), form: EMPTY_FORM, topics }),
      layout(credential, 'compose'),
    );
  });

  /** The compose page's buttons: preview, send test, review (and back to editing). */
  app.post('/admin', async (c) => {
    const credential = c.get('admin');
    const input = await readInput(c);
    if (!auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const form = formOf(input);
    const csrf = auth.csrfToken(credential);
    const page = (
      extra: { errors?: AdminFieldErrors; notice?: string; composed?: ComposedSend; previewId?: string },
      status: 200 | 400 | 409 | 503 = 200,
    ) =>
      adminPage(
        c,
        'Compose',
        composePage({ csrf, form, topics, ...extra }),
        layout(credential, 'compose'),
        status,
      );
    if (input.action === 'edit') return page({});
    try {
      if (input.action === 'test' && form.testTo.trim() === '') {
        throw new ValidationError('no test address', ['testTo: enter the address to send the test to']);
      }
      const composed = await composeSend(parseDraft(input), form.id.trim() || undefined, deps);
      const previewId = await storePreview(composed.preview.html);
      if (input.action === 'test') {
        const sent = await sendTest(composed, form.testTo, actorOf(credential, 'page'), deps);
        return page({ composed, previewId, notice: `Test sent to ${sent.to}: “${sent.subject}”.` });
      }
      if (input.action === 'review') {
        return adminPage(
          c,
          'Review',
          reviewPage({ csrf, form, composed, previewId, topicLabels: labels }),
          layout(credential, 'compose'),
        );
      }
      return page({ composed, previewId });
    } catch (error) {
      const problem = problemOf(error);
      return page({ errors: problem.errors }, problem.status);
    }
  });

  /** The JSON API's send (dry run, test or for real), and the confirm step's form. */
  app.post('/admin/sends', async (c) => {
    const credential = c.get('admin');
    const input = await readInput(c);
    const fromForm = !(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    if (fromForm && !auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const actor = actorOf(credential, fromForm ? 'page' : 'api');
    const sendId = typeof input.id === 'string' && input.id.trim() !== '' ? input.id.trim() : undefined;
    try {
      const composed = await composeSend(parseDraft(input), sendId, deps);
      if (fromForm) {
        if (input.confirm !== 'yes') {
          const previewId = await storePreview(composed.preview.html);
          return adminPage(
            c,
            'Review',
            reviewPage({
              csrf: auth.csrfToken(credential),
              form: formOf(input),
              composed,
              previewId,
              topicLabels: labels,
              errors: { confirm: 'tick the box to confirm the send' },
            }),
            layout(credential, 'compose'),
            400,
          );
        }
        const started = await startSend(composed, actor, deps);
        return c.redirect(`/admin/sends/${started.sendId}`, 303);
      }
      const dryRun = input.dryRun === true || input.dryRun === 'true';
      const testTo =
        typeof input.testTo === 'string' && input.testTo.trim() !== '' ? input.testTo : undefined;
      if (dryRun && testTo) {
        throw new ValidationError('dry run and test send together', [
          'dryRun: a dry run sends nothing; leave out testTo or dryRun',
        ]);
      }
      if (dryRun) return c.json(dryRunJson(composed));
      if (testTo)
        return c.json({ sendId: composed.sendId, test: await sendTest(composed, testTo, actor, deps) });
      const started = await startSend(composed, actor, deps);
      c.header('Location', `/admin/sends/${started.sendId}`);
      return c.json(
        { sendId: started.sendId, outcome: started.outcome, status: `/admin/sends/${started.sendId}` },
        started.outcome === 'already-sent' ? 200 : 202,
      );
    } catch (error) {
      const problem = problemOf(error);
      if (fromForm) {
        return adminPage(
          c,
          'Compose',
          composePage({
            csrf: auth.csrfToken(credential),
            form: formOf(input),
            topics,
            errors: problem.errors,
          }),
          layout(credential, 'compose'),
          problem.status,
        );
      }
      return c.json(problem.json, problem.status);
    }
  });

  app.get('/admin/sends', async (c) => {
    const sends = await listSends(deps);
    if (wantsJson(c)) return c.json({ sends: sends.map(sendJson) });
    return adminPage(c, 'Past sends', sendListPage(sends, labels), layout(c.get('admin'), 'sends'));
  });

  app.get('/admin/sends/:id', async (c) => {
    let sendId: string;
    try {
      sendId = parseSendId(c.req.param('id'));
    } catch {
      return notFound(c);
    }
    const send = await sendStatus(sendId, deps);
    if (!send) return notFound(c);
    if (wantsJson(c)) return c.json(sendJson(send));
    const email = await context.announcements.render({
      content: { subject: send.subject, format: send.format, body: send.body },
      topics: send.topics,
    });
    const previewId = await storePreview(email.personalise(previewLinks(deps)).html);
    return adminPage(c, send.subject, sendDetailPage(send, labels, previewId), {
      ...layout(c.get('admin'), 'sends'),
      ...(send.state === 'queued' || send.state === 'sending' ? { refreshSeconds: 5 } : {}),
    });
  });

  app.get('/admin/previews/:id', async (c) => {
    const previewId = c.req.param('id');
    const preview = /^[\w-]{22}$/.test(previewId)
      ? await context.adminSends.getPreview(previewId, context.clock.now())
      : undefined;
    return preview ? previewDocument(c, preview.html) : notFound(c);
  });

  function notFound(c: Context) {
    if (wantsJson(c)) return c.json({ error: 'not_found', message: 'No send has this id.' }, 404);
    return adminPage(
      c,
      'Not found',
      html`<div class="card">
        <h1>No such send</h1>
        <p><a href="/admin/sends">See the past sends</a>.</p>
      </div>`,
      {},
      404,
    );
  }

  return app;
}

function formOf(input: Record<string, unknown>): ComposeForm {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    subject: text(input.subject),
    body: text(input.body),
    format: input.format === 'mjml' ? 'mjml' : 'markdown',
    topics: new Set(Array.isArray(input.topics) ? input.topics.map(String) : []),
    id: text(input.id),
    testTo: text(input.testTo),
  };
}

function dryRunJson(composed: ComposedSend) {
  return {
    sendId: composed.sendId,
    dryRun: true,
    audience: composed.audience,
    removed: composed.email.removed,
    alreadySent: composed.existing?.status === 'queued',
    preview: composed.preview,
  };
}

type ProblemStatus = 400 | 409 | 503;

/** An admin's mistake or SES's refusal, as field errors for the page and JSON for the API. */
function problemOf(error: unknown): {
  status: ProblemStatus;
  errors: AdminFieldErrors;
  json: Record<string, unknown>;
} {
  if (error instanceof SendConflictError) {
    return {
      status: 409,
      errors: { id: error.message },
      json: { error: 'send_conflict', message: error.message },
    };
  }
  if (error instanceof MailUnavailableError) {
    return {
      status: 503,
      errors: { testTo: error.message },
      json: { error: 'mail_unavailable', message: error.message },
    };
  }
  if (error instanceof ValidationError) {
    const issues = error.issues.length > 0 ? error.issues : [`request: ${error.message}`];
    return {
      status: 400,
      errors: fieldErrorsOf(new ValidationError(error.message, issues)),
      json: { error: 'invalid_request', issues, message: issues.join('. ') },
    };
  }
  throw error;
}
