import { DateTime } from 'luxon';
import type { SourceState } from '../../model/sources.ts';

/**
 * The search windows of the API sources. PubMed and ClinicalTrials.gov filter by calendar day,
 * and both date their records in US Eastern time (NCBI and the NLM are in Bethesda), so a window
 * is a range of Eastern days: from the day its start instant falls on, to today. A window always
 * includes its first and last day whole; asking again for a day already taken costs a few
 * records the identity rules recognise, and never loses one entered late that day.
 */

/** The zone both APIs date their records in. */
export const API_ZONE = 'America/New_York';

const DAY_MS = 86_400_000;

/** A calendar day in the APIs' zone, `YYYY-MM-DD`. */
export type ApiDay = string;

/** The Eastern calendar day an instant falls on. */
export function apiDayOf(instant: Date): ApiDay {
  return DateTime.fromJSDate(instant, { zone: API_ZONE }).toISODate()!;
}

/** The first instant of an Eastern day. */
export function startOfApiDay(day: ApiDay): Date {
  return DateTime.fromISO(day, { zone: API_ZONE }).startOf('day').toJSDate();
}

/** The day after (or `days` after) an Eastern day. */
export function addApiDays(day: ApiDay, days: number): ApiDay {
  return DateTime.fromISO(day, { zone: API_ZONE }).plus({ days }).toISODate()!;
}

/** Whole days from `from` to `to` (0 when equal). */
export function apiDaysBetween(from: ApiDay, to: ApiDay): number {
  return Math.round(
    DateTime.fromISO(to, { zone: 'utc' }).diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days,
  );
}

/** A local time in the APIs' zone (PubMed's entry dates) as an instant; undefined if impossible. */
export function apiLocalTime(fields: {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
}): Date | undefined {
  const time = DateTime.fromObject(
    {
      year: fields.year,
      month: fields.month,
      day: fields.day,
      hour: fields.hour ?? 0,
      minute: fields.minute ?? 0,
    },
    { zone: API_ZONE },
  );
  return time.isValid ? time.toJSDate() : undefined;
}

/** The window of one run. */
export interface SearchWindow {
  /** The instant the window starts at: everything before it was taken by earlier runs. */
  readonly start: Date;
  readonly firstDay: ApiDay;
  /** Today, in the APIs' zone. */
  readonly lastDay: ApiDay;
}

/**
 * Where a run's search starts: the stored window start, or, on a first run (or after the state
 * was lost), `lookbackDays` before now. A stored start in the future (a clock that ran ahead)
 * is brought back to now.
 */
export function searchWindow(state: SourceState | undefined, now: Date, lookbackDays: number): SearchWindow {
  const stored = state?.windowStart ? Date.parse(state.windowStart) : Number.NaN;
  const start = Number.isNaN(stored)
    ? new Date(now.getTime() - lookbackDays * DAY_MS)
    : new Date(Math.min(stored, now.getTime()));
  return { start, firstDay: apiDayOf(start), lastDay: apiDayOf(now) };
}

/**
 * Where the next window starts after a run that took every record of its window up to and
 * including `lastDayTaken`: the start of the following day, or `now` when that day is today
 * (records still arrive today, so today is asked for again).
 */
export function nextWindowStart(lastDayTaken: ApiDay, now: Date): Date {
  return lastDayTaken >= apiDayOf(now) ? now : startOfApiDay(addApiDays(lastDayTaken, 1));
}
