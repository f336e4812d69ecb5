import type { SQSEvent } from 'aws-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { handleSendBatch } from '../../functions/app/jobs.ts';
import { planDigest, type PlanSummary } from '../../functions/core/digest/plan-digest.ts';
import { updatePreferences } from '../../functions/core/subscribers/lifecycle.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliverySlot, Subscriber } from '../../functions/model/subscribers.ts';
import { aCandidate, ArrayQueue, ManualClock } from '../../testkit/fakes.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * The hourly planner reads the next-slot index (the hours since its last completed run), not the
 * whole list: readers who change their zone or slot mid-week are planned exactly once that week,
 * an outage is caught up reading only the hours it missed, and clock changes move the instants.
 * Every run here is the real planner on dynalite; the digests go through the real sender.
 */

const HOUR = 3_600_000;
const PLAN_OPTIONS = { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50 };

interface Simulation {
  readonly world: TestWorld;
  readonly clock: ManualClock;
  /** Every run's summary, oldest first. */
  readonly runs: PlanSummary[];
  /** subscriberId → the instants (ISO) at which a run planned them. */
  readonly plannedAt: Map<string, string[]>;
}

let worlds: TestWorld[] = [];
afterEach(() => {
  for (const world of worlds) world.stop();
  worlds = [];
});

async function simulation(start: string, articlesFrom: string): Promise<Simulation> {
  const clock = new ManualClock(new Date(start));
  const world = await createTestWorld({ clock });
  worlds.push(world);
  // Articles every day of the weeks simulated, so no reader is skipped for want of news.
  for (let day = 0; day < 28; day += 1) {
    const firstSeen = new Date(Date.parse(articlesFrom) + day * 86_400_000);
    await world.context.articles.upsert(
      aCandidate({
        url: `https://research.example.org/${firstSeen.toISOString().slice(0, 10)}/car-t`,
        publishedAt: new Date(firstSeen.getTime() - HOUR).toISOString(),
        topics: { 'car-t': 6 },
      }),
      firstSeen,
    );
  }
  return { world, clock, runs: [], plannedAt: new Map() };
}

async function addReader(sim: Simulation, local: string, delivery: DeliverySlot): Promise<Subscriber> {
  // Confirmed now: owed the slots from now on, as a reader who has just confirmed.
  const subscriber = {
    ...newSubscriber(
      { email: sim.world.email(local), topics: ['car-t'], delivery, status: 'confirmed' },
      sim.clock.now(),
      sim.world.context.subscriberIds,
    ),
    scheduleFrom: sim.clock.now().toISOString(),
  };
  expect(await sim.world.context.subscribers.create(subscriber)).toBe(true);
  return subscriber;
}

/** One hourly run at the clock's time: the real planner, then the real sender on its jobs. */
async function runPlanner(sim: Simulation): Promise<PlanSummary> {
  const queue = new ArrayQueue();
  const summary = await planDigest(PLAN_OPTIONS, { ...sim.world.context, queue });
  sim.runs.push(summary);
  for (const job of queue.digestJobs) {
    for (const recipient of job.recipients) {
      const times = sim.plannedAt.get(recipient.subscriberId) ?? [];
      times.push(sim.clock.now().toISOString());
      sim.plannedAt.set(recipient.subscriberId, times);
    }
  }
  if (queue.jobs.length > 0) {
    const event = {
      Records: queue.jobs.map((job, index) => ({
        messageId: `m-${Date.now()}-${index}`,
        body: JSON.stringify(job),
        attributes: { ApproximateReceiveCount: '1' },
      })),
    } as unknown as SQSEvent;
    const report = await handleSendBatch(sim.world.context, event);
    expect(report.failed).toBe(0);
  }
  return summary;
}

/** Hourly runs, five minutes past each hour, from `from` to `to` (both included). */
async function hourly(sim: Simulation, from: string, to: string, at?: Map<string, () => Promise<void>>) {
  for (let hour = Date.parse(from); hour <= Date.parse(to); hour += HOUR) {
    sim.clock.set(new Date(hour + 5 * 60_000).toISOString());
    await at?.get(new Date(hour).toISOString())?.();
    await runPlanner(sim);
  }
}

async function indexOf(sim: Simulation, subscriberId: string) {
  const { Item } = await sim.world.context.clients.documents.send(
    new GetCommand({ TableName: sim.world.context.config.tables.subscribers, Key: { subscriberId } }),
  );
  return { nextSlotAt: Item?.nextSlotAt as string | undefined, dueHour: Item?.dueHour as string | undefined };
}

async function changeSlot(sim: Simulation, reader: Subscriber, delivery: DeliverySlot) {
  const changed = await updatePreferences(
    { subscriberId: reader.subscriberId, instance: reader.instance },
    { topics: reader.topics, delivery },
    sim.world.context,
  );
  expect(changed?.delivery).toEqual(delivery);
}

describe('the next-slot index on the stand-ins', () => {
  it('plans a reader who changes zone or slot mid-week exactly once that week, in both directions', async () => {
    // Prepare: ISO week 50 of 2026 runs Monday 7 to Sunday 13 December (UTC).
    const sim = await simulation('2026-12-06T12:00:00Z', '2026-11-30T06:00:00Z');
    const tokyoThenLa = await addReader(sim, 'tokyo-then-la', {
      weekday: 4,
      hour: 8,
      timeZone: 'Asia/Tokyo',
    });
    const laThenTokyo = await addReader(sim, 'la-then-tokyo', {
      weekday: 4,
      hour: 8,
      timeZone: 'America/Los_Angeles',
    });
    const mondayThenFriday = await addReader(sim, 'monday-then-friday', {
      weekday: 1,
      hour: 8,
      timeZone: 'UTC',
    });
    const fridayThenWednesday = await addReader(sim, 'friday-then-wednesday', {
      weekday: 5,
      hour: 8,
      timeZone: 'UTC',
    });
    const changes = new Map<string, () => Promise<void>>([
      // After their Tokyo digest (Wed 23:00 UTC), to a zone whose Thursday 08:00 is still to come.
      [
        '2026-12-10T10:00:00.000Z',
        () => changeSlot(sim, tokyoThenLa, { ...tokyoThenLa.delivery, timeZone: 'America/Los_Angeles' }),
      ],
      // Before their Los Angeles slot (Thu 16:00 UTC), to Tokyo, whose Thursday 08:00 comes first.
      [
        '2026-12-09T12:00:00.000Z',
        () => changeSlot(sim, laThenTokyo, { ...laThenTokyo.delivery, timeZone: 'Asia/Tokyo' }),
      ],
      // After Monday's digest, to Friday; before Friday's slot, to Wednesday.
      [
        '2026-12-08T09:00:00.000Z',
        () => changeSlot(sim, mondayThenFriday, { ...mondayThenFriday.delivery, weekday: 5 }),
      ],
      [
        '2026-12-08T10:00:00.000Z',
        () => changeSlot(sim, fridayThenWednesday, { ...fridayThenWednesday.delivery, weekday: 3 }),
      ],
    ]);

    // Act: every hour of the week, as the cloud's schedule runs it.
    await hourly(sim, '2026-12-07T00:00:00Z', '2026-12-13T23:00:00Z', changes);

    // Assess: each reader planned once, at the slot they held when it came.
    expect(sim.plannedAt.get(tokyoThenLa.subscriberId)).toEqual(['2026-12-09T23:05:00.000Z']);
    expect(sim.plannedAt.get(laThenTokyo.subscriberId)).toEqual(['2026-12-09T23:05:00.000Z']);
    expect(sim.plannedAt.get(mondayThenFriday.subscriberId)).toEqual(['2026-12-07T08:05:00.000Z']);
    expect(sim.plannedAt.get(fridayThenWednesday.subscriberId)).toEqual(['2026-12-09T08:05:00.000Z']);
    // Each now waits in the index for next week's slot, in their current zone.
    expect((await indexOf(sim, tokyoThenLa.subscriberId)).nextSlotAt).toBe('2026-12-17T16:00:00.000Z');
    expect((await indexOf(sim, laThenTokyo.subscriberId)).nextSlotAt).toBe('2026-12-16T23:00:00.000Z');
    expect((await indexOf(sim, mondayThenFriday.subscriberId)).nextSlotAt).toBe('2026-12-18T08:00:00.000Z');
    expect((await indexOf(sim, fridayThenWednesday.subscriberId)).nextSlotAt).toBe(
      '2026-12-16T08:00:00.000Z',
    );
    // An hourly run reads the readers whose hour came, not the list: four readers, four reads.
    expect(sim.runs.reduce((total, run) => total + run.planned, 0)).toBe(4);
    expect(sim.runs.reduce((total, run) => total + run.readersRead, 0)).toBe(4);
  }, 120_000);

  it('catches up an outage of five hours: each reader due in it is planned once, reading only them', async () => {
    // Prepare: readers at 08:00 … 12:00 UTC on Monday, one at 15:00; a run completes at 07:05.
    const sim = await simulation('2026-12-06T12:00:00Z', '2026-11-30T06:00:00Z');
    const inTheOutage = [];
    for (const hour of [8, 9, 10, 11, 12]) {
      inTheOutage.push(await addReader(sim, `at-${hour}`, { weekday: 1, hour, timeZone: 'UTC' }));
    }
    const later = await addReader(sim, 'at-15', { weekday: 1, hour: 15, timeZone: 'UTC' });
    sim.clock.set('2026-12-07T07:05:00Z');
    const before = await runPlanner(sim);

    // Act: no run at 08:05 … 12:05 (the outage); the 13:05 run, then the 14:05 run.
    sim.clock.set('2026-12-07T13:05:00Z');
    const catchUp = await runPlanner(sim);
    sim.clock.set('2026-12-07T14:05:00Z');
    const after = await runPlanner(sim);

    // Assess
    expect(before.due).toBe(0);
    expect(catchUp).toMatchObject({ due: 5, planned: 5, readersRead: 5 });
    expect([...sim.plannedAt.keys()].sort()).toEqual(inTheOutage.map((reader) => reader.subscriberId).sort());
    expect([...sim.plannedAt.values()].every((times) => times.length === 1)).toBe(true);
    expect(after).toMatchObject({ due: 0, readersRead: 0 });
    expect(sim.plannedAt.has(later.subscriberId)).toBe(false);
    sim.clock.set('2026-12-07T15:05:00Z');
    expect(await runPlanner(sim)).toMatchObject({ due: 1, planned: 1, readersRead: 1 });
  }, 60_000);

  it('moves the instant when the clocks spring forward, in Paris and New York', async () => {
    // Prepare: a 08:00 Monday slot and a 02:00 slot on the day the clocks change, in each zone.
    // Paris springs forward on Sunday 28 March 2027 (02:00 → 03:00), New York on 14 March.
    const sim = await simulation('2027-03-06T12:00:00Z', '2027-03-01T06:00:00Z');
    const parisMonday = await addReader(sim, 'paris-monday', {
      weekday: 1,
      hour: 8,
      timeZone: 'Europe/Paris',
    });
    const parisSunday = await addReader(sim, 'paris-sunday', {
      weekday: 7,
      hour: 2,
      timeZone: 'Europe/Paris',
    });
    const newYorkMonday = await addReader(sim, 'ny-monday', {
      weekday: 1,
      hour: 8,
      timeZone: 'America/New_York',
    });
    const newYorkSunday = await addReader(sim, 'ny-sunday', {
      weekday: 7,
      hour: 2,
      timeZone: 'America/New_York',
    });

    // Act and assess, one change at a time: a run just before the instant plans nobody of them,
    // the run of its hour plans them, and their next instant is next week's in local time.
    const expectPlannedAt = async (reader: Subscriber, hour: string, next: string) => {
      sim.clock.set(new Date(Date.parse(hour) - 30 * 60_000).toISOString());
      await runPlanner(sim);
      expect(sim.plannedAt.has(reader.subscriberId)).toBe(false);
      sim.clock.set(new Date(Date.parse(hour) + 5 * 60_000).toISOString());
      await runPlanner(sim);
      expect(sim.plannedAt.get(reader.subscriberId)).toHaveLength(1);
      const index = await indexOf(sim, reader.subscriberId);
      expect(index.nextSlotAt).toBe(next);
      expect(index.dueHour).toMatch(new RegExp(`^${next.slice(0, 13)}#[0-7]$`));
      sim.plannedAt.delete(reader.subscriberId);
    };
    // New York, Sunday 7 March 02:00 EST (07:00 UTC); on 14 March 02:00 does not exist: 03:00 EDT.
    await expectPlannedAt(newYorkSunday, '2027-03-07T07:00:00Z', '2027-03-14T07:00:00.000Z');
    // Monday 8 March 08:00 EST (13:00 UTC); after the change 08:00 EDT is 12:00 UTC.
    await expectPlannedAt(newYorkMonday, '2027-03-08T13:00:00Z', '2027-03-15T12:00:00.000Z');
    await expectPlannedAt(newYorkSunday, '2027-03-14T07:00:00Z', '2027-03-21T06:00:00.000Z');
    await expectPlannedAt(newYorkMonday, '2027-03-15T12:00:00Z', '2027-03-22T12:00:00.000Z');
    // Paris, Monday 22 March 08:00 CET (07:00 UTC) → Monday 29 March 08:00 CEST (06:00 UTC).
    for (const reader of [parisMonday, parisSunday]) sim.plannedAt.delete(reader.subscriberId);
    await expectPlannedAt(parisSunday, '2027-03-21T01:00:00Z', '2027-03-28T01:00:00.000Z');
    await expectPlannedAt(parisMonday, '2027-03-22T07:00:00Z', '2027-03-29T06:00:00.000Z');
    // Sunday 28 March 02:00 does not exist in Paris: the slot begins as the clock jumps (03:00 CEST).
    await expectPlannedAt(parisSunday, '2027-03-28T01:00:00Z', '2027-04-04T00:00:00.000Z');
    await expectPlannedAt(parisMonday, '2027-03-29T06:00:00Z', '2027-04-05T06:00:00.000Z');
  }, 120_000);

  it('moves the instant back when the clocks fall back', async () => {
    // Prepare: Paris falls back on Sunday 31 October 2027 (03:00 → 02:00), New York on 7 November.
    const sim = await simulation('2027-10-24T12:00:00Z', '2027-10-18T06:00:00Z');
    const parisMonday = await addReader(sim, 'paris-monday', {
      weekday: 1,
      hour: 8,
      timeZone: 'Europe/Paris',
    });
    const newYorkMonday = await addReader(sim, 'ny-monday', {
      weekday: 1,
      hour: 8,
      timeZone: 'America/New_York',
    });
    const newYorkSunday = await addReader(sim, 'ny-sunday', {
      weekday: 7,
      hour: 2,
      timeZone: 'America/New_York',
    });

    // Act: the runs of each reader's hours, a week apart across the change.
    const runAt = async (iso: string) => {
      sim.clock.set(iso);
      await runPlanner(sim);
    };
    await runAt('2027-10-25T06:05:00Z'); // Paris Monday 08:00 CEST
    await runAt('2027-10-25T12:05:00Z'); // New York Monday 08:00 EDT
    const parisAfterFirst = await indexOf(sim, parisMonday.subscriberId);
    await runAt('2027-10-31T06:05:00Z'); // New York Sunday 02:00 EDT
    await runAt('2027-11-01T07:05:00Z'); // Paris Monday 08:00 CET
    await runAt('2027-11-01T12:05:00Z'); // New York Monday 08:00 EDT (before its change)
    const newYorkSundayBefore = await indexOf(sim, newYorkSunday.subscriberId);
    await runAt('2027-11-07T07:05:00Z'); // New York Sunday 02:00 EST, the day of the change
    await runAt('2027-11-08T07:05:00Z'); // Paris Monday 08:00 CET
    await runAt('2027-11-08T13:05:00Z'); // New York Monday 08:00 EST

    // Assess
    expect(parisAfterFirst.nextSlotAt).toBe('2027-11-01T07:00:00.000Z');
    expect(newYorkSundayBefore.nextSlotAt).toBe('2027-11-07T07:00:00.000Z');
    expect(sim.plannedAt.get(parisMonday.subscriberId)).toEqual([
      '2027-10-25T06:05:00.000Z',
      '2027-11-01T07:05:00.000Z',
      '2027-11-08T07:05:00.000Z',
    ]);
    expect(sim.plannedAt.get(newYorkMonday.subscriberId)).toEqual([
      '2027-10-25T12:05:00.000Z',
      '2027-11-01T12:05:00.000Z',
      '2027-11-08T13:05:00.000Z',
    ]);
    expect(sim.plannedAt.get(newYorkSunday.subscriberId)).toEqual([
      '2027-10-31T06:05:00.000Z',
      '2027-11-07T07:05:00.000Z',
    ]);
    expect((await indexOf(sim, newYorkMonday.subscriberId)).nextSlotAt).toBe('2027-11-15T13:00:00.000Z');
  }, 60_000);
});
