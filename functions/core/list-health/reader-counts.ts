import { DateTime } from 'luxon';
import {
  READER_STATES,
  type CensusRow,
  type ReaderCounts,
  type ReaderState,
} from '../../model/list-health.ts';
import type { TopicId } from '../../model/topics.ts';

/**
 * Counting readers from the census of the subscribers table. Every count the dashboard shows of
 * readers comes from here, so the page, the JSON and the CLI can never disagree with each other,
 * nor with the table.
 */

/** The state a census row counts under, or undefined for a pending request that has expired. */
export function readerStateOf(row: CensusRow, now: Date): ReaderState | undefined {
  switch (row.kind) {
    case 'reader':
      return row.status === 'confirmed' && row.paused ? 'paused' : row.status;
    case 'suppressed':
      return row.reason;
    case 'pending':
      // An expired request is gone for every read (TTL deletes it within a day or two).
      return Date.parse(row.expiresAt) > now.getTime() ? 'pending' : undefined;
  }
}

/** Readers by state, and the readers a digest goes to (confirmed, not paused) by topic. */
export function countReaders(rows: readonly CensusRow[], now: Date): ReaderCounts {
  const byState = Object.fromEntries(READER_STATES.map((state) => [state, 0])) as Record<ReaderState, number>;
  const byTopic: Partial<Record<TopicId, number>> = {};
  for (const row of rows) {
    const state = readerStateOf(row, now);
    if (state === undefined) continue;
    byState[state] += 1;
    if (row.kind === 'reader' && state === 'confirmed') {
      for (const topic of row.topics) byTopic[topic] = (byTopic[topic] ?? 0) + 1;
    }
  }
  return { byState, byTopic };
}

/** Addresses that bounced (hard) or complained in (from, to], as the table remembers them. */
export interface MailEventCounts {
  readonly bounces: number;
  readonly complaints: number;
}

/**
 * A bounced or complained reader's record changed last when SES told us (nothing else touches a
 * suppressed record); a suppression entry keeps its own time. Soft bounces that did not suppress
 * are not counted: SES's bounce rate counts hard bounces.
 */
export function mailEventsBetween(rows: readonly CensusRow[], from: Date, to: Date): MailEventCounts {
  let bounces = 0;
  let complaints = 0;
  const within = (at: string) => {
    const time = Date.parse(at);
    return time > from.getTime() && time <= to.getTime();
  };
  for (const row of rows) {
    const reason =
      row.kind === 'reader' && within(row.updatedAt)
        ? row.status
        : row.kind === 'suppressed' && within(row.at)
          ? row.reason
          : undefined;
    if (reason === 'bounced') bounces += 1;
    if (reason === 'complained') complaints += 1;
  }
  return { bounces, complaints };
}

/** The ISO week (UTC) of an instant: `2026-W49`. */
export function isoWeekOf(at: Date): string {
  const utc = DateTime.fromJSDate(at, { zone: 'utc' });
  return `${utc.weekYear}-W${String(utc.weekNumber).padStart(2, '0')}`;
}

/** The last `count` ISO weeks (UTC), oldest first, ending with the week of `now`. */
export function lastWeeks(now: Date, count: number): string[] {
  const weeks: string[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    weeks.push(isoWeekOf(new Date(now.getTime() - back * 7 * 86_400_000)));
  }
  return weeks;
}
