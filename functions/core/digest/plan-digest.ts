import type { Article, Subscriber } from '../model.ts';
import type {
  ArticleStore,
  Clock,
  DeliveryLedger,
  Logger,
  SendQueue,
  SubscriberStore,
} from '../../ports/index.ts';
import type { DigestJob } from '../delivery/send-job.ts';
import { isDue, weeklyDigestId } from './schedule.ts';
import {
  selectArticles,
  selectionKey,
  selectionSize,
  topicsKey,
  type Selection,
  type SelectionLimits,
} from './select.ts';

export interface PlanDependencies {
  readonly subscribers: SubscriberStore;
  readonly articles: ArticleStore;
  readonly ledger: DeliveryLedger;
  readonly queue: SendQueue;
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
  readonly confirmed: number;
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

/**
 * The hourly planner: find the readers who are due, select each one's articles, group readers
 * with identical selections and enqueue one send job per group (chunked by recipientsPerJob).
 */
export async function planDigest(options: PlanOptions, deps: PlanDependencies): Promise<PlanSummary> {
  const now = deps.clock.now();
  const confirmed = await deps.subscribers.listConfirmed();
  const due = confirmed.filter((subscriber) =>
    isDue(subscriber, now, { ignoreSlot: options.ignoreSlot ?? false }),
  );

  const windowStarts = new Map(
    due.map((subscriber) => [subscriber.subscriberId, windowStartFor(subscriber, now, options)]),
  );
  let earliest = now.getTime();
  for (const start of windowStarts.values()) earliest = Math.min(earliest, start.getTime());
  const articles = due.length > 0 ? await deps.articles.listFirstSeenBetween(new Date(earliest), now) : [];

  const groups = new Map<string, { digestId: string; selection: Selection; readers: Subscriber[] }>();
  let skipped = 0;
  for (const subscriber of due) {
    const windowStart = windowStarts.get(subscriber.subscriberId)!;
    const inWindow = articles.filter(
      (article: Article) => Date.parse(article.firstSeenAt) > windowStart.getTime(),
    );
    const selection = selectArticles(inWindow, subscriber.topics, options, now);
    const digestId = weeklyDigestId(subscriber.delivery, now);
    if (selectionSize(selection) === 0) {
      skipped += 1;
      if (!options.dryRun) {
        await deps.ledger.markSkipped(
          { digestId, subscriberId: subscriber.subscriberId },
          'no matching articles',
          now,
        );
      }
      continue;
    }
    const key = `${digestId}:${selectionKey(selection)}`;
    const group = groups.get(key) ?? { digestId, selection, readers: [] };
    group.readers.push(subscriber);
    groups.set(key, group);
  }

  const jobs: DigestJob[] = [];
  for (const [key, group] of groups) {
    for (let start = 0; start < group.readers.length; start += options.recipientsPerJob) {
      jobs.push({
        kind: 'digest',
        version: 1,
        digestId: group.digestId,
        groupKey: key.split(':')[1]!,
        windowEnd: now.toISOString(),
        sections: group.selection.sections.map((section) => ({
          topic: section.topic,
          articles: section.articles.map((article) => ({
            articleId: article.articleId,
            matchedTopics: [...article.matchedTopics],
          })),
        })),
        recipients: group.readers.slice(start, start + options.recipientsPerJob).map((reader) => ({
          subscriberId: reader.subscriberId,
          topicsKey: topicsKey(reader.topics),
        })),
      });
    }
  }

  if (!options.dryRun && jobs.length > 0) {
    await deps.queue.enqueue(jobs);
    for (const group of groups.values()) {
      for (const reader of group.readers)
        await deps.subscribers.markPlanned(reader.subscriberId, group.digestId, now);
    }
  }

  const planned = [...groups.values()].reduce((total, group) => total + group.readers.length, 0);
  deps.logger.info('digest planned', {
    due: due.length,
    planned,
    groups: groups.size,
    jobs: jobs.length,
    skipped,
  });
  return {
    plannedAt: now.toISOString(),
    confirmed: confirmed.length,
    due: due.length,
    planned,
    skippedNoArticles: skipped,
    groups: groups.size,
    jobs: jobs.length,
    articlesInWindow: articles.length,
  };
}

function windowStartFor(subscriber: Subscriber, now: Date, options: PlanOptions): Date {
  const floor = now.getTime() - MAX_WINDOW_DAYS * 86_400_000;
  const start = subscriber.lastDigestAt
    ? Date.parse(subscriber.lastDigestAt)
    : now.getTime() - options.firstWindowDays * 86_400_000;
  return new Date(Math.max(start, floor));
}
