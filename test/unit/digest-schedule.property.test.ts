import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstDigestAt,
  isDue,
  nextDigestAt,
  slotStartInWeekOf,
  weeklyDigestId,
} from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot, Subscriber } from '../../functions/model/subscribers.ts';

/**
 * A reader's weeks, simulated: they confirm at a random moment, change their slot (weekday, hour,
 * zone) a few times at random moments, and the planner runs ten minutes past every hour, as
 * deployed, never missing a run. Whatever they do, the schedule keeps its promises: no digest
 * before the first slot after the confirmation or the change, never two in one week, no digest
 * later than the one the pages announced (nextDigestAt), and a week without one only right after
 * a change of slot.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEKS = 6;
/** Starts near clock changes: Europe and the US in spring and autumn, New Zealand in April. */
const STARTS = ['2026-03-02', '2026-03-23', '2026-10-19', '2026-11-30'].map((day) =>
  Date.parse(`${day}T00:00:00Z`),
);
const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Pacific/Auckland',
  'Pacific/Honolulu',
  'Asia/Kolkata',
  'Australia/Lord_Howe', // a half-hour clock change
];

const slotArbitrary: fc.Arbitrary<DeliverySlot> = fc.record({
  weekday: fc.integer({ min: 1, max: 7 }),
  hour: fc.integer({ min: 0, max: 23 }),
  timeZone: fc.constantFrom(...ZONES),
});

const lifeArbitrary = fc.record({
  start: fc.constantFrom(...STARTS),
  slot: slotArbitrary,
  confirmAfterMinutes: fc.integer({ min: 0, max: 7 * 24 * 60 }),
  changes: fc.array(
    fc.record({ afterMinutes: fc.integer({ min: 0, max: 4 * 7 * 24 * 60 }), slot: slotArbitrary }),
    { maxLength: 3 },
  ),
});

interface Digest {
  readonly at: number;
  readonly slot: DeliverySlot;
  /** When the slot it was sent under started counting (confirmation or change). */
  readonly owedFrom: number;
}

/** The first planner run at or after `at`: runs are at ten past every hour. */
const firstRunFrom = (at: number) => {
  const run = Math.floor(at / HOUR_MS) * HOUR_MS + 10 * 60_000;
  return run >= at ? run : run + HOUR_MS;
};

describe('a reader’s weekly schedule over six simulated weeks', () => {
  it('keeps the promises of the first slot, one digest a week and the announced date', () => {
    fc.assert(
      fc.property(lifeArbitrary, (life) => {
        // Prepare
        const confirmedAt = life.start + life.confirmAfterMinutes * 60_000;
        const changes = life.changes
          .map((change) => ({ at: confirmedAt + change.afterMinutes * 60_000, slot: change.slot }))
          .sort((a, b) => a.at - b.at);
        let reader: Subscriber = {
          ...newSubscriber(
            { email: 'sim@example.org', topics: ['car-t'], status: 'confirmed', delivery: life.slot },
            new Date(confirmedAt),
          ),
          consent: {
            at: new Date(confirmedAt).toISOString(),
            ipHash: 'h',
            topics: ['car-t'],
            wordingVersion: 'v1',
          },
        };
        let owedFrom = confirmedAt;
        let promised = nextDigestAt(reader, new Date(confirmedAt))!.getTime();
        const digests: Digest[] = [];
        const end = life.start + WEEKS * 7 * DAY_MS;

        // Act: every planner run; a change takes effect at its moment, before the next run.
        let nextChange = 0;
        for (let run = firstRunFrom(confirmedAt); run < end; run += HOUR_MS) {
          while (nextChange < changes.length && changes[nextChange]!.at <= run) {
            const change = changes[nextChange]!;
            const changedSlot = JSON.stringify(change.slot) !== JSON.stringify(reader.delivery);
            reader = {
              ...reader,
              delivery: change.slot,
              ...(changedSlot ? { scheduleFrom: new Date(change.at).toISOString() } : {}),
            };
            if (changedSlot) owedFrom = change.at;
            promised = nextDigestAt(reader, new Date(change.at))!.getTime();
            nextChange += 1;
          }
          if (!isDue(reader, new Date(run))) continue;
          // Assess, as it happens: the digest comes exactly when it was announced.
          expect(new Date(run)).toEqual(new Date(firstRunFrom(promised)));
          digests.push({ at: run, slot: reader.delivery, owedFrom });
          reader = {
            ...reader,
            lastDigestAt: new Date(run).toISOString(),
            lastDigestId: weeklyDigestId(reader.delivery, new Date(run)),
          };
          promised = nextDigestAt(reader, new Date(run))!.getTime();
        }

        // Assess: a digest nobody announced never came, and an announced one was not missed.
        if (firstRunFrom(promised) < end - HOUR_MS) {
          expect(digests.at(-1)?.at ?? 0).toBeGreaterThanOrEqual(firstRunFrom(promised));
        }
        for (const [index, digest] of digests.entries()) {
          // At the first run after its slot began, and never before the slot started counting.
          const slotStart = slotStartInWeekOf(digest.slot, new Date(digest.at)).getTime();
          expect(digest.at).toBe(firstRunFrom(slotStart));
          expect(digest.at).toBeGreaterThanOrEqual(
            firstDigestAt(digest.slot, new Date(digest.owedFrom)).getTime(),
          );
          const previous = digests[index - 1];
          if (!previous) continue;
          // Never two in one week, in the zone of the later one.
          expect(weeklyDigestId(digest.slot, new Date(digest.at))).not.toBe(
            weeklyDigestId(digest.slot, new Date(previous.at)),
          );
          const gap = digest.at - previous.at;
          const changedBetween = changes.some((change) => change.at > previous.at && change.at <= digest.at);
          if (changedBetween) {
            // A week may pass without one only around a change of slot: a slot chosen just after
            // it passed this week comes next week (announced; that digest covers the whole gap).
            // At most three weeks apart, give or take a day of zone offsets.
            expect(gap).toBeLessThan(22 * DAY_MS);
          } else {
            // The same slot: a week later, give or take a clock change.
            expect(Math.abs(gap - 7 * DAY_MS)).toBeLessThanOrEqual(HOUR_MS);
          }
        }
      }),
      // Each run asks isDue about 1,000 times (every hour of six weeks); 400 runs passed when written.
      { numRuns: 25 },
    );
  }, 60_000);
});
