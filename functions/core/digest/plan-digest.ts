import pLimit from 'p-limit';
import type { Subscriber } from '../../model/subscribers.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryClaims } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { PlannerCursor } from '../../ports/planner-cursor.ts';
import type { DigestMarks, NextSlotIndex, SubscriberReader } from '../../ports/subscriber-store.ts';
import type { DigestJob } from '../delivery/send-job.ts';
import { recruitingCountriesByTopic } from './recruiting.ts';
import { readerPages } from './reader-pages.ts';
import { isDue, nextSlotAfterDigest, weekCalendar } from './schedule.ts';
import {
  prepareForSelection,
  selectPrepared,
  selectionKey,
  selectionSize,
  topicsKey,
  type Selection,
  type SelectionLimits,
} from './select.ts';

export interface PlanDependencies {
  readonly subscribers: SubscriberReader & DigestMarks & NextSlotIndex;
  /** Where the last completed run got to in the next-slot index. */
  readonly plannerCursor: PlannerCursor;
  readonly articles: ArticleReader;
  /** Only to record readers whose digest was empty this week. */
  readonly ledger: Pick<DeliveryClaims, 'markSkipped'>;
  readonly queue: SendQueue<DigestJob>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface PlanOptions extends SelectionLimits {
  /** A first digest covers this many days back. */
  readonly firstWindowDays: number;
  readonly recipientsPerJob: number;
  /** Every confirmed reader without this week's digest is due, whatever their slot (`--once`). */
  readonly ignoreSlot?: boolean;
  /** Plan and report, enqueue nothing, record nothing. */
  readonly dryRun?: boolean;
}

export interface PlanSummary {
  readonly plannedAt: string;
  /** Readers this run read (the next-slot index's hours since the last run; everyone with --once). */
  readonly confirmed: number;
  /** Readers this run read, due or not: O(due) for an hourly run, the whole list for --once. */
  readonly readersRead: number;
  readonly due: number;
  /** Readers put on the queue. */
  readonly planned: number;
  /** Due readers with no matching article: no email, recorded as skipped. */
  readonly skippedNoArticles: number;
  readonly groups: number;
  readonly jobs: number;
  readonly articlesInWindow: number;
}

/** A reader not mailed for months still gets a digest of the last four weeks at most. */
const MAX_WINDOW_DAYS = 28;

/** Subscriber and ledger writes in flight at once: 100,000 readers in minutes, not hours. */
const WRITE_CONCURRENCY = 16;

interface Group {
  readonly digestId: string;
  readonly groupKey: string;
  readonly selection: Selection;
  readonly readers: Subscriber[];
}

/**
 * The hourly planner: find the readers who are due, select each one's articles, group readers
 * with identical selections and enqueue one send job per group (chunked by recipientsPerJob).
 * Readers with nothing new are recorded as skipped (ledger and reader) and get no email.
 */
export async function planDigest(options: PlanOptions, deps: PlanDependencies): Promise<PlanSummary> {
  const now = deps.clock.now();
  const pages = readerPages(options, deps, now);
  const calendar = weekCalendar(now);
  const due: Subscriber[] = [];
  for await (const page of pages) {
    for (const subscriber of page) {
      if (isDue(subscriber, now, { ignoreSlot: options.ignoreSlot ?? false }, calendar)) due.push(subscriber);
    }
  }

  const windowStarts = new Map(
    due.map((subscriber) => [subscriber.subscriberId, windowStartFor(subscriber, now, options)]),
  );
  let earliest = now.getTime();
  for (const start of windowStarts.values()) earliest = Math.min(earliest, start);
  const articles = due.length > 0 ? await deps.articles.listFirstSeenBetween(new Date(earliest), now) : [];
  const rankable = prepareForSelection(articles, now);
  // A reader's country changes their selection only where a trial on their topics recruits in
  // it: readers anywhere else share the selection of readers with no country.
  const recruitingCountries = recruitingCountriesByTopic(rankable.map((candidate) => candidate.article));
  const countryThatMatters = (subscriber: Subscriber) => {
    const { country } = subscriber;
    if (!country) return undefined;
    return subscriber.topics.some((topic) => recruitingCountries.get(topic)?.has(country))
      ? country
      : undefined;
  };

  // Readers who share a window, a topic list and (where it matters) a country share a selection:
  // compute it once. Most do — every first digest starts `firstWindowDays` ago, and last week's
  // readers all start where it ended.
  const selections = new Map<string, { selection: Selection; key: string }>();
  const selectionFor = (subscriber: Subscriber) => {
    const windowStart = windowStarts.get(subscriber.subscriberId)!;
    const country = countryThatMatters(subscriber);
    const memo = `${windowStart}|${topicsKey(subscriber.topics)}|${country ?? ''}`;
    let found = selections.get(memo);
    if (!found) {
      const inWindow = rankable.filter((candidate) => candidate.firstSeenMs > windowStart);
      const selection = selectPrepared(inWindow, subscriber.topics, options, country);
      found = { selection, key: selectionKey(selection) };
      selections.set(memo, found);
    }
    return found;
  };

  const groups = new Map<string, Group>();
  const skipped: { subscriberId: string; digestId: string }[] = [];
  const skippedUntil = new Map<string, Date | undefined>();
  for (const subscriber of due) {
    const { selection, key: groupKey } = selectionFor(subscriber);
    const digestId = calendar.digestId(subscriber.delivery);
    if (selectionSize(selection) === 0) {
      skipped.push({ subscriberId: subscriber.subscriberId, digestId });
      skippedUntil.set(subscriber.subscriberId, nextSlotAfterDigest(subscriber, digestId, 'skipped', now));
      continue;
    }
    const key = `${digestId}:${groupKey}`;
    const group = groups.get(key) ?? { digestId, groupKey, selection, readers: [] };
    group.readers.push(subscriber);
    groups.set(key, group);
  }

  const jobs = [...groups.values()].flatMap((group) => jobsOf(group, now, options.recipientsPerJob));
  if (!options.dryRun) {
    const limit = pLimit(WRITE_CONCURRENCY);
    await Promise.all(
      skipped.map(({ subscriberId, digestId }) =>
        limit(async () => {
          await deps.ledger.markSkipped({ digestId, subscriberId }, 'no matching articles', now);
          await deps.subscribers.markSkipped(subscriberId, digestId, now, skippedUntil.get(subscriberId));
        }),
      ),
    );
    if (jobs.length > 0) await deps.queue.enqueue(jobs);
    // Marked after the enqueue: a crash in between only means the next run plans them again,
    // and the delivery ledger makes that second plan send nothing twice.
    await Promise.all(
      [...groups.values()].flatMap((group) =>
        group.readers.map((reader) =>
          limit(() => deps.subscribers.markPlanned(reader.subscriberId, group.digestId, now)),
        ),
      ),
    );
  }

  await pages.finished();

  const planned = [...groups.values()].reduce((total, group) => total + group.readers.length, 0);
  deps.logger.info('digest planned', {
    due: due.length,
    planned,
    groups: groups.size,
    jobs: jobs.length,
    skipped: skipped.length,
  });
  return {
    plannedAt: now.toISOString(),
    confirmed: pages.readersRead,
    readersRead: pages.readersRead,
    due: due.length,
    planned,
    skippedNoArticles: skipped.length,
    groups: groups.size,
    jobs: jobs.length,
    articlesInWindow: articles.length,
  };
}

function jobsOf(group: Group, now: Date, recipientsPerJob: number): DigestJob[] {
  const sections = group.selection.sections.map((section) => ({
    topic: section.topic,
    articles: section.articles.map((article) => ({
      articleId: article.articleId,
      matchedTopics: [...article.matchedTopics],
      ...(article.recruitingHere ? { recruitingHere: true as const } : {}),
    })),
  }));
  const jobs: DigestJob[] = [];
  for (let start = 0; start < group.readers.length; start += recipientsPerJob) {
    jobs.push({
      kind: 'digest',
      version: 1,
      digestId: group.digestId,
      groupKey: group.groupKey,
      windowEnd: now.toISOString(),
      sections,
      ...(group.selection.quietTopics.length > 0 ? { quietTopics: [...group.selection.quietTopics] } : {}),
      recipients: group.readers.slice(start, start + recipientsPerJob).map((reader) => ({
        subscriberId: reader.subscriberId,
        topicsKey: topicsKey(reader.topics),
      })),
    });
  }
  return jobs;
}

/** Since the last delivered digest; a first digest looks `firstWindowDays` back. Epoch ms. */
function windowStartFor(subscriber: Subscriber, now: Date, options: PlanOptions): number {
  const floor = now.getTime() - MAX_WINDOW_DAYS * 86_400_000;
  const start = subscriber.lastDigestAt
    ? Date.parse(subscriber.lastDigestAt)
    : now.getTime() - options.firstWindowDays * 86_400_000;
  return Math.max(start, floor);
}
