import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Every key the application uses, derived from two secrets with HKDF-SHA256 and a distinct label
 * per use, so no key ever serves two purposes and none is the secret itself:
 *
 * - the **link secret** (TOKEN_SECRET, or the Secrets Manager secret's AWSCURRENT version) signs
 *   links and seals values; it can be rotated: the previous version (TOKEN_SECRET_PREVIOUS, or
 *   AWSPREVIOUS) is still accepted, each recognised by its key id. The CSRF and IP-hash keys are
 *   derived from the current version (a rotation only signs admin forms and rate-limit counters
 *   afresh).
 * - the **identity secret** (IDENTITY_SECRET, or its own Secrets Manager secret) keys the one-way
 *   ids of email addresses. It must never change: an id is all that remains of an erased address
 *   (its suppression entry), and a new key could not recompute it. Hence a secret of its own.
 *
 * docs/privacy.md lists what each key protects; docs/deploying.md gives the rotation steps.
 */

/** One version of the link secret, as HKDF input; at least 32 characters (validated by the config). */
export interface LinkSecrets {
  readonly current: string;
  /** The version before the last rotation: its links and sealed values still open. */
  readonly previous?: string | undefined;
}

/** The keys of one version of the link secret. */
export interface VersionKeys {
  /** Six characters naming the version in every token and sealed value; derived, not secret. */
  readonly keyId: string;
  readonly signing: Buffer;
  readonly sealing: Buffer;
}

export interface LinkKeys {
  /** Signs and seals everything new. */
  readonly current: VersionKeys;
  /** Key id → keys: the current version and, after a rotation, the previous one. */
  readonly accepted: ReadonlyMap<string, VersionKeys>;
}

export interface AppKeys {
  readonly links: LinkKeys;
  /** Keys the CSRF tokens of forms. */
  readonly csrf: string;
  /** Keys the HMAC of client IPs (consent evidence, per-IP rate limits). */
  readonly ipHash: string;
  /** Keys subscriber ids: HMAC of the address (see subscriber-ids.ts). */
  readonly subscriberId: string;
}

const SALT = 'immunotherapy-digest';

/** 32 bytes for one use of one secret: `label` names the use, and no two uses share a label. */
export function deriveKey(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, `immuno-digest:${label}`, 32));
}

/** The key id of a version: a short HMAC of the secret that names it without revealing it. */
export function keyIdOf(secret: string): string {
  return createHmac('sha256', deriveKey(secret, 'key-id')).update('key-id').digest('base64url').slice(0, 6);
}

function versionKeys(secret: string): VersionKeys {
  return {
    keyId: keyIdOf(secret),
    signing: deriveKey(secret, 'link-tokens'),
    sealing: deriveKey(secret, 'sealed-values'),
  };
}

export function deriveLinkKeys(secrets: LinkSecrets): LinkKeys {
  const current = versionKeys(secrets.current);
  const accepted = new Map([[current.keyId, current]]);
  if (secrets.previous !== undefined && secrets.previous !== secrets.current) {
    const previous = versionKeys(secrets.previous);
    // Two versions with one id would make a token's version ambiguous; it never happens by chance.
    if (accepted.has(previous.keyId)) throw new Error('the current and previous link secrets share a key id');
    accepted.set(previous.keyId, previous);
  }
  return { current, accepted };
}

/**
 * All the keys, from the link secrets and the identity secret. Without an identity secret (local
 * runs and tests only: the config requires one in the cloud) it is derived from the current link
 * secret, which is fine for as long as that secret is never rotated.
 */
export function deriveAppKeys(link: LinkSecrets, identitySecret: string | undefined): AppKeys {
  const identity = identitySecret ?? deriveKey(link.current, 'identity-secret').toString('base64url');
  return {
    links: deriveLinkKeys(link),
    csrf: deriveKey(link.current, 'csrf').toString('base64url'),
    ipHash: deriveKey(link.current, 'ip-hash').toString('base64url'),
    subscriberId: deriveKey(identity, 'subscriber-id').toString('base64url'),
  };
}
