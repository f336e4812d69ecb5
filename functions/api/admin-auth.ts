import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AdminSessionGeneration } from '../ports/admin-sessions.ts';
import type { Clock } from '../ports/clock.ts';

/**
 * Who may use the admin routes.
 *
 * - In the cloud, API Gateway's IAM authorizer guards /admin and /admin/{proxy+}: a request only
 *   reaches the function SigV4-signed by a principal allowed execute-api:Invoke on them, and
 *   the authorizer puts that principal in the request context. The app accepts exactly those
 *   requests (no bearer token there), and the principal's ARN is who the audit names.
 * - Locally, the bearer token of the configuration (ADMIN_TOKEN; `npm start` generates one into
 *   .data/admin-token). The admin page asks for it once and keeps a session cookie (HttpOnly,
 *   SameSite=Strict, derived from the token, so changing the token signs everyone out). The
 *   cookie carries the session generation it was signed in under (ports/admin-sessions.ts), read
 *   from the state table on every request: "sign out everywhere" moves the generation on, and
 *   every older cookie is refused at once, on every instance.
 *
 * Tokens and signatures are compared in constant time. Forms that change something carry a
 * CSRF token bound to the credential that signed in; JSON requests need none (a browser cannot
 * send JSON across sites without a CORS preflight, which this API never grants).
 */

export type AdminCredential =
  | { readonly kind: 'iam'; readonly principal: string }
  | { readonly kind: 'bearer' }
  | { readonly kind: 'session'; readonly session: string };

export interface AdminAuth {
  readonly mode: 'iam' | 'token';
  /** The credential a request carries, or undefined when it carries none that holds. */
  identify(c: Context): Promise<AdminCredential | undefined>;
  /** Checks a token typed on the sign-in form (token mode only). */
  tokenMatches(token: string): boolean;
  /** Signs the browser in for SESSION_HOURS, under the current generation (token mode only). */
  startSession(c: Context): Promise<void>;
  endSession(c: Context): void;
  /** Signs out every session, this one included: returns the new generation (token mode only). */
  revokeAllSessions(by: string): Promise<number>;
  csrfToken(credential: AdminCredential): string;
  csrfTokenMatches(credential: AdminCredential, token: unknown): boolean;
}

const SESSION_COOKIE = 'immuno_admin';
const SESSION_HOURS = 12;

export interface AdminAuthSettings {
  readonly mode: 'iam' | 'token';
  /** The local admin token (token mode); without one, no request is let in. */
  readonly adminToken: string | undefined;
  /** Keys the CSRF tokens (the link-signing secret). */
  readonly csrfKey: string;
  /** Cookies are Secure when the site is served over https. */
  readonly secureCookies: boolean;
  readonly clock: Clock;
  /** The session generation (state table): a cookie of an older one is refused. */
  readonly sessions: AdminSessionGeneration;
}

export function createAdminAuth(settings: AdminAuthSettings): AdminAuth {
  const { adminToken, clock, sessions } = settings;
  const sessionMac = (generation: string, expires: string) =>
    createHmac('sha256', adminToken ?? '')
      .update(`admin-session.${generation}.${expires}`)
      .digest('base64url');

  /** `<generation>.<expires>.<mac>`: signed by the token, unexpired, and of the current generation. */
  async function sessionHolds(value: string | undefined): Promise<boolean> {
    if (!adminToken || !value) return false;
    const match = /^(\d{1,12})\.(\d{1,12})\.([\w-]{43})$/.exec(value);
    if (!match) return false;
    const [, generation, expires, mac] = match as unknown as [string, string, string, string];
    if (Number(expires) * 1000 <= clock.now().getTime()) return false;
    if (!sameSecret(mac, sessionMac(generation, expires))) return false;
    // Only a genuine, unexpired cookie costs a read of the generation.
    return Number(generation) === (await sessions.current());
  }

  async function identify(c: Context): Promise<AdminCredential | undefined> {
    if (settings.mode === 'iam') {
      const principal = iamPrincipalOf(c);
      return principal ? { kind: 'iam', principal } : undefined;
    }
    if (!adminToken) return undefined;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer, adminToken) ? { kind: 'bearer' } : undefined;
    const session = getCookie(c, SESSION_COOKIE);
    return session !== undefined && (await sessionHolds(session)) ? { kind: 'session', session } : undefined;
  }

  const csrfToken = (credential: AdminCredential) =>
    createHmac('sha256', settings.csrfKey)
      .update(`admin-csrf.${credential.kind}.${bindingOf(credential)}`)
      .digest('base64url');

  return {
    mode: settings.mode,
    identify,
    tokenMatches: (token) => adminToken !== undefined && sameSecret(token.trim(), adminToken),
    async startSession(c) {
      const generation = String(await sessions.current());
      const expires = String(Math.floor(clock.now().getTime() / 1000) + SESSION_HOURS * 3600);
      setCookie(c, SESSION_COOKIE, `${generation}.${expires}.${sessionMac(generation, expires)}`, {
        path: '/admin',
        httpOnly: true,
        sameSite: 'Strict',
        secure: settings.secureCookies,
        maxAge: SESSION_HOURS * 3600,
      });
    },
    endSession(c) {
      deleteCookie(c, SESSION_COOKIE, { path: '/admin', secure: settings.secureCookies });
    },
    revokeAllSessions: (by) => sessions.revokeAll({ at: clock.now(), by }),
    csrfToken,
    csrfTokenMatches: (credential, token) =>
      typeof token === 'string' && token !== '' && sameSecret(token, csrfToken(credential)),
  };
}

function bindingOf(credential: AdminCredential): string {
  if (credential.kind === 'iam') return credential.principal;
  if (credential.kind === 'session') return credential.session;
  return 'bearer';
}

/**
 * Constant-time equality of two secrets of any length: both are hashed to 32 bytes first, so
 * neither the content nor the length of the expected one leaks through timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/**
 * The IAM principal API Gateway's authorizer put in the request context (HTTP API, payload 2.0:
 * requestContext.authorizer.iam.userArn), as hono/aws-lambda hands it to the app in `c.env`.
 * Only API Gateway writes the request context: no header a client sends can forge it.
 */
function iamPrincipalOf(c: Context): string | undefined {
  const env = c.env as
    { requestContext?: { authorizer?: { iam?: { userArn?: unknown; callerId?: unknown } } } } | undefined;
  const iam = env?.requestContext?.authorizer?.iam;
  const principal = iam?.userArn ?? iam?.callerId;
  return typeof principal === 'string' && principal !== '' ? principal : undefined;
}

/** How the audit names the admin behind a credential. */
export function principalOf(credential: AdminCredential): string {
  if (credential.kind === 'iam') return credential.principal;
  return credential.kind === 'session' ? 'local admin (admin token, page)' : 'local admin (admin token)';
}
