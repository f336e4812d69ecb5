import { parseFeedDate } from '../core/ingest/dates.ts';

/**
 * The feed snapshots under content/snapshots were taken on one day, and their items' dates say
 * so. Served as they are, they would age: a month on, every item of a fresh `npm start` would be
 * published weeks before it was first seen, marked as old on its card, and after
 * DIGEST_MAX_ARTICLE_AGE_DAYS left out of every digest. So the local snapshot server moves every
 * date of a feed by the same whole number of days, to read as if the snapshots had been taken
 * today: the items keep their spacing and their order, and the demo stays the same demo.
 */

/** The day the snapshots were taken (their newest items are from the day before). */
export const SNAPSHOTS_TAKEN_ON = new Date('2026-11-26T00:00:00.000Z');

const DAY_MS = 86_400_000;

/** Whole days from the day the snapshots were taken to `now` (negative before it). */
export function snapshotShiftDays(now: Date): number {
  return Math.floor((now.getTime() - SNAPSHOTS_TAKEN_ON.getTime()) / DAY_MS);
}

// The elements that carry an item's or a feed's date in RSS 2.0, Atom and RSS 1.0 (Dublin Core, PRISM).
const DATE_ELEMENT =
  /<((?:[A-Za-z][\w-]*:)?(?:pubDate|lastBuildDate|date|published|updated|publicationDate|coverDate))>\s*([^<]{6,64}?)\s*<\/\1>/g;

/**
 * Moves every date element of a feed by `days` days, in the shape it was written: a calendar date
 * stays a date, an ISO time an ISO time (in UTC), an RFC 822 date an RFC 822 date (in GMT).
 * A value that is not a date is left alone.
 *
 * @example shiftFeedDates('<pubDate>Tue, 24 Nov 2026 12:00:00 GMT</pubDate>', 7)
 * // '<pubDate>Tue, 01 Dec 2026 12:00:00 GMT</pubDate>'
 */
export function shiftFeedDates(xml: string, days: number): string {
  if (days === 0) return xml;
  return xml.replace(DATE_ELEMENT, (element, name: string, value: string) => {
    const date = parseFeedDate(value);
    if (!date) return element;
    const shifted = new Date(date.getTime() + days * DAY_MS);
    return `<${name}>${formatLike(value, shifted)}</${name}>`;
  });
}

function formatLike(original: string, date: Date): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(original)) return date.toISOString().slice(0, 10);
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(original)) return date.toISOString().replace('.000Z', 'Z');
  return date.toUTCString();
}
