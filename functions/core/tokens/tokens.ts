import { createHmac, timingSafeEqual } from 'node:crypto';
import { TokenError } from '../errors.ts';

/**
 * Signed links. A token names one subscriber, one purpose and an expiry, signed with
 * HMAC-SHA256; it is useless for any other purpose (a confirm link cannot unsubscribe someone
 * else, an unsubscribe link cannot open the preference centre). Comparison is constant-time.
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

export interface VerifiedToken {
  readonly subscriberId: string;
  readonly purpose: TokenPurpose;
  readonly expiresAt: Date;
}

export interface TokenService {
  issue(purpose: TokenPurpose, subscriberId: string, now: Date): string;
  /** @throws TokenError (malformed, bad-signature, expired, wrong-purpose); never anything else. */
  verify(token: string, purpose: TokenPurpose, now: Date): VerifiedToken;
}

const PURPOSE_CODES: Record<TokenPurpose, string> = {
  confirm: 'c',
  manage: 'm',
  unsubscribe: 'u',
  view: 'v',
};
const MAX_TOKEN_LENGTH = 200;

export function createTokenService(secret: string): TokenService {
  if (secret.length < 32) throw new Error('token secret must be at least 32 characters');
  const sign = (payload: string) => createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url');

  return {
    issue(purpose, subscriberId, now) {
      const expiresAt = Math.floor((now.getTime() + TOKEN_LIFETIME_MS[purpose]) / 1000);
      const payload = `${PURPOSE_CODES[purpose]}.${subscriberId}.${expiresAt.toString(36)}`;
      return `${payload}.${sign(payload)}`;
    },
    verify(token, purpose, now) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw new TokenError('malformed', 'the link is incomplete');
      }
      const parts = token.split('.');
      if (parts.length !== 4 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
        throw new TokenError('malformed', 'the link is incomplete');
      }
      const [code, subscriberId, expiry, signature] = parts as [string, string, string, string];
      const expected = Buffer.from(sign(`${code}.${subscriberId}.${expiry}`));
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
      return { subscriberId, purpose, expiresAt };
    },
  };
}
