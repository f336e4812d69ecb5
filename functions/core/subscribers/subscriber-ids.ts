import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Who a subscriber is, as an id: an HMAC of the normalised address under the identity key. One
 * item per address with a single conditional put and no e-mail index; after erasure the id is all
 * that remains (the suppression entry). Because it is keyed, a forwarded link or a log line
 * cannot be tested against a guessed address by anyone without the key.
 *
 * The HMAC is taken over the former, unkeyed id (a SHA-256 of the address), so that data written
 * before ids were keyed converts without the address: a suppression entry holds nothing else
 * (`immuno-digest migrate subscriber-ids`).
 */

export interface SubscriberIds {
  /** The id of an address (normalised here: any spelling of one mailbox gives one id). */
  idFor(email: string): string;
  /** The keyed id of an address known only by its unkeyed id (the migration's suppression entries). */
  fromLegacyId(legacyId: string): string;
}

/** Trims and lower-cases an address; mailbox case is never meaningful in practice, and duplicates are. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** The unkeyed id of the first versions (32 characters). Only the migration and its tests use it. */
export function legacySubscriberId(email: string): string {
  return createHash('sha256')
    .update(`immuno-digest:subscriber:${normaliseEmail(email)}`)
    .digest('base64url')
    .slice(0, 32);
}

/** An unkeyed id turned keyed (43 characters): what `idFor` gives for the same address. */
export function keyedSubscriberId(key: string, legacyId: string): string {
  return createHmac('sha256', key).update(`subscriber-id.${legacyId}`).digest('base64url');
}

/** Ids written before they were keyed are 32 characters; keyed ones are 43. */
export function isLegacySubscriberId(id: string): boolean {
  return id.length === 32;
}

export function createSubscriberIds(key: string): SubscriberIds {
  if (key.length < 32) throw new Error('the subscriber-id key must be at least 32 characters');
  return {
    idFor: (email) => keyedSubscriberId(key, legacySubscriberId(email)),
    fromLegacyId: (legacyId) => keyedSubscriberId(key, legacyId),
  };
}

/** A fresh subscription instance: 72 random bits, base64url. */
export function newInstance(): string {
  return randomBytes(9).toString('base64url');
}
