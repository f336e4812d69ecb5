import { describe, expect, it } from 'vitest';
import { createTokenService } from '../../functions/core/tokens/tokens.ts';
import { TokenError } from '../../functions/core/errors.ts';

const tokens = createTokenService('a-test-secret-that-is-long-enough-000');
const now = new Date('2026-11-26T10:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

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
  it('round-trips the subscriber for its purpose', () => {
    const token = tokens.issue('manage', 'subscriber-123', now);

    expect(tokens.verify(token, 'manage', days(1)).subscriberId).toBe('subscriber-123');
  });

  it('expires a confirm link after 7 days but keeps manage and unsubscribe links beyond 60', () => {
    expect(reasonOf(() => tokens.verify(tokens.issue('confirm', 's', now), 'confirm', days(7.01)))).toBe(
      'expired',
    );
    expect(tokens.verify(tokens.issue('manage', 's', now), 'manage', days(61)).subscriberId).toBe('s');
    expect(tokens.verify(tokens.issue('unsubscribe', 's', now), 'unsubscribe', days(61)).subscriberId).toBe(
      's',
    );
  });

  it('refuses a token used for another purpose', () => {
    expect(reasonOf(() => tokens.verify(tokens.issue('manage', 's', now), 'unsubscribe', now))).toBe(
      'wrong-purpose',
    );
  });

  it('gives the web edition of a digest a token of its own, good for a year and for nothing else', () => {
    const view = tokens.issue('view', 's', now);

    expect(tokens.verify(view, 'view', new Date(now.getTime() + 365 * 86_400_000)).subscriberId).toBe('s');
    for (const purpose of ['confirm', 'manage', 'unsubscribe'] as const) {
      expect(reasonOf(() => tokens.verify(view, purpose, now))).toBe('wrong-purpose');
      expect(reasonOf(() => tokens.verify(tokens.issue(purpose, 's', now), 'view', now))).toBe(
        'wrong-purpose',
      );
    }
  });

  it('refuses a changed subscriber id or signature, and one signed with another secret', () => {
    const token = tokens.issue('unsubscribe', 'subscriber-123', now);
    const [purpose, , expiry, signature] = token.split('.');

    expect(
      reasonOf(() => tokens.verify(`${purpose}.subscriber-999.${expiry}.${signature}`, 'unsubscribe', now)),
    ).toBe('bad-signature');
    expect(
      reasonOf(() =>
        tokens.verify(
          createTokenService('another-secret-that-is-long-enough-0').issue('unsubscribe', 'x', now),
          'unsubscribe',
          now,
        ),
      ),
    ).toBe('bad-signature');
  });

  it.each(['', 'abc', 'a.b.c', 'a.b.c.d.e', 'u.x.y.<script>', 'x'.repeat(500)])(
    'calls %j malformed',
    (token) => {
      expect(reasonOf(() => tokens.verify(token, 'unsubscribe', now))).toBe('malformed');
    },
  );
});
