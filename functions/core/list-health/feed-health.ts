import type { Source, SourceState } from '../../model/sources.ts';

/**
 * How each enabled source is doing: from its fetch history (the source state store) and the
 * articles it brought in the last 30 days. A source is "silent" when its newest item is older
 * than SILENCE_FACTOR times its usual gap between items (the median gap of the last 30 days,
 * never less than a day), or when it brought nothing in 30 days although it is fetched: a feed
 * that answers 200 but stopped publishing (a moved feed, a dead journal page) looks healthy
 * to the fetch history alone.
 */

const DAY_MS = 86_400_000;
export const SILENCE_FACTOR = 3;
/** Fewer items than this in 30 days tell no usual gap. */
const MIN_ITEMS_FOR_GAP = 3;

export interface FeedHealth {
  readonly sourceId: string;
  readonly name: string;
  readonly lastSuccessAt: string | undefined;
  readonly lastFailureAt: string | undefined;
  readonly consecutiveFailures: number;
  readonly lastError: string | undefined;
  readonly items7d: number;
  readonly items30d: number;
  /** When its newest item of the last 30 days was first seen. */
  readonly lastItemAt: string | undefined;
  /** The median days between its items over 30 days; undefined with too few items. */
  readonly usualGapDays: number | undefined;
  readonly silent: boolean;
  /** ok; failing (its last fetch failed); silent; never (no fetch recorded yet). */
  readonly status: 'ok' | 'failing' | 'silent' | 'never-fetched';
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * @param firstSeen when each of the source's articles of the last 30 days was first seen (epoch ms)
 */
export function feedHealthOf(
  source: Pick<Source, 'id' | 'name'>,
  state: SourceState | undefined,
  firstSeen: readonly number[],
  now: Date,
): FeedHealth {
  const times = [...firstSeen].sort((a, b) => a - b);
  const since = (days: number) => times.filter((time) => time > now.getTime() - days * DAY_MS).length;
  const lastItem = times.at(-1);
  // Items of one run share a day: gaps are measured between days with items, not between items.
  const days = [...new Set(times.map((time) => Math.floor(time / DAY_MS)))];
  const gaps = days.slice(1).map((day, index) => day - days[index]!);
  const usualGapDays =
    times.length >= MIN_ITEMS_FOR_GAP && gaps.length > 0 ? Math.max(1, median(gaps)) : undefined;
  const fetched = state?.lastSuccessAt !== undefined;
  const silent =
    fetched &&
    (lastItem === undefined
      ? true
      : usualGapDays !== undefined && now.getTime() - lastItem > SILENCE_FACTOR * usualGapDays * DAY_MS);
  const failing =
    (state?.consecutiveFailures ?? 0) > 0 &&
    (state?.lastSuccessAt === undefined || (state.lastFailureAt ?? '') > state.lastSuccessAt);
  return {
    sourceId: source.id,
    name: source.name,
    lastSuccessAt: state?.lastSuccessAt,
    lastFailureAt: state?.lastFailureAt,
    consecutiveFailures: state?.consecutiveFailures ?? 0,
    lastError: state?.lastError,
    items7d: since(7),
    items30d: since(30),
    lastItemAt: lastItem === undefined ? undefined : new Date(lastItem).toISOString(),
    usualGapDays,
    silent,
    status: failing ? 'failing' : silent ? 'silent' : state === undefined ? 'never-fetched' : 'ok',
  };
}
