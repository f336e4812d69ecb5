import { listDeadLetters, redriveDeadLetters } from '../../../core/delivery/dead-letters.ts';
import { readInput, wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { deadLettersPage } from '../../pages/admin-dead-letters-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/**
 * The send queue's dead-letter queue, behind the same authentication as admin sends: a look
 * (`GET /admin/dead-letters`, a page or JSON) and the redrive (`POST /admin/dead-letters/redrive`:
 * JSON from the API, or the page's form with its CSRF token), which moves every send job back to
 * the send queue. `immuno-digest dlq` does the same locally.
 */
export function registerDeadLetterRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, layout, actorOf, csrfFailed } = kit;
  const { context } = services;

  app.get('/admin/dead-letters', async (c) => {
    const listing = await listDeadLetters(context);
    if (wantsJson(c)) return c.json(listing);
    const moved = Number(c.req.query('moved'));
    const poison = Number(c.req.query('poison'));
    const credential = c.get('admin');
    return adminPage(
      c,
      'Dead letters',
      deadLettersPage({
        listing,
        csrf: auth.csrfToken(credential),
        ...(Number.isInteger(moved) && c.req.query('moved') !== undefined
          ? { redriven: { moved, poison: Number.isInteger(poison) ? poison : 0 } }
          : {}),
      }),
      layout(credential, 'dead-letters'),
    );
  });

  app.post('/admin/dead-letters/redrive', async (c) => {
    const credential = c.get('admin');
    const fromForm = !(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    if (fromForm && !auth.csrfTokenMatches(credential, (await readInput(c)).csrf)) return csrfFailed(c);
    const report = await redriveDeadLetters(context);
    context.logger.info('dead-letter queue redriven by an admin', {
      by: actorOf(credential, fromForm ? 'page' : 'api'),
      ...report,
    });
    if (fromForm) return c.redirect(`/admin/dead-letters?moved=${report.moved}&poison=${report.poison}`, 303);
    return c.json(report);
  });
}
