import { DateTime } from 'luxon';
import type { DeliverySlot, Subscriber } from '../../model/subscribers.ts';
import { canonicalTimeZone } from '../subscribers/time-zones.ts';

/**
 * When a reader's weekly digest is due. Weeks are ISO weeks (Monday–Sunday) in the reader's own
 * time zone; the digest of a week is named after it (`weekly-2026-W48`), which is what makes
 * "one digest per reader per week" a key in the delivery ledger rather than a hope.
 */

/** A planned job still not delivered after this long is planned again (its message may be in the DLQ). */
const REPLAN_AFTER_MS = 24 * 3600 * 1000;

/** The id of the weekly digest that `now` falls in, in the reader's zone. */
export function weeklyDigestId(slot: DeliverySlot, now: Date): string {
  const local = DateTime.fromJSDate(now, { zone: slot.timeZone });
  return `weekly-${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
}

/** True once this week's delivery slot (weekday and hour, in the reader's zone) has begun. */
export function slotHasPassed(slot: DeliverySlot, now: Date): boolean {
  const local = DateTime.fromJSDate(now, { zone: slot.timeZone });
  // The hour is set on the clock, not added as elapsed time: on a clock-change day "13:00" is
  // still 13:00 (adding 13 hours to midnight would give 14:00 in spring, 12:00 in autumn). An
  // hour the clock skips begins when the clock jumps past it.
  const slotStart = local
    .startOf('week')
    .plus({ days: slot.weekday - 1 })
    .set({ hour: slot.hour });
  return local >= slotStart;
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
}

export function weekCalendar(now: Date): WeekCalendar {
  const digestIds = new Map<string, string>();
  const passed = new Map<string, boolean>();
  return {
    digestId(slot) {
      let id = digestIds.get(slot.timeZone);
      if (id === undefined) digestIds.set(slot.timeZone, (id = weeklyDigestId(slot, now)));
      return id;
    },
    slotHasPassed(slot) {
      const key = `${slot.timeZone}|${slot.weekday}|${slot.hour}`;
      let result = passed.get(key);
      if (result === undefined) passed.set(key, (result = slotHasPassed(slot, now)));
      return result;
    },
  };
}

export interface DueOptions {
  /** `npm start -- --once`: every confirmed reader without this week's digest is due, slot or not. */
  readonly ignoreSlot?: boolean;
}

/**
 * Whether the planner should plan this reader's digest now: confirmed, not paused, this week's
 * slot has passed (so an hour missed by an outage is caught up at the next run), no digest this
 * week, not skipped this week for want of articles (what arrives later waits for next week's
 * digest rather than coming on a day the reader did not choose), and not already planned recently.
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
  if (subscriber.lastDigestId === digestId) return false;
  if (!options.ignoreSlot && subscriber.skippedDigestId === digestId) return false;
  if (
    !options.ignoreSlot &&
    subscriber.plannedDigestId === digestId &&
    subscriber.plannedAt !== undefined &&
    now.getTime() - Date.parse(subscriber.plannedAt) < REPLAN_AFTER_MS
  ) {
    return false;
  }
  return options.ignoreSlot === true || calendar.slotHasPassed(subscriber.delivery);
}
