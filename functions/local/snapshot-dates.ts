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

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// A PubMed date with a day, as efetch writes them all (PubDate, ArticleDate, PubMedPubDate,
// DateCompleted, DateRevised): Year, Month (a number or "Nov"), Day. A date of a year and month
// alone (a journal issue's) has no day to move by and is left as it is.
const PUBMED_DATE =
  /<Year>(\d{4})<\/Year>(\s*)<Month>(\d{1,2}|[A-Za-z]{3})<\/Month>(\s*)<Day>(\d{1,2})<\/Day>/g;

/**
 * Moves every dated element of an efetch recording (PubmedArticleSet XML) by `days` days, each in
 * the shape it was written: the entry dates the stand-in's windows read, the publication dates
 * ingest keeps, all alike, so the recording reads as if made today.
 *
 * @example shiftPubMedDates('<Year>2026</Year><Month>Nov</Month><Day>30</Day>', 2)
 * // '<Year>2026</Year><Month>Dec</Month><Day>02</Day>'
 */
export function shiftPubMedDates(xml: string, days: number): string {
  if (days === 0) return xml;
  return xml.replace(
    PUBMED_DATE,
    (element, year: string, gap1: string, month: string, gap2: string, day: string) => {
      const named = MONTH_NAMES.indexOf(month);
      const monthIndex = named !== -1 ? named : Number(month) - 1;
      if (monthIndex < 0 || monthIndex > 11) return element;
      const shifted = new Date(Date.UTC(Number(year), monthIndex, Number(day)) + days * DAY_MS);
      const newMonth =
        named !== -1
          ? MONTH_NAMES[shifted.getUTCMonth()]!
          : String(shifted.getUTCMonth() + 1).padStart(month.length, '0');
      const newDay = String(shifted.getUTCDate()).padStart(day.length, '0');
      return `<Year>${shifted.getUTCFullYear()}</Year>${gap1}<Month>${newMonth}</Month>${gap2}<Day>${newDay}</Day>`;
    },
  );
}

const CALENDAR_DATE = /^\d{4}-\d{2}(-\d{2})?$/;

/**
 * Moves every date of a ClinicalTrials.gov v2 study (a JSON value) by `days` days: the `date`
 * of each `…DateStruct` and the plain `…Date` fields, `YYYY-MM-DD` or `YYYY-MM` as written (a
 * month moves with the day it starts). Returns a new value; the recording is not changed.
 */
export function shiftStudyDates<T>(study: T, days: number): T {
  if (days === 0) return study;
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, walk(inner, name)]));
    }
    if (typeof value === 'string' && (key === 'date' || key.endsWith('Date')) && CALENDAR_DATE.test(value)) {
      const dayPart = value.length === 7 ? `${value}-01` : value;
      const shifted = new Date(Date.parse(`${dayPart}T00:00:00Z`) + days * DAY_MS).toISOString();
      return value.length === 7 ? shifted.slice(0, 7) : shifted.slice(0, 10);
    }
    return value;
  };
  return walk(study, '') as T;
}
