import { describe, expect, it } from 'vitest';
import {
  hourBucketOf,
  hourBucketsBetween,
  isDue,
  nextSlotAfterChange,
  nextSlotAfterDigest,
  nextSlotInstant,
  REPLAN_AFTER_MS,
  startOfHour,
  weeklyDigestId,
} from '../../functions/core/digest/schedule.ts';
import { readerPages } from '../../functions/core/digest/reader-pages.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot, Subscriber } from '../../functions/model/subscribers.ts';
import { FakePlannerCursor, FakeSubscriberStore, testSubscriberIds } from '../../testkit/fakes.ts';

const reader = (delivery: DeliverySlot, fields: Partial<Subscriber> = {}): Subscriber => ({
  ...newSubscriber(
    { email: `r${Math.random()}@example.org`, topics: ['car-t'], delivery, status: 'confirmed' },
    new Date('2026-11-01T00:00:00Z'),
    testSubscriberIds,
  ),
  ...fields,
});

const paris = (weekday: number, hour: number) => ({ weekday, hour, timeZone: 'Europe/Paris' });
const newYork = (weekday: number, hour: number) => ({ weekday, hour, timeZone: 'America/New_York' });

describe('the next-slot instant', () => {
  it("is this week's slot while it is still to come, in the reader's zone", () => {
    const at = new Date('2026-12-07T05:00:00Z');

    expect(nextSlotInstant(reader(paris(1, 8)), at)?.toISOString()).toBe('2026-12-07T07:00:00.000Z');
  });

  it('is now for a reader owed a slot that has passed: never filed under an hour already read', () => {
    const at = new Date('2026-12-07T09:30:00Z');

    expect(nextSlotInstant(reader(paris(1, 8)), at)?.toISOString()).toBe(at.toISOString());
  });

  it('waits for the replan delay while this week’s digest is planned, not delivered', () => {
    const plannedAt = '2026-12-07T07:05:00.000Z';
    const planned = reader(paris(1, 8), { plannedDigestId: 'weekly-2026-W50', plannedAt });

    expect(nextSlotInstant(planned, new Date('2026-12-07T08:00:00Z'))?.getTime()).toBe(
      Date.parse(plannedAt) + REPLAN_AFTER_MS,
    );
  });

  it('is undefined for a reader who may not be mailed: paused, no topics, not confirmed', () => {
    const at = new Date('2026-12-07T05:00:00Z');

    expect(nextSlotInstant(reader(paris(1, 8), { paused: true }), at)).toBeUndefined();
    expect(nextSlotInstant(reader(paris(1, 8), { topics: [] }), at)).toBeUndefined();
    expect(nextSlotInstant(reader(paris(1, 8), { status: 'unsubscribed' }), at)).toBeUndefined();
  });

  it("moves to next week's slot once this week's digest is delivered or skipped", () => {
    const at = new Date('2026-12-07T07:10:00Z');
    const monday = reader(paris(1, 8), { plannedDigestId: 'weekly-2026-W50', plannedAt: at.toISOString() });

    expect(nextSlotAfterDigest(monday, 'weekly-2026-W50', 'delivered', at)?.toISOString()).toBe(
      '2026-12-14T07:00:00.000Z',
    );
    expect(nextSlotAfterDigest(monday, 'weekly-2026-W50', 'skipped', at)?.toISOString()).toBe(
      '2026-12-14T07:00:00.000Z',
    );
  });

  it('follows a change of zone or a pause, and leaves the index on a pause', () => {
    const at = new Date('2026-12-08T12:00:00Z');
    const delivered = reader(paris(4, 8), {
      lastDigestId: 'weekly-2026-W49',
      lastDigestAt: '2026-12-03T07:05:00Z',
    });

    expect(
      nextSlotAfterChange(
        delivered,
        { delivery: newYork(4, 8), scheduleFrom: at.toISOString() },
        at,
      )?.toISOString(),
    ).toBe('2026-12-10T13:00:00.000Z');
    expect(nextSlotAfterChange(delivered, { paused: true }, at)).toBeNull();
  });

  it('moves with the clocks: the UTC hour of 08:00 in Paris and New York across spring and autumn', () => {
    const after = (slot: DeliverySlot, iso: string) =>
      nextSlotInstant(reader(slot), new Date(iso))?.toISOString();

    expect(after(paris(1, 8), '2027-03-22T00:00:00Z')).toBe('2027-03-22T07:00:00.000Z');
    expect(after(paris(1, 8), '2027-03-29T00:00:00Z')).toBe('2027-03-29T06:00:00.000Z');
    expect(after(paris(7, 2), '2027-03-28T00:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(after(paris(1, 8), '2027-11-01T00:00:00Z')).toBe('2027-11-01T07:00:00.000Z');
    expect(after(newYork(1, 8), '2027-03-08T06:00:00Z')).toBe('2027-03-08T13:00:00.000Z');
    expect(after(newYork(1, 8), '2027-03-15T06:00:00Z')).toBe('2027-03-15T12:00:00.000Z');
    expect(after(newYork(7, 2), '2027-03-14T00:00:00Z')).toBe('2027-03-14T07:00:00.000Z');
    expect(after(newYork(7, 2), '2027-11-07T00:00:00Z')).toBe('2027-11-07T07:00:00.000Z');
  });
});

describe('hour buckets', () => {
  it('names the UTC hour of an instant', () => {
    expect(hourBucketOf(new Date('2026-12-07T08:59:59.999Z'))).toBe('2026-12-07T08');
    expect(startOfHour(new Date('2026-12-07T08:59:59.999Z')).toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('lists every hour from the first instant’s to the last’s, both included', () => {
    expect(hourBucketsBetween(new Date('2026-12-07T07:05:00Z'), new Date('2026-12-07T10:00:00Z'))).toEqual([
      '2026-12-07T07',
      '2026-12-07T08',
      '2026-12-07T09',
      '2026-12-07T10',
    ]);
    expect(hourBucketsBetween(new Date('2026-12-07T07:05:00Z'), new Date('2026-12-07T07:10:00Z'))).toEqual([
      '2026-12-07T07',
    ]);
    expect(hourBucketsBetween(new Date('2026-12-07T08:00:00Z'), new Date('2026-12-07T07:00:00Z'))).toEqual(
      [],
    );
  });
});

describe('the planner’s reader source', () => {
  const setUp = async (readers: Subscriber[]) => {
    const subscribers = new FakeSubscriberStore();
    for (const one of readers) await subscribers.create(one);
    return { subscribers, plannerCursor: new FakePlannerCursor() };
  };
  /** What the planner keeps of the pages: the due readers. */
  const collect = async (pages: AsyncIterable<readonly Subscriber[]>, now: Date, ignoreSlot = false) => {
    const all: Subscriber[] = [];
    for await (const page of pages) all.push(...page.filter((one) => isDue(one, now, { ignoreSlot })));
    return all;
  };

  it('reads the hours since the last completed run, and moves the cursor when the run finishes', async () => {
    const since = { updatedAt: '2026-12-06T00:00:00Z', scheduleFrom: '2026-12-06T00:00:00Z' };
    const early = reader(paris(1, 8), since);
    const late = reader(paris(1, 20), since);
    const deps = await setUp([early, late]);
    const now = new Date('2026-12-07T08:05:00Z');

    const pages = readerPages({}, deps, now);
    const due = await collect(pages, now);
    await pages.finished();

    expect(due.map((one) => one.subscriberId)).toEqual([early.subscriberId]);
    expect(pages.readersRead).toBe(1);
    expect(deps.plannerCursor.completedRunAt).toEqual(now);
  });

  it('files a reader read but not due where they are next due, so no hour forgets them', async () => {
    const delivered = reader(paris(1, 8), {
      updatedAt: '2026-12-06T00:00:00Z',
      lastDigestId: 'weekly-2026-W50',
      lastDigestAt: '2026-12-07T07:05:00Z',
    });
    const deps = await setUp([delivered]);
    deps.subscribers.nextSlots.set(delivered.subscriberId, new Date('2026-12-07T07:00:00Z'));

    const now = new Date('2026-12-07T08:05:00Z');
    const pages = readerPages({}, deps, now);
    const due = await collect(pages, now);

    expect(due).toEqual([]);
    expect(pages.readersRead).toBe(1);
    expect(deps.subscribers.nextSlots.get(delivered.subscriberId)?.toISOString()).toBe(
      '2026-12-14T07:00:00.000Z',
    );
  });

  it('neither moves anyone nor the cursor in a dry run; --once reads every confirmed reader', async () => {
    const monday = reader(paris(1, 8), { updatedAt: '2026-12-06T00:00:00Z' });
    const friday = reader(paris(5, 8), { updatedAt: '2026-12-06T00:00:00Z' });
    const deps = await setUp([monday, friday]);
    const now = new Date('2026-12-07T08:05:00Z');

    const dry = readerPages({ dryRun: true }, deps, now);
    await collect(dry, now);
    await dry.finished();
    const once = readerPages({ ignoreSlot: true }, deps, now);
    const everyone = await collect(once, now, true);
    await once.finished();

    expect(deps.plannerCursor.completedRunAt).toBeUndefined();
    expect(everyone).toHaveLength(2);
    expect(once.readersRead).toBe(2);
  });
});

describe('the next slot after a digest, as the sender asks it for every email', () => {
  it('answers as if computed afresh, whatever came before (its answers are kept per input)', () => {
    // The reference: the reader as the store will hold them after the digest, asked directly.
    const afresh = (subscriber: Subscriber, digestId: string, done: 'delivered' | 'skipped', at: Date) => {
      const { plannedDigestId: _digest, plannedAt: _at, ...unplanned } = subscriber;
      const after: Subscriber =
        done === 'delivered'
          ? { ...unplanned, lastDigestId: digestId, lastDigestAt: at.toISOString() }
          : { ...subscriber, skippedDigestId: digestId, skippedAt: at.toISOString() };
      return nextSlotInstant(after, at)?.toISOString();
    };
    const slots = [
      paris(1, 8),
      paris(7, 2),
      newYork(1, 8),
      newYork(7, 2),
      { weekday: 3, hour: 23, timeZone: 'UTC' },
    ];
    const readers = slots.flatMap((slot) => [
      reader(slot),
      reader(slot, { plannedDigestId: 'weekly-2027-W13', plannedAt: '2027-03-29T06:00:00.000Z' }),
      reader(slot, { paused: true }),
      reader(slot, { scheduleFrom: '2027-03-31T12:00:00.000Z' }),
      reader(slot, { lastDigestId: 'weekly-2027-W12', lastDigestAt: '2027-03-22T07:00:00.000Z' }),
    ]);
    // Hours across a week with a clock change in both zones (Paris 28 March, New York 14 March
    // 2027), asked in an order that moves back and forth between weeks.
    const start = Date.parse('2027-03-21T00:00:00Z');
    const hours = Array.from({ length: 24 * 16 }, (_, hour) => ((hour * 37) % (24 * 16)) * 3_600_000);
    for (const offset of hours) {
      const at = new Date(start + offset);
      for (const subscriber of readers) {
        for (const done of ['delivered', 'skipped'] as const) {
          // Mostly the reader's own week; some hours ask for last week's (a late job).
          const digestId = weeklyDigestId(
            subscriber.delivery,
            new Date(at.getTime() - ((offset / 3_600_000) % 5 === 0 ? 7 : 0) * 86_400_000),
          );
          expect(nextSlotAfterDigest(subscriber, digestId, done, at)?.toISOString()).toBe(
            afresh(subscriber, digestId, done, at),
          );
        }
      }
    }
  });
});
