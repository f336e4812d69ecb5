import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenError } from '../errors.ts';
import { deriveLinkKeys, type LinkKeys, type LinkSecrets } from './keys.ts';

/**
 * Signed links. A token names one subscription (the subscriber and the instance of their
 * subscription), one purpose and an expiry, signed with HMAC-SHA256 under a key named by its key
 * id. It is useless for any other purpose (a confirm link cannot unsubscribe someone else, an
 * unsubscribe link cannot open the preference centre) and for any other instance: unsubscribing,
 * erasure and a new subscription make a new instance, and every older link dies with the old one
 * (the routes compare the instance with the stored one). Tokens signed with the previous link
 * secret are accepted, so a rotation does not break the links already mailed; a token with any
 * other key id is refused. Comparison is constant-time.
 *
 * Format: `<keyId>.<purpose>.<subscriberId>.<instance>.<expiry, base 36 seconds>.<signature>`.
 */

export type TokenPurpose = 'confirm' | 'manage' | 'unsubscribe' | 'view';

const DAY_MS = 24 * 3600 * 1000;

/** How long each kind of link keeps working. Unsubscribe links must outlive any old email a reader keeps. */
export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  confirm: 7 * DAY_MS,
  manage: 90 * DAY_MS,
  unsubscribe: 400 * DAY_MS,
  // "View in your browser" in a digest kept for a year: it reads the reader's topics, changes nothing.
  view: 400 * DAY_MS,
};

/** Who a link is for: a subscriber, and the instance of their subscription it was issued for. */
export interface TokenSubject {
  readonly subscriberId: string;
  readonly instance: string;
}

export interface VerifiedToken extends TokenSubject {
  readonly purpose: TokenPurpose;
  readonly expiresAt: Date;
  /** Which version of the link secret signed it. */
  readonly keyId: string;
}

export interface TokenService {
  issue(purpose: TokenPurpose, subject: TokenSubject, now: Date): string;
  /** @throws TokenError (malformed, unknown-key, bad-signature, expired, wrong-purpose); never anything else. */
  verify(token: string, purpose: TokenPurpose, now: Date): VerifiedToken;
}

const PURPOSE_CODES: Record<TokenPurpose, string> = {
  confirm: 'c',
  manage: 'm',
  unsubscribe: 'u',
  view: 'v',
};
const MAX_TOKEN_LENGTH = 200;
const PART = /^[A-Za-z0-9_-]+$/;

/**
 * @param secrets the link secret (a string: no rotation yet) or its current and previous versions.
 * @example createTokenService({ current: process.env.TOKEN_SECRET!, previous: process.env.TOKEN_SECRET_PREVIOUS })
 */
export function createTokenService(secrets: string | LinkSecrets | LinkKeys): TokenService {
  const keys = linkKeysOf(secrets);
  // Each signing key imported once: given as a Buffer, createHmac imports it again for every
  // token, and a digest send signs three tokens per email.
  const imported = new Map<Buffer, KeyObject>();
  const sign = (key: Buffer, payload: string) => {
    let secretKey = imported.get(key);
    if (!secretKey) imported.set(key, (secretKey = createSecretKey(key)));
    return createHmac('sha256', secretKey).update(`v2.${payload}`).digest('base64url');
  };

  return {
    issue(purpose, { subscriberId, instance }, now) {
      if (!PART.test(subscriberId) || !PART.test(instance))
        throw new Error('a token subject must be base64url');
      const expiresAt = Math.floor((now.getTime() + TOKEN_LIFETIME_MS[purpose]) / 1000);
      const { keyId, signing } = keys.current;
      const payload = `${keyId}.${PURPOSE_CODES[purpose]}.${subscriberId}.${instance}.${expiresAt.toString(36)}`;
      return `${payload}.${sign(signing, payload)}`;
    },
    verify(token, purpose, now) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw new TokenError('malformed', 'the link is incomplete');
      }
      const parts = token.split('.');
      if (parts.length !== 6 || parts.some((part) => !PART.test(part))) {
        throw new TokenError('malformed', 'the link is incomplete');
      }
      const [keyId, code, subscriberId, instance, expiry, signature] = parts as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const version = keys.accepted.get(keyId);
      if (!version) throw new TokenError('unknown-key', 'the link was signed with a key we no longer hold');
      const expected = Buffer.from(sign(version.signing, parts.slice(0, 5).join('.')));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new TokenError('bad-signature', 'the link is not valid');
      }
      // Only after the signature holds do the payload's fields mean anything.
      if (code !== PURPOSE_CODES[purpose])
        throw new TokenError('wrong-purpose', 'the link is for something else');
      const expiresAt = new Date(parseInt(expiry, 36) * 1000);
      if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) {
        throw new TokenError('expired', 'the link has expired');
      }
      return { subscriberId, instance, purpose, expiresAt, keyId };
    },
  };
}

function linkKeysOf(secrets: string | LinkSecrets | LinkKeys): LinkKeys {
  if (typeof secrets !== 'string' && 'accepted' in secrets) return secrets;
  const given = typeof secrets === 'string' ? { current: secrets } : secrets;
  for (const secret of [given.current, given.previous]) {
    if (secret !== undefined && secret.length < 32)
      throw new Error('token secret must be at least 32 characters');
  }
  return deriveLinkKeys(given);
}
