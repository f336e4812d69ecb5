import { perIpRateLimit } from '../../rate-limit.ts';
import { principalOf } from '../../admin-auth.ts';
import { readInput, wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { signInPage } from '../../pages/admin-compose-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/** Sign-in attempts one client may make in ten minutes: plenty for a person, nothing for a guesser. */
const SIGN_IN_ATTEMPTS = 10;

/**
 * The admin page's session (token mode): the sign-in form, which trades the admin token for a
 * session cookie, sign-out, and "sign out everywhere", which revokes every session cookie (the
 * generation in the state table moves on). With IAM (in the cloud) there is no session: each goes
 * to /admin.
 */
export function registerSignInRoutes(app: AdminApp, { services, auth, csrfFailed }: AdminKit): void {
  const { context } = services;
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

  app.get('/admin/sign-in', async (c) => {
    if (auth.mode === 'iam' || (await auth.identify(c))) return c.redirect('/admin', 303);
    const signedOutEverywhere = c.req.query('signed-out') === 'everywhere';
    return adminPage(
      c,
      'Sign in',
      signInPage(signedOutEverywhere ? { notice: 'Every admin session was signed out, this one too.' } : {}),
    );
  });

  app.post('/admin/sign-in', signInLimit, async (c) => {
    if (auth.mode === 'iam') return c.redirect('/admin', 303);
    const input = await readInput(c);
    if (typeof input.token !== 'string' || !auth.tokenMatches(input.token)) {
      context.logger.warn('admin sign-in refused', {});
      return adminPage(c, 'Sign in', signInPage({ error: 'That is not the admin token.' }), {}, 401);
    }
    await auth.startSession(c);
    return c.redirect('/admin', 303);
  });

  app.post('/admin/sign-out', async (c) => {
    const input = await readInput(c);
    if (!auth.csrfTokenMatches(c.get('admin'), input.csrf)) return csrfFailed(c);
    auth.endSession(c);
    return c.redirect('/admin/sign-in', 303);
  });

  // Sign out everywhere: every session cookie, on every browser, stops working at once.
  app.post('/admin/sessions/revoke', async (c) => {
    const credential = c.get('admin');
    const json = wantsJson(c);
    const input = await readInput(c);
    if (!json && !auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    if (auth.mode === 'iam') {
      const message = 'In the cloud there are no admin sessions: access is revoked in IAM.';
      return json ? c.json({ error: 'no_sessions', message }, 409) : c.redirect('/admin', 303);
    }
    const generation = await auth.revokeAllSessions(principalOf(credential));
    context.logger.warn('admin sessions revoked', { generation, by: principalOf(credential) });
    auth.endSession(c);
    return json
      ? c.json({ revoked: true, generation })
      : c.redirect('/admin/sign-in?signed-out=everywhere', 303);
  });
}
