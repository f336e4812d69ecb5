import type { DeliverySlot } from '../../functions/model/subscribers.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';
import type { Random } from '../random.ts';

/**
 * The people of the soak, drawn from the seed before it starts: when each one subscribes, to
 * what, at which weekly slot in which time zone, whether and when they click the confirmation
 * link, and what their mailbox will do (stop existing: hard bounces; fill up for a while: soft
 * bounces). What they do in answer to a digest (leave, change topics, complain) is drawn when
 * the digest arrives, from the same seed.
 */

export interface Person {
  readonly index: number;
  readonly email: string;
  /** Each person writes from their own address, so the API's per-IP limit never mixes them up. */
  readonly ip: string;
  readonly joinAt: number;
  readonly topics: readonly TopicId[];
  readonly slot: DeliverySlot;
  /** How long after the confirmation email they click it; undefined: they never do. */
  readonly confirmAfterMs: number | undefined;
  /** From then on every email to them bounces for good. */
  readonly mailboxGoneAt: number | undefined;
  /** While in this period every email to them bounces softly (mailbox full). */
  readonly mailboxFull: { readonly from: number; readonly to: number } | undefined;
}

export interface PopulationPlan {
  readonly people: number;
  readonly from: number;
  readonly weeks: number;
  /** Distinguishes this run's addresses from any other run's on shared stand-ins. */
  readonly addressTag: string;
}

const WEEK_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;

/** Zones on both sides of UTC, with and without daylight saving (the plan spans its changes). */
const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
] as const;

const TOPIC_POPULARITY: readonly (readonly [TopicId, number])[] = [
  ['checkpoint-inhibitors', 20],
  ['car-t', 15],
  ['melanoma', 10],
  ['lung-cancer', 10],
  ['leukemia', 8],
  ['side-effects', 8],
  ['vaccines', 7],
  ['antibodies', 6],
  ['combination-therapy', 6],
  ['autoimmune', 5],
  ['access', 4],
  ['kidney-cancer', 2],
];

export function drawPopulation(plan: PopulationPlan, random: Random): Person[] {
  const end = plan.from + plan.weeks * WEEK_MS;
  return Array.from({ length: plan.people }, (_, index) => {
    // A quarter of the list arrives in the first week (a launch), the rest over the weeks.
    const joinAt =
      index < plan.people / 4
        ? plan.from + random.between(0, Math.min(WEEK_MS, end - plan.from) * 0.9)
        : plan.from + random.between(0, (end - plan.from) * 0.9);
    const confirmAfterMs = random.chance(0.88)
      ? random.weighted<number>([
          [random.between(5 * 60_000, 2 * HOUR_MS), 70],
          [random.between(2 * HOUR_MS, 48 * HOUR_MS), 25],
          [random.between(2 * 86_400_000, 6 * 86_400_000), 5],
        ])
      : undefined;
    const mailboxGoneAt = random.chance(0.02) ? random.between(joinAt, end) : undefined;
    const fullFrom = random.between(joinAt, end);
    const mailboxFull = random.chance(0.04)
      ? { from: fullFrom, to: fullFrom + random.between(2, 5) * WEEK_MS }
      : undefined;
    return {
      index,
      email: `reader-${String(index).padStart(4, '0')}.${plan.addressTag}@example.org`,
      ip: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      joinAt,
      topics: drawTopics(random),
      slot: drawSlot(random),
      confirmAfterMs,
      mailboxGoneAt,
      mailboxFull,
    };
  });
}

/** One to four topics, popular ones more often; one reader in twenty follows only the rare topic. */
function drawTopics(random: Random): TopicId[] {
  if (random.chance(0.05)) return ['kidney-cancer'];
  const count = random.weighted<number>([
    [1, 30],
    [2, 35],
    [3, 25],
    [4, 10],
  ]);
  const chosen = new Set<TopicId>();
  while (chosen.size < count) chosen.add(random.weighted(TOPIC_POPULARITY));
  return TOPIC_IDS.filter((id) => chosen.has(id));
}

/** Most readers keep the default Monday morning; the others choose any day and hour. */
function drawSlot(random: Random): DeliverySlot {
  const timeZone = random.pick(ZONES);
  if (random.chance(0.4)) return { weekday: 1, hour: 8, timeZone };
  return { weekday: random.int(1, 7), hour: random.int(0, 23), timeZone };
}

/** Another slot than `current`: a new weekday or hour, sometimes in another zone. */
export function drawOtherSlot(current: DeliverySlot, random: Random): DeliverySlot {
  for (;;) {
    const next = drawSlot(random);
    const slot = random.chance(0.7) ? { ...next, timeZone: current.timeZone } : next;
    if (slot.weekday !== current.weekday || slot.hour !== current.hour || slot.timeZone !== current.timeZone)
      return slot;
  }
}

/** Different topics from `current` (a preference change that changes something). */
export function drawOtherTopics(current: readonly TopicId[], random: Random): TopicId[] {
  for (;;) {
    const next = drawTopics(random);
    if (next.join(',') !== current.join(',')) return next;
  }
}
