import { DateTime } from 'luxon';
import type { DeliverySlot } from '../../functions/model/subscribers.ts';

/**
 * The soak's own reading of the promises about weeks, written from the docs (docs/digests.md) rather than taken
 * from functions/core/digest: a reader's week is the ISO week in their zone, named
 * `weekly-<ISO year>-W<week>`, and their slot is the moment their own clock first shows the
 * chosen weekday and hour in that week (on a daylight-saving day an hour that does not exist
 * begins when the clock jumps past it). A slot counts only from the moment the reader confirmed
 * or chose it: the first digest comes at the first slot at or after that moment.
 */

export function digestIdAt(zone: string, at: number): string {
  const local = DateTime.fromMillis(at, { zone });
  return `weekly-${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
}

/** The instant the reader's slot begins in the ISO week that contains `at` in their zone. */
export function slotStartInWeekOf(slot: DeliverySlot, at: number): number {
  const local = DateTime.fromMillis(at, { zone: slot.timeZone });
  const day = local.startOf('week').plus({ days: slot.weekday - 1 });
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: slot.hour },
    { zone: slot.timeZone },
  ).toMillis();
}

/** The ISO week label of a UTC instant: the digest id every zone uses for that week. */
export function weekLabel(at: number): string {
  return digestIdAt('UTC', at);
}

/** The first time the slot begins at or after `at`: when a reader who confirmed or chose it then is first owed a digest. */
export function firstSlotFrom(slot: DeliverySlot, at: number): number {
  const thisWeek = slotStartInWeekOf(slot, at);
  if (thisWeek >= at) return thisWeek;
  return slotStartInWeekOf(
    slot,
    DateTime.fromMillis(at, { zone: slot.timeZone }).plus({ weeks: 1 }).toMillis(),
  );
}
