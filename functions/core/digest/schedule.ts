import { DateTime } from 'luxon';
import type { DeliverySlot, Subscriber } from '../../model/subscribers.ts';
import { canonicalTimeZone } from '../subscribers/time-zones.ts';

/**
 * When a reader's weekly digest is due. Weeks are ISO weeks (Monday–Sunday) in the reader's own
 * time zone; the digest of a week is named after it (`weekly-2026-W48`), which is what makes
 * "one digest per reader per week" a key in the delivery ledger rather than a hope.
 */

/** A planned job still not delivered after this long is planned again (its message may be in the DLQ). */
export const REPLAN_AFTER_MS = 24 * 3600 * 1000;

/**
 * The ISO week of one zone that an instant falls in, and where it begins and ends (epoch ms).
 * luxon's zone maths costs tens of microseconds a call, and the planner and the sender ask for
 * every reader (the sender for each email, to file the reader at next week's slot), while readers
 * live in a handful of zones: each zone's current week is kept and reused for any instant inside it.
 */
interface ZoneWeek {
  readonly start: number;
  readonly end: number;
  readonly digestId: string;
}

/** A few weeks per zone (this week and the next ones are asked for in turn). */
const zoneWeeks = new Map<string, ZoneWeek[]>();
const WEEKS_KEPT_PER_ZONE = 4;
/** Slot starts by zone week, weeks ahead, weekday and hour; emptied when it grows past this. */
const slotStarts = new Map<string, number>();
const MAX_MEMOISED_SLOT_STARTS = 10_000;

function zoneWeekOf(timeZone: string, at: Date): ZoneWeek {
  const time = at.getTime();
  const kept = zoneWeeks.get(timeZone) ?? [];
  const known = kept.find((week) => time >= week.start && time < week.end);
  if (known) return known;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const start = local.startOf('week');
  const week: ZoneWeek = {
    start: start.toMillis(),
    end: start.plus({ weeks: 1 }).toMillis(),
    digestId: `weekly-${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`,
  };
  // An unknown zone gives an invalid week (NaN bounds): never kept, as luxon's answer every time.
  if (!Number.isNaN(week.start)) zoneWeeks.set(timeZone, [week, ...kept].slice(0, WEEKS_KEPT_PER_ZONE));
  return week;
}

/** The id of the weekly digest that `now` falls in, in the reader's zone. */
export function weeklyDigestId(slot: DeliverySlot, now: Date): string {
  return zoneWeekOf(slot.timeZone, now).digestId;
}

/**
 * The instant the slot begins in the reader's ISO week that contains `at` (or in a later week,
 * `weeksAhead` on).
 */
export function slotStartInWeekOf(slot: DeliverySlot, at: Date, weeksAhead = 0): Date {
  const week = zoneWeekOf(slot.timeZone, at);
  const key = `${slot.timeZone}|${week.start}|${weeksAhead}|${slot.weekday}|${slot.hour}`;
  let start = slotStarts.get(key);
  if (start === undefined) {
    // The hour is set on the clock, not added as elapsed time: on a clock-change day "13:00" is
    // still 13:00 (adding 13 hours to midnight would give 14:00 in spring, 12:00 in autumn). An
    // hour the clock skips begins when the clock jumps past it.
    start = DateTime.fromJSDate(at, { zone: slot.timeZone })
      .startOf('week')
      .plus({ weeks: weeksAhead, days: slot.weekday - 1 })
      .set({ hour: slot.hour })
      .toMillis();
    if (slotStarts.size >= MAX_MEMOISED_SLOT_STARTS) slotStarts.clear();
    if (!Number.isNaN(week.start)) slotStarts.set(key, start);
  }
  return new Date(start);
}

/** True once this week's delivery slot (weekday and hour, in the reader's zone) has begun. */
export function slotHasPassed(slot: DeliverySlot, now: Date): boolean {
  return now.getTime() >= slotStartInWeekOf(slot, now).getTime();
}

/**
 * From when a reader is owed their slots (epoch ms): the latest of their confirmation, their last
 * change of slot and their last resume. A slot that began before it is not a missed slot to
 * catch up: it passed before the reader asked for it. Undefined for a reader with no record of
 * either (seeded demo readers): every slot counts.
 */
export function owedSlotsFrom(subscriber: Pick<Subscriber, 'consent' | 'scheduleFrom'>): number | undefined {
  const times = [subscriber.consent?.at, subscriber.scheduleFrom]
    .filter((at): at is string => at !== undefined)
    .map((at) => Date.parse(at))
    .filter((at) => !Number.isNaN(at));
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * When the first digest comes for a reader who chose `slot` and confirmed (or changed their slot)
 * at `from`: the first time the slot begins at or after that moment, never at once.
 *
 * @example firstDigestAt({ weekday: 1, hour: 8, timeZone: 'Europe/Paris' }, fridayNoon) // Monday 08:00 Paris
 */
export function firstDigestAt(slot: DeliverySlot, from: Date): Date {
  const thisWeek = slotStartInWeekOf(slot, from);
  return thisWeek.getTime() >= from.getTime() ? thisWeek : slotStartInWeekOf(slot, from, 1);
}

/**
 * When the reader's next digest is planned, as the planner will see it: this week's slot if it
 * is owed and this week's digest has not gone (a slot that has begun is returned as it is: that
 * digest is on its way), otherwise next week's. Undefined when no digest is coming (not
 * confirmed, paused, no topics). A week with nothing new on the reader's topics sends nothing.
 */
export function nextDigestAt(subscriber: Subscriber, now: Date): Date | undefined {
  if (subscriber.status !== 'confirmed' || subscriber.paused || subscriber.topics.length === 0)
    return undefined;
  const calendar = weekCalendar(now);
  const slot = subscriber.delivery;
  const thisWeek = calendar.slotStart(slot);
  const owedFrom = owedSlotsFrom(subscriber);
  const done =
    hadThisWeeksDigest(subscriber, calendar) || subscriber.skippedDigestId === calendar.digestId(slot);
  if (!done && (owedFrom === undefined || thisWeek >= owedFrom)) return new Date(thisWeek);
  // A reader who moved their slot to a zone further west can still be in the week before the one
  // their last digest was named after: that week's digest has gone too.
  const nextWeek = slotStartInWeekOf(slot, now, 1);
  return subscriber.lastDigestId === weeklyDigestId(slot, nextWeek)
    ? slotStartInWeekOf(slot, now, 2)
    : nextWeek;
}

/**
 * The confirmation email's promise, written when it is sent (the reader confirms later, if at
 * all): "Your first digest arrives on Monday 7 December at 08:00 (Europe/Paris) if you confirm
 * before then, and every Monday at 08:00 after that."
 */
export function firstDigestPromise(slot: DeliverySlot, sentAt: Date): string {
  const first = firstDigestAt(slot, sentAt);
  const local = DateTime.fromJSDate(first, { zone: slot.timeZone }).setLocale('en-GB');
  return (
    `Your first digest arrives on ${describeDigestTime(first, slot.timeZone)} if you confirm before then, ` +
    `and every ${local.toFormat('cccc')} at ${String(slot.hour).padStart(2, '0')}:00 after that.`
  );
}

/** "Monday 7 December at 08:00 (Europe/Paris)": an instant as the reader's own clock shows it. */
export function describeDigestTime(instant: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(instant, { zone: timeZone }).setLocale('en-GB');
  return `${local.toFormat('cccc d LLLL')} at ${local.toFormat('HH:mm')} (${timeZone.replace(/_/g, ' ')})`;
}

/** True when the zone is one a reader can choose, or an older name of one ("Europe/Kiev"): see time-zones.ts. */
export function isKnownTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}

/**
 * The week of one instant, per time zone, computed once per zone: the planner asks for
 * thousands of readers and they live in a handful of zones (luxon's zone maths is not free).
 */
export interface WeekCalendar {
  digestId(slot: DeliverySlot): string;
  slotHasPassed(slot: DeliverySlot): boolean;
  /** When this week's slot begins (epoch ms). */
  slotStart(slot: DeliverySlot): number;
  /** When this ISO week began in the zone (epoch ms). */
  weekStart(timeZone: string): number;
}

export function weekCalendar(now: Date): WeekCalendar {
  // Zone weeks are kept by zoneWeekOf already; only the slot starts, asked for every reader, are
  // kept here by slot (no week to find, no Date to make).
  const slotStarts = new Map<string, number>();
  const slotStart = (slot: DeliverySlot) => {
    const key = `${slot.timeZone}|${slot.weekday}|${slot.hour}`;
    let start = slotStarts.get(key);
    if (start === undefined) slotStarts.set(key, (start = slotStartInWeekOf(slot, now).getTime()));
    return start;
  };
  return {
    digestId: (slot) => zoneWeekOf(slot.timeZone, now).digestId,
    slotHasPassed: (slot) => now.getTime() >= slotStart(slot),
    slotStart,
    weekStart: (timeZone) => zoneWeekOf(timeZone, now).start,
  };
}

/**
 * Whether this ISO week's digest already went to the reader. Besides this week's id, the time of
 * their last digest is looked at in their current zone: a reader who moved their slot to a zone
 * further east can already be in the next week there, and must not get a second digest a few
 * hours after the first.
 */
function hadThisWeeksDigest(subscriber: Subscriber, calendar: WeekCalendar): boolean {
  if (subscriber.lastDigestId === calendar.digestId(subscriber.delivery)) return true;
  return (
    subscriber.lastDigestAt !== undefined &&
    Date.parse(subscriber.lastDigestAt) >= calendar.weekStart(subscriber.delivery.timeZone)
  );
}

export interface DueOptions {
  /** `npm start -- --once`: every confirmed reader without this week's digest is due, slot or not. */
  readonly ignoreSlot?: boolean;
}

/**
 * Whether the planner should plan this reader's digest now: confirmed, not paused, this week's
 * slot has passed (so an hour missed by an outage is caught up at the next run) and began after
 * the reader confirmed, changed their slot or resumed (a slot that passed before is not missed:
 * the first digest comes at the first slot after), no digest this week, not skipped this week for
 * want of articles (what arrives later waits for next week's digest rather than coming on a day
 * the reader did not choose), and not already planned recently.
 */
export function isDue(
  subscriber: Subscriber,
  now: Date,
  options: DueOptions = {},
  calendar: WeekCalendar = weekCalendar(now),
): boolean {
  if (subscriber.status !== 'confirmed' || subscriber.paused) return false;
  if (subscriber.topics.length === 0) return false;
  const digestId = calendar.digestId(subscriber.delivery);
  if (hadThisWeeksDigest(subscriber, calendar)) return false;
  if (!options.ignoreSlot && subscriber.skippedDigestId === digestId) return false;
  if (
    !options.ignoreSlot &&
    subscriber.plannedDigestId === digestId &&
    subscriber.plannedAt !== undefined &&
    now.getTime() - Date.parse(subscriber.plannedAt) < REPLAN_AFTER_MS
  ) {
    return false;
  }
  if (options.ignoreSlot === true) return true;
  const owedFrom = owedSlotsFrom(subscriber);
  const slotStart = calendar.slotStart(subscriber.delivery);
  return now.getTime() >= slotStart && (owedFrom === undefined || slotStart >= owedFrom);
}

// ---------------------------------------------------------------------------------------------
// The next-slot index: when the hourly planner must next read a reader (see docs/digests.md).

const HOUR_MS = 3_600_000;

/**
 * The instant from which the planner must look at this reader again, as the next-slot index keeps
 * it (UTC; the slot itself is found in the reader's zone, so a clock change moves it): their next
 * digest's slot (nextDigestAt), or, while this week's digest is planned but not delivered, the
 * moment it may be planned again (REPLAN_AFTER_MS after planning). Never before `at`: a reader
 * owed a digest now is looked at by the next run, not filed under an hour the planner has passed.
 * Undefined for a reader who cannot be mailed (not confirmed, paused, no topics): not in the index.
 *
 * Early is harmless (the planner reads the reader, isDue says no, the instant moves on); late
 * would delay a digest, so every write that can make a reader due sooner sets it.
 */
export function nextSlotInstant(subscriber: Subscriber, at: Date): Date | undefined {
  const instant = unclampedNextSlot(subscriber, at);
  return instant === undefined ? undefined : new Date(Math.max(instant, at.getTime()));
}

/** nextSlotInstant before "never before `at`": it depends on `at` only through its week in the reader's zone. */
function unclampedNextSlot(subscriber: Subscriber, at: Date): number | undefined {
  const next = nextDigestAt(subscriber, at);
  if (next === undefined) return undefined;
  let instant = next.getTime();
  if (
    subscriber.plannedDigestId !== undefined &&
    subscriber.plannedDigestId === weeklyDigestId(subscriber.delivery, next) &&
    subscriber.plannedAt !== undefined
  ) {
    instant = Math.max(instant, Date.parse(subscriber.plannedAt) + REPLAN_AFTER_MS);
  }
  return instant;
}

/**
 * The next-slot instant after a change of the reader's own choices (topics, slot, zone, pause),
 * written with the change: null takes them out of the index (paused, no topics left).
 */
export function nextSlotAfterChange(
  subscriber: Subscriber,
  change: Partial<Pick<Subscriber, 'topics' | 'delivery' | 'paused' | 'scheduleFrom'>>,
  at: Date,
): Date | null {
  return nextSlotInstant({ ...subscriber, ...change }, at) ?? null;
}

/** When a reader just planned is looked at again if their digest has not been delivered by then. */
export function replanInstant(plannedAt: Date): Date {
  return new Date(plannedAt.getTime() + REPLAN_AFTER_MS);
}

/**
 * Where a reader goes once this week's digest is done with (delivered at `windowEnd`, or skipped
 * for want of articles): the slot of the week after.
 */
export function nextSlotAfterDigest(
  subscriber: Subscriber,
  digestId: string,
  done: 'delivered' | 'skipped',
  at: Date,
  windowEnd: Date = at,
): Date | undefined {
  // The sender asks this for every email, and the readers of a job mostly share every input that
  // matters: the answer is kept per those inputs (at's week in the zone standing for at itself).
  const { delivery: slot } = subscriber;
  const key = [
    slot.timeZone,
    slot.weekday,
    slot.hour,
    zoneWeekOf(slot.timeZone, at).start,
    digestId,
    done,
    windowEnd.getTime(),
    subscriber.status,
    subscriber.paused === true,
    subscriber.topics.length > 0,
    subscriber.consent?.at,
    subscriber.scheduleFrom,
    // A delivery replaces the last digest and the planned mark; a skip keeps them.
    ...(done === 'skipped'
      ? [subscriber.lastDigestId, subscriber.lastDigestAt, subscriber.plannedDigestId, subscriber.plannedAt]
      : [subscriber.skippedDigestId]),
  ].join('|');
  let instant = afterDigest.get(key);
  if (instant === undefined && !afterDigest.has(key)) {
    const { plannedDigestId: _digest, plannedAt: _at, ...unplanned } = subscriber;
    const after: Subscriber =
      done === 'delivered'
        ? { ...unplanned, lastDigestId: digestId, lastDigestAt: windowEnd.toISOString() }
        : { ...subscriber, skippedDigestId: digestId, skippedAt: at.toISOString() };
    instant = unclampedNextSlot(after, at);
    if (afterDigest.size >= MAX_MEMOISED_SLOT_STARTS) afterDigest.clear();
    afterDigest.set(key, instant);
  }
  return instant === undefined ? undefined : new Date(Math.max(instant, at.getTime()));
}

const afterDigest = new Map<string, number | undefined>();

/** The UTC hour an instant falls in, as the index's bucket names it: "2026-12-07T08". */
export function hourBucketOf(instant: Date): string {
  return instant.toISOString().slice(0, 13);
}

/** The start of the UTC hour an instant falls in. */
export function startOfHour(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Every hour bucket from the one `from` falls in to the one `to` falls in, both included, oldest
 * first: the buckets one planner run reads. Empty when `to` is before `from`.
 */
export function hourBucketsBetween(from: Date, to: Date): string[] {
  const buckets: string[] = [];
  for (let hour = startOfHour(from).getTime(); hour <= to.getTime(); hour += HOUR_MS) {
    buckets.push(hourBucketOf(new Date(hour)));
  }
  return buckets;
}
