import type { CensusRow, ReaderCounts, RunRecord, WeeklyReaderCounts } from '../../model/list-health.ts';
import type { Source } from '../../model/sources.ts';
import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeadLetterQueue } from '../../ports/dead-letter-queue.ts';
import type { DeliveryReports } from '../../ports/delivery-ledger.ts';
import type { RunLog, SubscriberCensus, WeeklyCountStore } from '../../ports/list-health.ts';
import type { SourceStateStore } from '../../ports/source-state-store.ts';
import { announcementLedgerId } from '../announcements/announcement.ts';
import { windowRates, type WindowRates } from './deliverability.ts';
import { feedHealthOf, type FeedHealth } from './feed-health.ts';
import { countReaders, isoWeekOf, lastWeeks, mailEventsBetween } from './reader-counts.ts';

/**
 * The editors' dashboard (`GET /admin/stats`, the `/admin` page, `immuno-digest stats`): how the
 * list and the feeds are doing, read from where the facts live. Readers come from a census of the
 * subscribers table (addresses never read); emails from the delivery ledger; runs from the run
 * log the jobs write where they end; feed health from the source state store and the articles of
 * the last 30 days. Nothing is counted twice or kept in a second place, except the weekly reader
 * counts, which are the only way to see change: the table holds today only.
 */

const DAY_MS = 86_400_000;
export const HISTORY_WEEKS = 12;

export interface ListHealthDependencies {
  readonly census: SubscriberCensus;
  readonly weeklyCounts: WeeklyCountStore;
  readonly runLog: RunLog;
  readonly ledger: Pick<DeliveryReports, 'countByStatus' | 'sentTimes'>;
  readonly adminSends: Pick<AdminSendStore, 'listRecent'>;
  readonly deadLetters: Pick<DeadLetterQueue, 'depth'>;
  readonly sources: readonly Source[];
  readonly sourceState: Pick<SourceStateStore, 'getMany'>;
  readonly articles: Pick<ArticleReader, 'listFirstSeenBetween'>;
  readonly clock: Clock;
}

/** One week of the 12: its reader counts, or none when no count was taken that week. */
export interface HistoryWeek {
  readonly week: string;
  readonly counts: ReaderCounts | undefined;
}

/** What the digests of one ISO week came to, from the ledger (`weekly-<week>`). */
export interface DigestWeek {
  readonly digestId: string;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Claimed and not settled yet (a send in flight, or a crashed sender's lease). */
  readonly inFlight: number;
}

export interface ListStats {
  readonly generatedAt: string;
  readonly readers: ReaderCounts;
  readonly history: readonly HistoryWeek[];
  readonly runs: { readonly ingest: readonly RunRecord[]; readonly planDigest: readonly RunRecord[] };
  readonly digestWeeks: readonly DigestWeek[];
  readonly deliverability: readonly WindowRates[];
  readonly deadLetterDepth: number;
  readonly feeds: readonly FeedHealth[];
}

const digestIdOf = (week: string) => `weekly-${week}`;

/** Takes this week's reader counts from a census, replacing any taken earlier this week. */
export async function takeWeeklyCounts(
  deps: Pick<ListHealthDependencies, 'weeklyCounts' | 'clock'>,
  rows: readonly CensusRow[],
): Promise<WeeklyReaderCounts> {
  const now = deps.clock.now();
  const counts: WeeklyReaderCounts = {
    week: isoWeekOf(now),
    takenAt: now.toISOString(),
    ...countReaders(rows, now),
  };
  await deps.weeklyCounts.put(counts);
  return counts;
}

/**
 * The planner's hourly run takes the week's counts once (one read when already taken), so the
 * 12-week change has a point for every week the planner ran, whether anyone looked or not.
 */
export async function takeWeeklyCountsIfDue(
  deps: Pick<ListHealthDependencies, 'weeklyCounts' | 'clock' | 'census'>,
): Promise<boolean> {
  if (await deps.weeklyCounts.has(isoWeekOf(deps.clock.now()))) return false;
  await takeWeeklyCounts(deps, await deps.census.census());
  return true;
}

export async function loadListStats(deps: ListHealthDependencies): Promise<ListStats> {
  const now = deps.clock.now();
  const weeks = lastWeeks(now, HISTORY_WEEKS);
  const rows = await deps.census.census();
  const [current, stored, ingestRuns, planRuns, digestWeeks, deadLetterDepth, feeds, sent] =
    await Promise.all([
      takeWeeklyCounts(deps, rows),
      deps.weeklyCounts.getMany(weeks),
      deps.runLog.latest('ingest'),
      deps.runLog.latest('plan-digest'),
      Promise.all(weeks.map((week) => digestWeekOf(deps, digestIdOf(week)))),
      deps.deadLetters.depth(),
      feedHealth(deps, now),
      sentInWindows(deps, now, [7, 30]),
    ]);
  const byWeek = new Map<string, ReaderCounts>(stored.map((counts) => [counts.week, counts]));
  byWeek.set(current.week, current);
  return {
    generatedAt: now.toISOString(),
    readers: { byState: current.byState, byTopic: current.byTopic },
    history: weeks.map((week) => {
      const counts = byWeek.get(week);
      return { week, counts: counts ? { byState: counts.byState, byTopic: counts.byTopic } : undefined };
    }),
    runs: { ingest: ingestRuns, planDigest: planRuns },
    digestWeeks: digestWeeks.reverse(),
    deliverability: [7, 30].map((days, index) =>
      windowRates(days, sent[index]!, mailEventsBetween(rows, new Date(now.getTime() - days * DAY_MS), now)),
    ),
    deadLetterDepth,
    feeds,
  };
}

async function digestWeekOf(deps: ListHealthDependencies, digestId: string): Promise<DigestWeek> {
  const counts = await deps.ledger.countByStatus(digestId);
  return {
    digestId,
    sent: counts.sent,
    skipped: counts.skipped,
    failed: counts.failed,
    inFlight: counts.claimed,
  };
}

/**
 * Emails sent in each of the last `days` windows: the ledger rows of the digests that can hold
 * them (the weeks of the longest window, and the next, which a reader east of UTC is already in)
 * and of the admin sends of the last two months, counted by their sentAt.
 */
async function sentInWindows(
  deps: ListHealthDependencies,
  now: Date,
  windows: readonly number[],
): Promise<number[]> {
  const longest = Math.max(...windows);
  const weeks = lastWeeks(new Date(now.getTime() + 7 * DAY_MS), Math.ceil(longest / 7) + 2);
  const sends = await deps.adminSends.listRecent(now, 2);
  const ledgerIds = [
    ...weeks.map(digestIdOf),
    ...sends
      .filter((send) => send.sentAt && Date.parse(send.sentAt) > now.getTime() - (longest + 7) * DAY_MS)
      .map((send) => announcementLedgerId(send.sendId)),
  ];
  const sentTimes = (await Promise.all(ledgerIds.map((id) => deps.ledger.sentTimes(id)))).flat();
  return windows.map(
    (days) =>
      sentTimes.filter((time) => time > now.getTime() - days * DAY_MS && time <= now.getTime()).length,
  );
}

async function feedHealth(deps: ListHealthDependencies, now: Date): Promise<FeedHealth[]> {
  const sources = deps.sources.filter((source) => source.enabled);
  const [states, articles] = await Promise.all([
    deps.sourceState.getMany(sources.map((source) => source.id)),
    deps.articles.listFirstSeenBetween(new Date(now.getTime() - 30 * DAY_MS), now),
  ]);
  const firstSeenBySource = new Map<string, number[]>();
  for (const article of articles) {
    for (const ref of article.sources) {
      const times = firstSeenBySource.get(ref.sourceId) ?? [];
      times.push(Date.parse(article.firstSeenAt));
      firstSeenBySource.set(ref.sourceId, times);
    }
  }
  return sources.map((source) =>
    feedHealthOf(source, states.get(source.id), firstSeenBySource.get(source.id) ?? [], now),
  );
}
