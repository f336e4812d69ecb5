import { describe, expect, it } from 'vitest';
import {
  describeDigestTime,
  firstDigestAt,
  firstDigestPromise,
  isDue,
  nextDigestAt,
  weeklyDigestId,
} from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot, Subscriber } from '../../functions/model/subscribers.ts';

const MONDAY_8_PARIS: DeliverySlot = { weekday: 1, hour: 8, timeZone: 'Europe/Paris' };

/** A reader who confirmed at `confirmedAt` (their consent record says when). */
function confirmedReader(
  delivery: DeliverySlot,
  confirmedAt: string,
  more: Partial<Subscriber> = {},
): Subscriber {
  return {
    ...newSubscriber(
      { email: 'reader@example.org', topics: ['car-t'], status: 'confirmed', delivery },
      new Date(confirmedAt),
    ),
    consent: { at: confirmedAt, ipHash: 'h', topics: ['car-t'], wordingVersion: 'v1' },
    ...more,
  };
}

/** The reader after a digest went at `at` (what recordDelivery leaves). */
function delivered(reader: Subscriber, at: string): Subscriber {
  return { ...reader, lastDigestAt: at, lastDigestId: weeklyDigestId(reader.delivery, new Date(at)) };
}

const dueAt = (reader: Subscriber, at: string) => isDue(reader, new Date(at));

describe('the first digest', () => {
  // Issue 14, finding 2: confirmed on a Friday with the default Monday 08:00, the reader got their
  // digest that Friday at 13:00. This week's Monday slot had passed before they confirmed, and
  // was caught up as if an outage had missed it.
  it('comes at the first chosen slot after confirmation, not at once (finding 2)', () => {
    // Friday 4 December 2026, 12:30 in Paris (11:30 UTC).
    const reader = confirmedReader(MONDAY_8_PARIS, '2026-12-04T11:30:00.000Z');

    expect(dueAt(reader, '2026-12-04T12:00:00Z')).toBe(false); // Friday 13:00 Paris
    expect(dueAt(reader, '2026-12-05T09:00:00Z')).toBe(false); // Saturday
    expect(dueAt(reader, '2026-12-06T22:59:00Z')).toBe(false); // Sunday 23:59 Paris
    expect(dueAt(reader, '2026-12-07T06:59:00Z')).toBe(false); // Monday 07:59 Paris
    expect(dueAt(reader, '2026-12-07T07:00:00Z')).toBe(true); // Monday 08:00 Paris
  });

  it('is at the first slot that begins at or after the confirmation', () => {
    const monday8 = new Date('2026-12-07T07:00:00.000Z');

    expect(firstDigestAt(MONDAY_8_PARIS, new Date('2026-12-04T11:30:00Z'))).toEqual(monday8);
    expect(firstDigestAt(MONDAY_8_PARIS, new Date('2026-12-07T06:59:59Z'))).toEqual(monday8);
    expect(firstDigestAt(MONDAY_8_PARIS, monday8)).toEqual(monday8);
    expect(firstDigestAt(MONDAY_8_PARIS, new Date('2026-12-07T07:00:01Z'))).toEqual(
      new Date('2026-12-14T07:00:00.000Z'),
    );
    // Sunday 21:00 in Tokyo, an hour after a Sunday 20:00 slot: the first is a week later.
    expect(
      firstDigestAt({ weekday: 7, hour: 20, timeZone: 'Asia/Tokyo' }, new Date('2026-12-06T12:00:00Z')),
    ).toEqual(new Date('2026-12-13T11:00:00.000Z'));
  });

  it('keeps the reader’s clock hour across a change to summer time', () => {
    // Sunday 8 March 2026 New York springs forward: 13:00 EDT is 17:00 UTC, 02:00 does not exist.
    expect(
      firstDigestAt({ weekday: 7, hour: 13, timeZone: 'America/New_York' }, new Date('2026-03-06T12:00:00Z')),
    ).toEqual(new Date('2026-03-08T17:00:00.000Z'));
    expect(
      firstDigestAt({ weekday: 7, hour: 2, timeZone: 'America/New_York' }, new Date('2026-03-06T12:00:00Z')),
    ).toEqual(new Date('2026-03-08T07:00:00.000Z'));
  });

  it('is named in the reader’s zone, with the zone', () => {
    expect(describeDigestTime(new Date('2026-12-07T07:00:00Z'), 'Europe/Paris')).toBe(
      'Monday 7 December at 08:00 (Europe/Paris)',
    );
    expect(describeDigestTime(new Date('2026-12-07T07:00:00Z'), 'America/New_York')).toBe(
      'Monday 7 December at 02:00 (America/New York)',
    );
  });

  it('is promised in the confirmation email, for a reader who confirms in time', () => {
    expect(firstDigestPromise(MONDAY_8_PARIS, new Date('2026-12-04T11:30:00Z'))).toBe(
      'Your first digest arrives on Monday 7 December at 08:00 (Europe/Paris) if you confirm before then, ' +
        'and every Monday at 08:00 after that.',
    );
  });

  it('is what nextDigestAt promises after confirming', () => {
    const reader = confirmedReader(MONDAY_8_PARIS, '2026-12-04T11:30:00.000Z');

    expect(nextDigestAt(reader, new Date('2026-12-04T11:30:00Z'))).toEqual(
      new Date('2026-12-07T07:00:00.000Z'),
    );
    expect(nextDigestAt({ ...reader, paused: true }, new Date('2026-12-04T11:30:00Z'))).toBeUndefined();
    expect(nextDigestAt({ ...reader, status: 'pending' }, new Date('2026-12-04T11:30:00Z'))).toBeUndefined();
  });
});

describe('catching up', () => {
  it('still catches up a slot missed after confirmation, later that week', () => {
    const reader = confirmedReader(MONDAY_8_PARIS, '2026-12-04T11:30:00.000Z');

    // The planner was down from Monday 08:00 until Wednesday.
    expect(dueAt(reader, '2026-12-09T10:00:00Z')).toBe(true);
    expect(nextDigestAt(reader, new Date('2026-12-09T10:00:00Z'))).toEqual(
      new Date('2026-12-07T07:00:00.000Z'),
    );
    expect(dueAt(delivered(reader, '2026-12-09T10:00:00Z'), '2026-12-09T11:00:00Z')).toBe(false);
  });

  it('treats a reader with no record of confirmation (a seeded demo reader) as owed every slot', () => {
    const seeded = newSubscriber(
      { email: 'demo@example.org', topics: ['car-t'], status: 'confirmed', delivery: MONDAY_8_PARIS },
      new Date('2026-12-04T11:30:00Z'),
    );

    expect(dueAt(seeded, '2026-12-04T12:00:00Z')).toBe(true);
  });
});

describe('changing the slot', () => {
  // Readers who confirmed long ago, with a Monday 08:00 (Paris) digest that went on 30 November.
  const longAgo = confirmedReader(MONDAY_8_PARIS, '2026-10-01T10:00:00.000Z');
  const afterMonday = delivered(longAgo, '2026-11-30T07:10:00.000Z');
  const change = (reader: Subscriber, delivery: DeliverySlot, at: string): Subscriber => ({
    ...reader,
    delivery,
    scheduleFrom: at,
  });

  it('never gives a second digest in a week whose digest already went', () => {
    // Tuesday: Monday's digest went; the reader moves to Friday 18:00.
    const friday = change(
      afterMonday,
      { weekday: 5, hour: 18, timeZone: 'Europe/Paris' },
      '2026-12-01T09:00:00.000Z',
    );

    expect(dueAt(friday, '2026-12-04T17:10:00Z')).toBe(false); // this Friday: this week's went Monday
    expect(nextDigestAt(friday, new Date('2026-12-01T09:00:00Z'))).toEqual(
      new Date('2026-12-11T17:00:00.000Z'),
    );
    expect(dueAt(friday, '2026-12-11T17:10:00Z')).toBe(true);
  });

  it('waits for the new slot rather than sending at once when the new slot has passed this week', () => {
    // A Friday reader who got last week's digest on Friday 27 November moves, on Wednesday
    // 2 December, to Monday 08:00: this week's Monday passed before the change.
    const fridayReader = delivered(
      confirmedReader({ weekday: 5, hour: 18, timeZone: 'Europe/Paris' }, '2026-10-01T10:00:00.000Z'),
      '2026-11-27T17:10:00.000Z',
    );
    const monday = change(fridayReader, MONDAY_8_PARIS, '2026-12-02T10:00:00.000Z');

    expect(dueAt(monday, '2026-12-02T10:10:00Z')).toBe(false);
    expect(dueAt(monday, '2026-12-06T22:10:00Z')).toBe(false);
    // The page says so (not silent), and that digest covers everything since 27 November.
    expect(nextDigestAt(monday, new Date('2026-12-02T10:00:00Z'))).toEqual(
      new Date('2026-12-07T07:00:00.000Z'),
    );
    expect(dueAt(monday, '2026-12-07T07:10:00Z')).toBe(true);
  });

  it('sends at the new slot this week when it is still ahead and this week’s digest has not gone', () => {
    const fridayReader = delivered(
      confirmedReader({ weekday: 5, hour: 18, timeZone: 'Europe/Paris' }, '2026-10-01T10:00:00.000Z'),
      '2026-11-27T17:10:00.000Z',
    );
    const thursday = change(
      fridayReader,
      { weekday: 4, hour: 7, timeZone: 'Europe/Paris' },
      '2026-12-01T10:00:00.000Z',
    );

    expect(dueAt(thursday, '2026-12-03T05:59:00Z')).toBe(false);
    expect(dueAt(thursday, '2026-12-03T06:10:00Z')).toBe(true);
  });

  it('moving the slot to a zone already in the next week does not give a second digest hours later', () => {
    // A reader in Honolulu got their Sunday 20:00 digest (Monday 06:00 UTC, already Monday 19:00
    // in Auckland, the next ISO week there). Half an hour later they move to Auckland, Monday 20:00.
    const honolulu = delivered(
      confirmedReader({ weekday: 7, hour: 20, timeZone: 'Pacific/Honolulu' }, '2026-10-01T10:00:00.000Z'),
      '2026-12-07T06:10:00.000Z',
    );
    const auckland = change(
      honolulu,
      { weekday: 1, hour: 20, timeZone: 'Pacific/Auckland' },
      '2026-12-07T06:40:00.000Z',
    );

    expect(dueAt(auckland, '2026-12-07T07:10:00Z')).toBe(false); // Monday 20:10 in Auckland
    expect(nextDigestAt(auckland, new Date('2026-12-07T06:40:00Z'))).toEqual(
      new Date('2026-12-14T07:00:00.000Z'),
    );
    expect(dueAt(auckland, '2026-12-14T07:10:00Z')).toBe(true);
  });

  it('counts a resume from the moment of resuming, like a new slot', () => {
    const resumed = { ...afterMonday, scheduleFrom: '2026-12-08T12:00:00.000Z' };

    // Monday 7 December passed while paused: not caught up on the Tuesday of the resume.
    expect(dueAt(resumed, '2026-12-08T12:10:00Z')).toBe(false);
    expect(nextDigestAt(resumed, new Date('2026-12-08T12:00:00Z'))).toEqual(
      new Date('2026-12-14T07:00:00.000Z'),
    );
  });
});
