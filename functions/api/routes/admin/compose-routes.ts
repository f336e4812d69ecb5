import type { Context } from 'hono';
import type { ComposedSend } from '../../../core/announcements/admin-send.ts';
import { composeSend } from '../../../core/announcements/compose-send.ts';
import { sendTest } from '../../../core/announcements/test-send.ts';
import { parseDraft } from '../../../core/announcements/announcement.ts';
import { ValidationError } from '../../../core/errors.ts';
import { readInput } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import {
  composePage,
  EMPTY_FORM,
  reviewPage,
  type AdminFieldErrors,
} from '../../pages/admin-compose-page.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminEnv, AdminKit } from './admin-kit.ts';
import { composeFormOf } from './compose-form.ts';
import { parseAdminForm } from './send-request.ts';

/**
 * The compose page (`GET /admin/compose`) and its buttons (`POST /admin/compose`, and `POST /admin`
 * where the form posted before the dashboard became the admin home): preview, send a test, review
 * before sending (the review page's form posts to /admin/sends), and back to editing.
 */
export function registerComposeRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, deps, labels, layout, actorOf, storePreview, csrfFailed } = kit;
  const { topics } = services;

  app.get('/admin/compose', (c) => {
    const credential = c.get('admin');
    return adminPage(
      c,
      'Compose',
      composePage({ csrf: auth.csrfToken(credential), form: EMPTY_FORM, topics }),
      layout(credential, 'compose'),
    );
  });

  const composeButtons = async (c: Context<AdminEnv>) => {
    const credential = c.get('admin');
    const input = await readInput(c);
    if (!auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const form = composeFormOf(input);
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
      const composed = await composeSend(
        parseDraft(parseAdminForm(input)),
        form.id.trim() || undefined,
        deps,
      );
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
      const problem = adminProblemOf(error);
      return page({ errors: problem.errors }, problem.status);
    }
  };
  app.post('/admin/compose', composeButtons);
  app.post('/admin', composeButtons);
}
