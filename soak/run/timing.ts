/** The soak's calendar: when the simulated weeks begin, and how often the scheduled jobs run. */

/** Monday 2 March 2026, 00:00 UTC: ten weeks from here cross both the US and the EU clock change. */
export const SOAK_START = Date.UTC(2026, 2, 2);
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const INGEST_EVERY_HOURS = 6;
/** Every zone's ISO week is over by Tuesday 00:00 UTC of the next one (UTC−8 ends Monday 08:00 UTC). */
export const CHECK_AFTER_WEEK_MS = DAY_MS;

/** The end of the last simulated week. */
export function soakEnd(weeks: number): number {
  return SOAK_START + weeks * WEEK_MS;
}
