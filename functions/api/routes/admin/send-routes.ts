import type { ComposedSend } from '../../../core/announcements/admin-send.ts';
import { composeSend } from '../../../core/announcements/compose-send.ts';
import { startSend } from '../../../core/announcements/start-send.ts';
import { sendTest } from '../../../core/announcements/test-send.ts';
import { parseDraft } from '../../../core/announcements/announcement.ts';
import { ValidationError } from '../../../core/errors.ts';
import { readInput } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { composePage, reviewPage } from '../../pages/admin-compose-page.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';
import { composeFormOf } from './compose-form.ts';

/**
 * `POST /admin/sends`: the JSON API's send (dry run, test or for real, `202` with the status
 * URL), and the review page's confirm form (which must tick the box, and carry the CSRF token).
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
    removed: composed.email.removed,
    alreadySent: composed.existing?.status === 'queued',
    preview: composed.preview,
  };
}
