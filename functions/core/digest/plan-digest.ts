import pLimit from 'p-limit';
import type { TopicId } from '../../model/topics.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryClaims } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { PlannerCursor } from '../../ports/planner-cursor.ts';
import type { DigestMarks, NextSlotIndex, SubscriberReader } from '../../ports/subscriber-store.ts';
import type { DigestJob } from '../delivery/send-job.ts';
import { readerPages } from './reader-pages.ts';
import { isDue, nextSlotAfterDigest, weekCalendar } from './schedule.ts';
import { SelectionMemo, WindowArticles } from './selection-memo.ts';
import type { Selection, SelectionLimits } from './select.ts';

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
  /**
   * @deprecated The readers the run read (readersRead) under its old name: kept only in the JSON
   * the `digest` command prints, for scripts that read it. Read `readersRead`.
   */
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

/** Subscriber and ledger writes in flight at once: 100,000 readers in minutes, not hours. */
const WRITE_CONCURRENCY = 16;

/** Full jobs are put on the queue once this many are ready (SQS takes ten a batch). */
const ENQUEUE_BATCH = 10;

/** A reader as a send job names them. */
type Recipient = DigestJob['recipients'][number];

/**
 * Readers who share a digest and a selection: one email, sent in jobs of recipientsPerJob. Only
 * the readers not yet in a job wait here; a full job goes to the queue as soon as it is full.
 */
interface Group {
  readonly digestId: string;
  readonly groupKey: string;
  readonly sections: DigestJob['sections'];
  readonly quietTopics: readonly TopicId[];
  readonly waiting: Recipient[];
}

/**
 * The hourly planner: find the readers who are due, select each one's articles, group readers
 * with identical selections and enqueue one send job per group (chunked by recipientsPerJob).
 * Readers with nothing new are recorded as skipped (ledger and reader) and get no email.
 *
 * It reads the readers page by page and holds none of them beyond their page: a group's full job
 * is enqueued as soon as it is full (and its readers marked planned), the groups' remainders at
 * the end. Memory grows with the groups and the week's articles, not with the list.
 */
export async function planDigest(options: PlanOptions, deps: PlanDependencies): Promise<PlanSummary> {
  const now = deps.clock.now();
  const pages = readerPages(options, deps, now);

  const calendar = weekCalendar(now);
  const dueOptions = { ignoreSlot: options.ignoreSlot ?? false };
  const selections = new SelectionMemo(new WindowArticles(deps.articles, now), options, now);
  /**
   * Groups by digest id, then by selection key: selections made for other readers (other topics,
   * another window) that hold the same articles share one group and one email.
   */
  const groups = new Map<string, Map<string, Group>>();
  let groupCount = 0;
  const limit = pLimit(WRITE_CONCURRENCY);
  const ready: DigestJob[] = [];
  let due = 0;
  let planned = 0;
  let skippedNoArticles = 0;
  let jobs = 0;

  const enqueueReady = async () => {
    const batch = ready.splice(0);
    jobs += batch.length;
    if (batch.length === 0 || options.dryRun) return;
    await deps.queue.enqueue(batch);
    // Marked after the enqueue: a crash in between only means the next run plans them again,
    // and the delivery ledger makes that second plan send nothing twice.
    await Promise.all(
      batch.flatMap((job) =>
        job.recipients.map((recipient) =>
          limit(() => deps.subscribers.markPlanned(recipient.subscriberId, job.digestId, now)),
        ),
      ),
    );
  };

  for await (const page of pages) {
    const skipped: { subscriberId: string; digestId: string; until: Date | undefined }[] = [];
    for (const subscriber of page) {
      if (!isDue(subscriber, now, dueOptions, calendar)) continue;
      due += 1;
      const memoised = await selections.selectionFor(subscriber);
      const { selection, key: groupKey, topics } = memoised;
      const digestId = calendar.digestId(subscriber.delivery);
      if (memoised.size === 0) {
        skipped.push({
          subscriberId: subscriber.subscriberId,
          digestId,
          until: nextSlotAfterDigest(subscriber, digestId, 'skipped', now),
        });
        continue;
      }
      let ofDigest = groups.get(digestId);
      if (!ofDigest) groups.set(digestId, (ofDigest = new Map<string, Group>()));
      let group = ofDigest.get(groupKey);
      if (!group) {
        ofDigest.set(groupKey, (group = groupOf(digestId, groupKey, selection)));
        groupCount += 1;
      }
      group.waiting.push({ subscriberId: subscriber.subscriberId, topicsKey: topics });
      planned += 1;
      if (group.waiting.length >= options.recipientsPerJob)
        ready.push(nextJob(group, now, options.recipientsPerJob));
    }
    skippedNoArticles += skipped.length;
    if (!options.dryRun) {
      await Promise.all(
        skipped.map(({ subscriberId, digestId, until }) =>
          limit(async () => {
            await deps.ledger.markSkipped({ digestId, subscriberId }, 'no matching articles', now);
            await deps.subscribers.markSkipped(subscriberId, digestId, now, until);
          }),
        ),
      );
    }
    if (ready.length >= ENQUEUE_BATCH) await enqueueReady();
  }
  for (const ofDigest of groups.values()) {
    for (const group of ofDigest.values()) {
      while (group.waiting.length > 0) ready.push(nextJob(group, now, options.recipientsPerJob));
    }
  }
  await enqueueReady();

  // Only now, with every page planned, may the cursor move past this run's hours.
  await pages.finished();

  const { readersRead } = pages;
  deps.logger.info('digest planned', {
    readersRead,
    due,
    planned,
    groups: groupCount,
    jobs,
    skipped: skippedNoArticles,
  });
  return {
    plannedAt: now.toISOString(),
    confirmed: readersRead,
    readersRead,
    due,
    planned,
    skippedNoArticles,
    groups: groupCount,
    jobs,
    articlesInWindow: selections.articlesInWindow(),
  };
}

function groupOf(digestId: string, groupKey: string, selection: Selection): Group {
  return {
    digestId,
    groupKey,
    // The selection's own sections: the memo's, shared by every job of the group, never copied.
    sections: selection.sections,
    quietTopics: selection.quietTopics,
    waiting: [],
  };
}

/** The group's next job: its first recipientsPerJob waiting readers. */
function nextJob(group: Group, now: Date, recipientsPerJob: number): DigestJob {
  return {
    kind: 'digest',
    version: 1,
    digestId: group.digestId,
    groupKey: group.groupKey,
    windowEnd: now.toISOString(),
    sections: group.sections,
    ...(group.quietTopics.length > 0 ? { quietTopics: [...group.quietTopics] } : {}),
    recipients: group.waiting.splice(0, recipientsPerJob),
  };
}
