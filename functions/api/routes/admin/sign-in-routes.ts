import { perIpRateLimit } from '../../rate-limit.ts';
import { readInput } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { signInPage } from '../../pages/admin-compose-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/** Sign-in attempts one client may make in ten minutes: plenty for a person, nothing for a guesser. */
const SIGN_IN_ATTEMPTS = 10;

/**
 * The admin page's session (token mode): the sign-in form, which trades the admin token for a
 * session cookie, and sign-out. With IAM (in the cloud) there is no session: both go to /admin.
 */
export function registerSignInRoutes(app: AdminApp, { services, auth, csrfFailed }: AdminKit): void {
  const { context } = services;
  const signInLimit = perIpRateLimit(
    'admin-sign-in',
    { limit: SIGN_IN_ATTEMPTS, windowSeconds: 600 },
    {
      counter: context.requestCounter,
      clock: context.clock,
      ipHashKey: context.keys.ipHash,
      clientIp: services.clientIp,
    },
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
}
