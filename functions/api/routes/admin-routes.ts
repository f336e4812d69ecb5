import { Hono } from 'hono';
import type { ApiServices } from '../services.ts';
import { createAdminKit, type AdminEnv } from './admin/admin-kit.ts';
import { registerComposeRoutes } from './admin/compose-routes.ts';
import { registerDeadLetterRoutes } from './admin/dead-letter-routes.ts';
import { registerEditorialRoutes } from './admin/editorial-routes.ts';
import { guardAdminRoutes } from './admin/guard-admin-routes.ts';
import { registerPastSendsRoutes } from './admin/past-sends-routes.ts';
import { registerPreviewRoutes } from './admin/preview-routes.ts';
import { registerReaderRoutes } from './admin/reader-routes.ts';
import { registerScheduleRoutes } from './admin/schedule-routes.ts';
import { registerSendRoutes } from './admin/send-routes.ts';
import { registerSignInRoutes } from './admin/sign-in-routes.ts';
import { registerStatsRoutes } from './admin/stats-routes.ts';
import { registerSubscriberRoutes } from './admin/subscriber-routes.ts';

/**
 * The admin's one-off sends over HTTP: the JSON API (`POST /admin/sends`, `GET /admin/sends`,
 * `GET /admin/sends/{id}`) and the admin page (compose, preview, test, review and send, past
 * sends), and the send queue's dead letters (`GET /admin/dead-letters`, `POST
 * /admin/dead-letters/redrive`), all behind the same authentication (see admin-auth.ts); 401 without credentials.
 * Each use case registers its own routes (routes/admin/); the guard comes first.
 */
export function adminRoutes(services: ApiServices): Hono<AdminEnv> {
  const kit = createAdminKit(services);
  const app = new Hono<AdminEnv>();
  guardAdminRoutes(app, kit);
  registerSignInRoutes(app, kit);
  registerStatsRoutes(app, kit);
  registerReaderRoutes(app, kit);
  registerComposeRoutes(app, kit);
  registerSendRoutes(app, kit);
  registerScheduleRoutes(app, kit);
  registerPastSendsRoutes(app, kit);
  registerPreviewRoutes(app, kit);
  registerDeadLetterRoutes(app, kit);
  registerEditorialRoutes(app, kit);
  registerSubscriberRoutes(app, kit);
  return app;
}
