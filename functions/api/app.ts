import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { secureHeaders } from 'hono/secure-headers';
import { CSP_SCRIPT_HASHES, CSP_STYLE_HASHES } from './inline-assets.ts';
import type { AppContext } from '../app/context.ts';
import { ValidationError } from '../core/errors.ts';
import { respondWith } from './respond.ts';
import { wantsJson } from './input.ts';
import { perIpRateLimit } from './rate-limit.ts';
import { createServices, type ApiOptions } from './services.ts';
import { invalidJson, subscriptionRoutes } from './routes/subscription-routes.ts';
import { preferenceRoutes } from './routes/preference-routes.ts';
import { archiveRoutes } from './routes/archive-routes.ts';
import { articleRoutes } from './routes/article-routes.ts';
import { digestRoutes } from './routes/digest-routes.ts';
import { adminRoutes } from './routes/admin-routes.ts';

export type { ApiOptions } from './services.ts';

/** No form or JSON body we accept comes near this; anything larger is refused before it is read. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * The public HTTP API and pages. The same Hono app runs behind API Gateway (hono/aws-lambda)
 * and on the local Node server (@hono/node-server).
 */
export function createApi(context: AppContext, options: ApiOptions): Hono {
  const services = createServices(context, options);
  const app = new Hono();

  app.use(
    '*',
    secureHeaders({
      // Only our own inline stylesheet and scripts run, allowed by hash: nothing injected can.
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: CSP_STYLE_HASHES,
        scriptSrc: CSP_SCRIPT_HASHES,
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // A route that sets one of these itself keeps it (the admin pages frame their email preview).
      overwrite: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    // Pages carry signed links and personal data: no shared cache may keep them unless a route says so.
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  const publicBodyLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      respondWith(c, {
        status: 413,
        title: 'Request too large',
        message: 'The request is larger than any form on this site sends.',
        json: { error: 'too_large' },
      }),
  });
  // Announcements are far larger than any reader's form: the admin routes set their own limit.
  app.use('*', except(['/admin', '/admin/*'], publicBodyLimit));

  app.get('/health', (c) => c.json({ ok: true }));

  const mailRequestLimit = perIpRateLimit(
    'mail-request',
    { limit: context.config.api.rateLimitPerIp, windowSeconds: context.config.api.rateLimitWindowSeconds },
    {
      counter: context.requestCounter,
      clock: context.clock,
      ipHashKey: context.tokenSecret,
      clientIp: options.clientIp,
    },
  );
  app.route('/', subscriptionRoutes(services, mailRequestLimit));
  app.route('/', preferenceRoutes(services));
  app.route('/', archiveRoutes(services));
  app.route('/', articleRoutes(services));
  app.route('/', digestRoutes(services));
  app.route('/', adminRoutes(services));

  app.notFound((c) =>
    respondWith(c, {
      status: 404,
      title: 'Page not found',
      message: 'There is nothing at this address.',
      json: { error: 'not_found' },
    }),
  );

  app.onError((error, c) => {
    if (error instanceof ValidationError) {
      return invalidJsonOrPage(c, error);
    }
    context.logger.error('request failed', { path: c.req.path, error });
    return respondWith(c, {
      status: 500,
      title: 'Something went wrong',
      message: 'Please try again in a minute.',
      json: { error: 'internal_error' },
    });
  });

  return app;
}

function invalidJsonOrPage(c: Context, error: ValidationError) {
  if (wantsJson(c)) return invalidJson(c, error);
  return respondWith(c, {
    status: 400,
    title: 'Please check the form',
    message: error.issues.join('. '),
    json: { error: 'invalid_request', issues: error.issues },
  });
}
