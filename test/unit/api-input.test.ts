import { describe, expect, it } from 'vitest';
import {
  fieldErrorsOf,
  parseManageLinkRequest,
  parsePreferences,
  parseSubscribe,
} from '../../functions/api/input.ts';
import { ValidationError } from '../../functions/core/errors.ts';

function problemsOf(run: () => unknown): Record<string, string | undefined> {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return fieldErrorsOf(error);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('reading a subscription request', () => {
  it('takes form strings and JSON numbers alike, and orders the topics', () => {
    const fromForm = parseSubscribe({
      email: ' Reader@Example.org ',
      topics: ['melanoma', 'car-t', 'melanoma'],
      weekday: '3',
      hour: '7',
      timezone: 'Europe/Lisbon',
    });
    const fromJson = parseSubscribe({
      email: 'Reader@Example.org',
      topics: ['melanoma', 'car-t'],
      weekday: 3,
      hour: 7,
      timezone: 'Europe/Lisbon',
    });

    expect(fromForm).toEqual({
      email: 'Reader@Example.org',
      topics: ['car-t', 'melanoma'],
      delivery: { weekday: 3, hour: 7, timeZone: 'Europe/Lisbon' },
    });
    expect(fromJson).toEqual(fromForm);
  });

  it('defaults the delivery slot to Monday 08:00 UTC', () => {
    expect(parseSubscribe({ email: 'a@example.org', topics: ['access'] }).delivery).toEqual({
      weekday: 1,
      hour: 8,
      timeZone: 'UTC',
    });
  });

  it('names every field that is wrong, in words a reader understands', () => {
    expect(
      problemsOf(() =>
        parseSubscribe({
          email: 'not an address',
          topics: ['car-t', 'astrology'],
          weekday: '8',
          hour: '7.5',
        }),
      ),
    ).toEqual({
      email: 'enter a valid email address, like name@example.org',
      topics: 'is not one of our topics',
      weekday: 'must be 1 to 7',
      hour: 'must be a whole number',
    });
    expect(problemsOf(() => parseSubscribe({}))).toEqual({
      email: 'is required',
      topics: 'choose at least one topic',
    });
  });

  it.each([
    ['a zone that does not exist', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['an empty topic list', { topics: [] }, 'topics'],
    ['topics that are not a list', { topics: 'car-t' }, 'topics'],
    ['a null hour', { hour: null }, 'hour'],
    ['a negative weekday', { weekday: -1 }, 'weekday'],
  ])('refuses %s', (_case, change, field) => {
    const problems = problemsOf(() =>
      parseSubscribe({ email: 'a@example.org', topics: ['access'], ...change }),
    );

    expect(Object.keys(problems)).toEqual([field]);
  });
});

describe('reading a preferences change', () => {
  it('keeps the current slot for the fields a client leaves out', () => {
    const current = { weekday: 5, hour: 18, timeZone: 'Asia/Tokyo' };

    expect(parsePreferences({ topics: ['vaccines'], hour: 6 }, current)).toEqual({
      topics: ['vaccines'],
      delivery: { weekday: 5, hour: 6, timeZone: 'Asia/Tokyo' },
    });
  });
});

describe('reading a country', () => {
  const subscribe = { email: 'reader@example.org', topics: ['access'] };

  it('keeps the ISO code only, in capitals, and nothing for "prefer not to say"', () => {
    expect(parseSubscribe({ ...subscribe, country: 'fr' }).country).toBe('FR');
    expect(parseSubscribe({ ...subscribe, country: '' })).not.toHaveProperty('country');
    expect(parseSubscribe(subscribe)).not.toHaveProperty('country');
  });

  it('refuses a code that is not a country, in words a reader understands', () => {
    for (const country of ['ZZ', 'France', 'F', 42]) {
      expect(problemsOf(() => parseSubscribe({ ...subscribe, country }))).toEqual({
        country: 'is not a country we know: choose one from the list',
      });
    }
  });

  it('tells a change of country from forgetting it and from leaving it as it is', () => {
    const slot = { weekday: 1, hour: 8, timeZone: 'UTC' };

    expect(parsePreferences({ topics: ['access'], country: 'DE' }, slot).country).toBe('DE');
    expect(parsePreferences({ topics: ['access'], country: '' }, slot).country).toBeNull();
    expect(parsePreferences({ topics: ['access'] }, slot).country).toBeUndefined();
  });
});

describe('reading a manage-link request', () => {
  it('needs only a valid address', () => {
    expect(parseManageLinkRequest({ email: 'a@example.org', other: 'ignored' })).toEqual({
      email: 'a@example.org',
    });
    expect(problemsOf(() => parseManageLinkRequest({ email: 'x'.repeat(250) + '@example.org' }))).toEqual({
      email: 'email address is too long',
    });
  });
});

describe('reading the time zone of a request', () => {
  it.each(['UTC-99', 'system', 'local', 'Etc/GMT+5', 'Mars/Olympus_Mons', 5])(
    'refuses %j, naming the field',
    (timezone) => {
      const problems = problemsOf(() =>
        parseSubscribe({ email: 'a@example.org', topics: ['access'], timezone }),
      );

      expect(problems).toEqual({ timezone: expect.stringContaining('is not a time zone we know') });
    },
  );

  it('accepts an older name from an old form or client and keeps the current one', () => {
    expect(
      parseSubscribe({ email: 'a@example.org', topics: ['access'], timezone: 'Europe/Kiev' }).delivery
        .timeZone,
    ).toBe('Europe/Kyiv');
    expect(
      parsePreferences({ topics: ['access'], timezone: 'Asia/Calcutta' }, DEFAULT_SLOT).delivery.timeZone,
    ).toBe('Asia/Kolkata');
  });

  it('keeps a saved zone the change leaves out: under its current name, or as it was when it has none', () => {
    const kiev = { weekday: 2, hour: 9, timeZone: 'Europe/Kiev' };
    const system = { weekday: 2, hour: 9, timeZone: 'system' };

    expect(parsePreferences({ topics: ['access'] }, kiev).delivery).toEqual({
      ...kiev,
      timeZone: 'Europe/Kyiv',
    });
    expect(parsePreferences({ topics: ['access'] }, system).delivery).toEqual(system);
    expect(problemsOf(() => parsePreferences({ topics: ['access'], timezone: 'system' }, system))).toEqual({
      timezone: expect.stringContaining('is not a time zone we know'),
    });
  });
});

const DEFAULT_SLOT = { weekday: 1, hour: 8, timeZone: 'UTC' };
