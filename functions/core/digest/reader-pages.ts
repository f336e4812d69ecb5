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

/**
 * The readers one run reads, page by page, due or not: the planner keeps the due ones (isDue).
 * A reader of the index who is not due has already been filed onwards when their page comes.
 */
export interface ReaderPages extends AsyncIterable<readonly Subscriber[]> {
  /** Readers read so far, due or not. */
  readonly readersRead: number;
  /**
   * Call once the run has planned (enqueued and marked) every page: moves the planner's cursor to
   * this run (not for a dry run or `--once`). A run that fails before leaves it where it was, and
   * the next run reads this run's hours again.
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

  // --once: every confirmed reader, from the confirmed index, page by page.
  async function* everyConfirmed(): AsyncIterable<readonly Subscriber[]> {
    for await (const page of deps.subscribers.confirmedPages()) {
      readersRead += page.length;
      yield page;
    }
  }

  async function* fromTheIndex(): AsyncIterable<readonly Subscriber[]> {
    const since =
      (await deps.plannerCursor.lastCompletedRun()) ?? new Date(now.getTime() - FIRST_RUN_LOOKBACK_MS);
    const limit = pLimit(MOVE_CONCURRENCY);
    for await (const page of deps.subscribers.nextSlotPages(since, now)) {
      readersRead += page.length;
      // Read but not due (delivered, skipped, planned recently, or filed early): filed where they
      // are next due, or the hour this run leaves behind would forget them.
      if (!options.dryRun) {
        await Promise.all(
          page
            .filter((reader) => !isDue(reader, now, {}, calendar))
            .map((reader) =>
              limit(() => deps.subscribers.moveNextSlot(reader.subscriberId, notBefore(reader), now)),
            ),
        );
      }
      yield page;
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
