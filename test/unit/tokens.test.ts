import { describe, expect, it } from 'vitest';
import { createTokenService } from '../../functions/core/tokens/tokens.ts';
import { deriveAppKeys, keyIdOf } from '../../functions/core/tokens/keys.ts';
import { createSealer } from '../../functions/core/tokens/sealed-values.ts';
import { hashClientIp } from '../../functions/core/subscribers/consent.ts';
import {
  createSubscriberIds,
  isLegacySubscriberId,
  keyedSubscriberId,
  legacySubscriberId,
} from '../../functions/core/subscribers/subscriber-ids.ts';
import { SealedValueError, TokenError } from '../../functions/core/errors.ts';

const SECRET = 'a-test-secret-that-is-long-enough-000';
const NEXT_SECRET = 'the-rotated-secret-that-is-long-enough-1';
const tokens = createTokenService(SECRET);
const now = new Date('2026-11-26T10:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const reader = { subscriberId: 'subscriber-123', instance: 'inst-1' };

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('signed tokens', () => {
  it('round-trips the subscriber and the instance for its purpose, naming the key that signed it', () => {
    const token = tokens.issue('manage', reader, now);

    expect(tokens.verify(token, 'manage', days(1))).toMatchObject({
      ...reader,
      purpose: 'manage',
      keyId: keyIdOf(SECRET),
    });
    expect(token.startsWith(`${keyIdOf(SECRET)}.`)).toBe(true);
  });

  it('expires a confirm link after 7 days but keeps manage and unsubscribe links beyond 60', () => {
    expect(reasonOf(() => tokens.verify(tokens.issue('confirm', reader, now), 'confirm', days(7.01)))).toBe(
      'expired',
    );
    expect(tokens.verify(tokens.issue('manage', reader, now), 'manage', days(61)).subscriberId).toBe(
      'subscriber-123',
    );
    expect(tokens.verify(tokens.issue('unsubscribe', reader, now), 'unsubscribe', days(61)).instance).toBe(
      'inst-1',
    );
  });

  it('refuses a token used for another purpose', () => {
    expect(reasonOf(() => tokens.verify(tokens.issue('manage', reader, now), 'unsubscribe', now))).toBe(
      'wrong-purpose',
    );
  });

  it('gives the web edition of a digest a token of its own, good for a year and for nothing else', () => {
    const view = tokens.issue('view', reader, now);

    expect(tokens.verify(view, 'view', new Date(now.getTime() + 365 * 86_400_000))).toMatchObject(reader);
    for (const purpose of ['confirm', 'manage', 'unsubscribe'] as const) {
      expect(reasonOf(() => tokens.verify(view, purpose, now))).toBe('wrong-purpose');
      expect(reasonOf(() => tokens.verify(tokens.issue(purpose, reader, now), 'view', now))).toBe(
        'wrong-purpose',
      );
    }
  });

  it('refuses a changed subscriber id, instance or signature', () => {
    const token = tokens.issue('unsubscribe', reader, now);
    const [keyId, purpose, , instance, expiry, signature] = token.split('.');

    expect(
      reasonOf(() =>
        tokens.verify(
          [keyId, purpose, 'subscriber-999', instance, expiry, signature].join('.'),
          'unsubscribe',
          now,
        ),
      ),
    ).toBe('bad-signature');
    expect(
      reasonOf(() =>
        tokens.verify(
          [keyId, purpose, 'subscriber-123', 'inst-2', expiry, signature].join('.'),
          'unsubscribe',
          now,
        ),
      ),
    ).toBe('bad-signature');
  });

  it('accepts a token signed with the previous secret after a rotation, and signs new ones with the current', () => {
    const beforeRotation = createTokenService(SECRET).issue('unsubscribe', reader, now);
    const rotated = createTokenService({ current: NEXT_SECRET, previous: SECRET });

    const verified = rotated.verify(beforeRotation, 'unsubscribe', days(30));
    const issued = rotated.issue('unsubscribe', reader, now);

    expect(verified).toMatchObject({ ...reader, keyId: keyIdOf(SECRET) });
    expect(rotated.verify(issued, 'unsubscribe', now).keyId).toBe(keyIdOf(NEXT_SECRET));
  });

  it('refuses a token whose key id it does not hold: another secret, or one rotated out twice', () => {
    const other = createTokenService('another-secret-that-is-long-enough-0').issue(
      'unsubscribe',
      reader,
      now,
    );
    const twoRotationsLater = createTokenService({
      current: 'a-third-secret-that-is-long-enough-22',
      previous: NEXT_SECRET,
    });

    expect(reasonOf(() => tokens.verify(other, 'unsubscribe', now))).toBe('unknown-key');
    expect(reasonOf(() => twoRotationsLater.verify(tokens.issue('manage', reader, now), 'manage', now))).toBe(
      'unknown-key',
    );
  });

  it('refuses a genuine signature moved under another key id', () => {
    const token = tokens.issue('manage', reader, now);
    const rotated = createTokenService({ current: NEXT_SECRET, previous: SECRET });

    const moved = [keyIdOf(NEXT_SECRET), ...token.split('.').slice(1)].join('.');

    expect(reasonOf(() => rotated.verify(moved, 'manage', now))).toBe('bad-signature');
  });

  it.each([
    '',
    'abc',
    'a.b.c',
    'a.b.c.d.e',
    'a.b.c.d.e.f.g',
    'm.subscriber-123.mvf0ab.signature', // the first format: no key id, no instance
    'k.u.x.y.z.<script>',
    'x'.repeat(500),
  ])('calls %j malformed', (token) => {
    expect(reasonOf(() => tokens.verify(token, 'unsubscribe', now))).toBe('malformed');
  });
});

describe('the keys derived from the secrets', () => {
  it('gives CSRF, IP hashing and subscriber ids keys of their own, none of them the secret or a signing key', () => {
    const keys = deriveAppKeys({ current: SECRET }, 'an-identity-secret-that-is-long-enough');
    const all = [keys.csrf, keys.ipHash, keys.subscriberId, keys.links.current.signing.toString('base64url')];

    expect(new Set(all).size).toBe(4);
    expect(all).not.toContain(SECRET);
    expect(hashClientIp(keys.ipHash, '192.0.2.1', 'consent')).not.toBe(
      hashClientIp(SECRET, '192.0.2.1', 'consent'),
    );
  });

  it('keeps subscriber ids when the link secret rotates, as long as the identity secret stays', () => {
    const identity = 'an-identity-secret-that-is-long-enough';
    const before = deriveAppKeys({ current: SECRET }, identity);
    const after = deriveAppKeys({ current: NEXT_SECRET, previous: SECRET }, identity);

    expect(after.subscriberId).toBe(before.subscriberId);
    expect(after.csrf).not.toBe(before.csrf);
  });
});

describe('subscriber ids', () => {
  const ids = createSubscriberIds('a-subscriber-id-key-that-is-long-enough-0');

  it('gives one keyed id per mailbox, however it is spelled, and another under another key', () => {
    const id = ids.idFor('Reader@Example.org ');

    expect(ids.idFor('reader@example.org')).toBe(id);
    expect(id).toHaveLength(43);
    expect(
      createSubscriberIds('another-subscriber-id-key-long-enough-1').idFor('reader@example.org'),
    ).not.toBe(id);
  });

  it('is not the unkeyed hash of the first versions, but can be computed from it (for the migration)', () => {
    const legacy = legacySubscriberId('reader@example.org');

    expect(isLegacySubscriberId(legacy)).toBe(true);
    expect(ids.idFor('reader@example.org')).not.toContain(legacy);
    expect(keyedSubscriberId('a-subscriber-id-key-that-is-long-enough-0', legacy)).toBe(
      ids.idFor('reader@example.org'),
    );
  });
});

describe('sealed values', () => {
  it('opens what it sealed, for the same use only, and after one rotation', () => {
    const sealer = createSealer(SECRET);
    const sealed = sealer.seal('reader@example.org', 'queued-address');

    expect(sealed).not.toContain('reader');
    expect(sealer.open(sealed, 'queued-address')).toBe('reader@example.org');
    expect(() => sealer.open(sealed, 'pending-address')).toThrow(SealedValueError);
    expect(createSealer({ current: NEXT_SECRET, previous: SECRET }).open(sealed, 'queued-address')).toBe(
      'reader@example.org',
    );
    expect(() => createSealer(NEXT_SECRET).open(sealed, 'queued-address')).toThrow(SealedValueError);
    expect(() => sealer.open(`${sealed.slice(0, -2)}AA`, 'queued-address')).toThrow(SealedValueError);
  });
});
