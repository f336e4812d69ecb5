import type { ComposedSend } from '../../../core/announcements/admin-send.ts';
import { composeSend } from '../../../core/announcements/compose-send.ts';
import { startSend } from '../../../core/announcements/start-send.ts';
import { parseSendAt, scheduleSend } from '../../../core/announcements/schedule-send.ts';
import { sendTest } from '../../../core/announcements/test-send.ts';
import { parseDraft } from '../../../core/announcements/announcement.ts';
import { readInput } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { composePage, reviewPage } from '../../pages/admin-compose-page.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';
import { composeFormOf } from './compose-form.ts';
import { parseAdminForm, parseJsonSendRequest } from './send-request.ts';
import { formSendAt } from './schedule-routes.ts';

/**
 * `POST /admin/sends`: the JSON API's send (a dry run, a test, or `"send": true` for real, `202`
 * with the status URL; read strictly by send-request.ts), and the review page's confirm form
 * (which must tick the box, and carry the CSRF token).
 */
export function registerSendRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, deps, labels, layout, actorOf, storePreview, csrfFailed } = kit;
  const { topics } = services;

  app.post('/admin/sends', async (c) => {
    const credential = c.get('admin');
    const input = await readInput(c);
    const fromForm = !(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    if (fromForm && !auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const actor = actorOf(credential, fromForm ? 'page' : 'api');
    try {
      if (fromForm) {
        const form = parseAdminForm(input);
        const sendAt = formSendAt(form, services.context.clock.now());
        const composed = await composeSend(parseDraft(form), form.id?.trim() || undefined, deps);
        if (form.confirm !== 'yes') {
          const previewId = await storePreview(composed.preview.html);
          return adminPage(
            c,
            'Review',
            reviewPage({
              csrf: auth.csrfToken(credential),
              form: composeFormOf(input),
              composed,
              previewId,
              topicLabels: labels,
              errors: { confirm: 'tick the box to confirm the send' },
            }),
            layout(credential, 'compose'),
            400,
          );
        }
        if (sendAt) {
          const scheduled = await scheduleSend(composed, sendAt, actor, deps);
          return c.redirect(`/admin/sends/${scheduled.sendId}`, 303);
        }
        const started = await startSend(composed, actor, deps);
        return c.redirect(`/admin/sends/${started.sendId}`, 303);
      }
      const request = parseJsonSendRequest(input);
      const sendAt =
        request.sendAt === undefined ? undefined : parseSendAt(request.sendAt, services.context.clock.now());
      const composed = await composeSend(request.draft, request.id, deps);
      if (request.action.kind === 'dry-run') return c.json(dryRunJson(composed));
      if (request.action.kind === 'test') {
        const test = await sendTest(composed, request.action.to, actor, deps);
        return c.json({ sendId: composed.sendId, test });
      }
      if (sendAt) {
        const scheduled = await scheduleSend(composed, sendAt, actor, deps);
        c.header('Location', `/admin/sends/${scheduled.sendId}`);
        return c.json(
          { ...scheduled, status: `/admin/sends/${scheduled.sendId}` },
          scheduled.outcome === 'already-scheduled' ? 200 : 202,
        );
      }
      const started = await startSend(composed, actor, deps);
      c.header('Location', `/admin/sends/${started.sendId}`);
      return c.json(
        { sendId: started.sendId, outcome: started.outcome, status: `/admin/sends/${started.sendId}` },
        started.outcome === 'already-sent' ? 200 : 202,
      );
    } catch (error) {
      const problem = adminProblemOf(error);
      if (fromForm) {
        return adminPage(
          c,
          'Compose',
          composePage({
            csrf: auth.csrfToken(credential),
            form: composeFormOf(input),
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
}

function dryRunJson(composed: ComposedSend) {
  return {
    sendId: composed.sendId,
    dryRun: true,
    audience: composed.audience,
    removed: composed.removed,
    alreadySent: composed.existing?.status === 'queued',
    preview: composed.preview,
  };
}
