import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { adminSendDependencies } from '../../../app/admin.ts';
import type { AdminSendDependencies } from '../../../core/announcements/admin-send.ts';
import type { AdminActor } from '../../../model/announcements.ts';
import { createAdminAuth, principalOf, type AdminAuth, type AdminCredential } from '../../admin-auth.ts';
import { wantsJson } from '../../input.ts';
import type { ApiServices } from '../../services.ts';
import { adminPage, type AdminLayoutOptions } from '../../pages/admin-layout.ts';

/** A preview stays viewable this long after it was rendered. */
const PREVIEW_LIFETIME_MS = 2 * 3600 * 1000;

export type AdminEnv = { Variables: { admin: AdminCredential } };

/** The admin routes, as each use case's file registers its own on them. */
export type AdminApp = Hono<AdminEnv>;

/** What every admin route shares, built once per app by createAdminKit. */
export interface AdminKit {
  readonly services: ApiServices;
  readonly auth: AdminAuth;
  readonly deps: AdminSendDependencies;
  readonly labels: Record<string, string>;
  /** The page frame's options for this credential: the sign-out form, the current section. */
  readonly layout: (
    credential: AdminCredential,
    current?: AdminLayoutOptions['current'],
  ) => AdminLayoutOptions;
  readonly actorOf: (credential: AdminCredential, via: AdminActor['via']) => AdminActor;
  /** Keeps a rendered email for the preview frame (PREVIEW_LIFETIME_MS); returns its id. */
  readonly storePreview: (html: string) => Promise<string>;
  /** 403: a form that did not come from an admin page of this session. */
  readonly csrfFailed: (c: Context) => Response | Promise<Response>;
  /** 404 for a send id or preview that is not there, as JSON or a page. */
  readonly notFound: (c: Context) => Response | Promise<Response>;
}

export function createAdminKit(services: ApiServices): AdminKit {
  const { context } = services;
  const auth = createAdminAuth({
    mode: context.config.mode === 'cloud' ? 'iam' : 'token',
    adminToken: context.config.adminToken,
    csrfKey: context.keys.csrf,
    secureCookies: context.config.siteUrl.startsWith('https://'),
    clock: context.clock,
    sessions: context.adminSessions,
  });
  return {
    services,
    auth,
    deps: adminSendDependencies(context),
    labels: context.topicLabels,
    layout: (credential, current) => ({
      ...(current ? { current } : {}),
      ...(credential.kind === 'session' ? { signOutCsrf: auth.csrfToken(credential) } : {}),
    }),
    actorOf: (credential, via) => ({ principal: principalOf(credential), via }),
    storePreview: async (html) => {
      const previewId = randomBytes(16).toString('base64url');
      const expiresAt = new Date(context.clock.now().getTime() + PREVIEW_LIFETIME_MS).toISOString();
      await context.adminSends.putPreview({ previewId, html, expiresAt });
      return previewId;
    },
    csrfFailed: (c) =>
      adminPage(
        c,
        'Form expired',
        html`<div class="card">
          <h1>This form has expired</h1>
          <p>
            It was not sent from an admin page of this session.
            <a href="/admin/compose">Open the compose page again</a>.
          </p>
        </div>`,
        {},
        403,
      ),
    notFound: (c) => {
      if (wantsJson(c)) return c.json({ error: 'not_found', message: 'No send has this id.' }, 404);
      return adminPage(
        c,
        'Not found',
        html`<div class="card">
          <h1>No such send</h1>
          <p><a href="/admin/sends">See the past sends</a>.</p>
        </div>`,
        {},
        404,
      );
    },
  };
}
