import type { Context } from 'hono';
import {
  changeReaderByHand,
  findReader,
  type HandAction,
  type ReaderView,
} from '../../../core/list-health/readers.ts';
import { ValidationError } from '../../../core/errors.ts';
import { readInput } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { readersPage, type ReadersView } from '../../pages/admin-readers-page.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminEnv, AdminKit } from './admin-kit.ts';

/**
 * Readers one at a time. The address always travels in a POST body, never in a URL (which the
 * access logs, a browser's history and a Referer would keep); logs name the reader by keyed id.
 * API: `POST /admin/subscribers/find` {email}, `POST /admin/subscribers/unsubscribe|suppress`
 * {email, reason}. Page: `GET|POST /admin/readers`, `POST /admin/readers/change`.
 */
export function registerReaderRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, layout, actorOf, csrfFailed } = kit;
  const { context } = services;
  const stringOf = (value: unknown) => (typeof value === 'string' ? value : '');

  const page = (
    c: Context<AdminEnv>,
    view: Omit<ReadersView, 'csrf' | 'topicLabels'>,
    status: 200 | 400 = 200,
  ) => {
    const credential = c.get('admin');
    return adminPage(
      c,
      'Find a reader',
      readersPage({ ...view, csrf: auth.csrfToken(credential), topicLabels: context.topicLabels }),
      layout(credential, 'readers'),
      status,
    );
  };

  app.post('/admin/subscribers/find', async (c) => {
    const input = await readInput(c);
    try {
      return c.json(await findReader(stringOf(input.email), context));
    } catch (error) {
      const problem = adminProblemOf(error);
      return c.json(problem.json, problem.status);
    }
  });

  for (const action of ['unsubscribe', 'suppress'] as const) {
    app.post(`/admin/subscribers/${action}`, async (c) => {
      const input = await readInput(c);
      try {
        const change = await changeReaderByHand(
          stringOf(input.email),
          action,
          stringOf(input.reason),
          actorOf(c.get('admin'), 'api'),
          context,
        );
        return c.json(change);
      } catch (error) {
        const problem = adminProblemOf(error);
        return c.json(problem.json, problem.status);
      }
    });
  }

  app.get('/admin/readers', (c) => page(c, { email: '' }));

  app.post('/admin/readers', async (c) => {
    const input = await readInput(c);
    if (!auth.csrfTokenMatches(c.get('admin'), input.csrf)) return csrfFailed(c);
    const email = stringOf(input.email);
    try {
      return await page(c, { email, reader: await findReader(email, context) });
    } catch (error) {
      return page(c, { email, errors: adminProblemOf(error).errors }, 400);
    }
  });

  app.post('/admin/readers/change', async (c) => {
    const input = await readInput(c);
    const credential = c.get('admin');
    if (!auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    const email = stringOf(input.email);
    const action = stringOf(input.action);
    let reader: ReaderView | undefined;
    try {
      reader = await findReader(email, context);
      if (action !== 'unsubscribe' && action !== 'suppress') {
        throw new ValidationError('unknown action', ['action: choose unsubscribe or suppress']);
      }
      const change = await changeReaderByHand(
        email,
        action satisfies HandAction,
        stringOf(input.reason),
        actorOf(credential, 'page'),
        context,
      );
      const notice =
        change.outcome === 'already'
          ? 'Nothing to change; the request is in the audit all the same.'
          : `Done: ${change.outcome}.`;
      return await page(c, { email, reader: change.reader, notice });
    } catch (error) {
      return page(c, { email, ...(reader ? { reader } : {}), errors: adminProblemOf(error).errors }, 400);
    }
  });
}
