import pLimit from 'p-limit';
import type { Subscriber } from '../../model/subscribers.ts';
import type { PlannerCursor } from '../../ports/planner-cursor.ts';
import type { NextSlotIndex, SubscriberReader } from '../../ports/subscriber-store.ts';
import { isDue, nextSlotInstant, startOfHour, weekCalendar } from './schedule.ts';

/**
 * Which readers one planner run reads (the planner's reader source). An hourly run reads the
 * next-slot index from the hour of the last completed run up to now, every shard, page by page:
 * the readers whose slot (or replan time) has come since, and not the rest of the list. An outage
 * of N hours is caught up exactly: the next run reads those N hours. `--once` (ignoreSlot) reads
 * every confirmed reader. isDue stays the final word on each reader read.
 */

export interface ReaderSourceDependencies {
  readonly subscribers: SubscriberReader & NextSlotIndex;
  readonly plannerCursor: PlannerCursor;
}

export interface ReaderSourceOptions {
  readonly ignoreSlot?: boolean;
  readonly dryRun?: boolean;
}

/** The due readers of one run, page by page, and what reading them took. */
export interface ReaderPages extends AsyncIterable<readonly Subscriber[]> {
  /** Readers read so far, due or not. */
  readonly readersRead: number;
  /**
   * Call once the run has planned every page: moves the planner's cursor to this run (not for a
   * dry run or `--once`). A run that fails before leaves it, and the next run reads its hours again.
   */
  finished(): Promise<void>;
}

/** A first run (no cursor yet) reads this far back: a week holds every slot once. */
export const FIRST_RUN_LOOKBACK_MS = 7 * 86_400_000;

const HOUR_MS = 3_600_000;

/** Index moves of readers read but not due, in flight at once. */
const MOVE_CONCURRENCY = 16;

export function readerPages(
  options: ReaderSourceOptions,
  deps: ReaderSourceDependencies,
  now: Date,
): ReaderPages {
  let readersRead = 0;
  const calendar = weekCalendar(now);
  const ignoreSlot = options.ignoreSlot ?? false;

  async function* everyConfirmed(): AsyncIterable<readonly Subscriber[]> {
    const confirmed = await deps.subscribers.listConfirmed();
    readersRead += confirmed.length;
    const due = confirmed.filter((reader) => isDue(reader, now, { ignoreSlot: true }, calendar));
    if (due.length > 0) yield due;
  }

  async function* fromTheIndex(): AsyncIterable<readonly Subscriber[]> {
    const since =
      (await deps.plannerCursor.lastCompletedRun()) ?? new Date(now.getTime() - FIRST_RUN_LOOKBACK_MS);
    const limit = pLimit(MOVE_CONCURRENCY);
    for await (const page of deps.subscribers.nextSlotPages(since, now)) {
      readersRead += page.length;
      const due: Subscriber[] = [];
      const moves: Promise<void>[] = [];
      for (const reader of page) {
        if (isDue(reader, now, {}, calendar)) {
          due.push(reader);
          continue;
        }
        // Read but not due (delivered, skipped, planned recently, or filed early): file them where
        // they are next due, or the hour this run leaves behind would forget them.
        if (options.dryRun) continue;
        moves.push(limit(() => deps.subscribers.moveNextSlot(reader.subscriberId, notBefore(reader), now)));
      }
      await Promise.all(moves);
      if (due.length > 0) yield due;
    }
  }

  /** Where a reader read but not due goes: their next instant, and never back into an hour read. */
  const notBefore = (reader: Subscriber): Date | undefined => {
    const instant = nextSlotInstant(reader, now);
    if (instant === undefined || instant.getTime() > now.getTime()) return instant;
    return new Date(startOfHour(now).getTime() + HOUR_MS);
  };

  const source = ignoreSlot ? everyConfirmed : fromTheIndex;
  return {
    [Symbol.asyncIterator]: () => source()[Symbol.asyncIterator](),
    get readersRead() {
      return readersRead;
    },
    async finished() {
      if (!options.dryRun && !ignoreSlot) await deps.plannerCursor.recordCompletedRun(now);
    },
  };
}
