import { createHmac } from 'node:crypto';
import type { ConsentRecord } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';

/**
 * What a reader agrees to when they subscribe, and the record we keep of it. Each version of the
 * wording stays here for good: a consent record names its version, and a reader's data export
 * shows the very words they agreed to.
 */
export const CONSENT_WORDINGS: Readonly<Record<string, string>> = {
  '2026-11-v1':
    'By subscribing you agree that we email you this weekly digest on the topics you chose. We keep your address, your choices and a record of this consent, nothing else, and never share them. Every email has a one-click unsubscribe link.',
  '2026-11-v2':
    'By subscribing you agree that we email you the weekly Immunotherapy Digest on the topics you choose. We keep your address, your choices and a record of this consent (when you gave it, and a one-way hash of your IP address), nothing else, and we never share them. Every email has a one-click unsubscribe link, and you can download or delete your data at any time.',
};

/** The wording the subscribe page shows now; bump it (and add the text above) when the page's consent text changes. */
export const CONSENT_WORDING_VERSION = '2026-11-v2';

export const CURRENT_CONSENT_WORDING = CONSENT_WORDINGS[CONSENT_WORDING_VERSION]!;

/**
 * A keyed one-way hash of a client IP: evidence of consent and a rate-limit key without storing
 * the address itself. `purpose` separates the uses, so a rate-limit key never equals a consent hash.
 */
export function hashClientIp(key: string, ip: string, purpose: 'consent' | 'rate-limit'): string {
  // The consent hash predates purposes; keep its input unchanged so old records stay comparable.
  const input = purpose === 'consent' ? ip : `${purpose}:${ip}`;
  return createHmac('sha256', key).update(input).digest('base64url');
}

export function consentRecord(
  topics: readonly TopicId[],
  ip: string,
  ipHashKey: string,
  now: Date,
): ConsentRecord {
  return {
    at: now.toISOString(),
    ipHash: hashClientIp(ipHashKey, ip, 'consent'),
    topics,
    wordingVersion: CONSENT_WORDING_VERSION,
  };
}
