import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { iamRequiredPage, signInPage } from '../../pages/admin-compose-page.ts';
import type { AdminApp, AdminEnv, AdminKit } from './admin-kit.ts';

/** An MJML announcement is markup-heavy; 512 KB is far above any we accept, and far below Lambda's 6 MB. */
export const ADMIN_MAX_BODY_BYTES = 512 * 1024;

/**
 * Puts every admin route behind the body limit and the admin's credential (see admin-auth.ts),
 * the sign-in page alone excepted: 401 without credentials, as JSON or as the sign-in page.
 * Registered before the routes, so it runs first.
 */
export function guardAdminRoutes(app: AdminApp, { auth }: AdminKit): void {
  const limit = bodyLimit({
    maxSize: ADMIN_MAX_BODY_BYTES,
    onError: (c) => c.json({ error: 'too_large', message: 'The request is larger than 512 KB.' }, 413),
  });
  const unauthorized = (c: Context) => {
    c.header(
      'WWW-Authenticate',
      auth.mode === 'token' ? 'Bearer realm="immuno-digest admin"' : 'AWS4-HMAC-SHA256',
    );
    if (wantsJson(c) || c.req.header('authorization') !== undefined) {
      return c.json({ error: 'unauthorized', message: 'Admin credentials are required.' }, 401);
    }
    const body = auth.mode === 'token' ? signInPage({}) : iamRequiredPage();
    return adminPage(c, 'Sign in', body, {}, 401);
  };
  const requireAdmin: MiddlewareHandler<AdminEnv> = async (c, next) => {
    const credential = await auth.identify(c);
    if (!credential) return unauthorized(c);
    c.set('admin', credential);
    await next();
  };
  // A CSV import has a larger limit of its own (subscriber-routes.ts).
  for (const path of ['/admin', '/admin/*']) app.use(path, except('/admin/subscribers/import', limit));
  app.use('/admin', requireAdmin);
  app.use('/admin/*', except('/admin/sign-in', requireAdmin));
}
