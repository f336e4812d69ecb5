import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runIngest, type IngestSummary } from '../core/ingest/run-ingest.ts';
import { planDigest, type PlanSummary } from '../core/digest/plan-digest.ts';
import {
  deliverJob,
  digestInputsFor,
  type DeliveryDependencies,
  type AnnouncementSend,
  type DeliveryRun,
  type JobOutcome,
} from '../core/delivery/deliver-job.ts';
import {
  continuationDelaySeconds,
  LEASE_MS,
  SEND_CONCURRENCY_PER_JOB,
  SEND_RETRIES,
  YIELD_MARGIN_MS,
} from '../core/delivery/send-policy.ts';
import { parseSendJob, type DigestJob, type SendJob } from '../core/delivery/send-job.ts';
import { loadAnnouncementSend } from '../core/announcements/load-announcement-send.ts';
import { planAnnouncementSend } from '../core/announcements/plan-announcement-send.ts';
import type { Source } from '../model/sources.ts';
import { liveUrlOf } from '../core/ingest/sources.ts';
import type { DigestViewInput } from '../core/rendering/digest-view.ts';
import type { AppContext } from './context.ts';

/**
 * The three scheduled or queued jobs, as the handlers and the local runtime run them. Each is
 * one use case call with the context's adapters; no business rule lives here.
 */

export interface IngestOptions {
  /**
   * Which URL to fetch for a source (a feed's, or the base URL of the API it searches): the real
   * one in the cloud, a loopback snapshot locally. undefined skips the source (offline, a source
   * without a snapshot cannot be fetched).
   */
  readonly fetchUrlFor?: (source: Source) => string | undefined;
}

export function ingestOnce(context: AppContext, options: IngestOptions = {}): Promise<IngestSummary> {
  const fetchUrlFor = options.fetchUrlFor ?? liveUrlOf;
  return runIngest(
    {
      sources: context.sources
        .filter((source) => source.enabled)
        .flatMap((source) => {
          const fetchUrl = fetchUrlFor(source);
          return fetchUrl ? [{ source, fetchUrl }] : [];
        }),
      siteArticles: context.siteArticles,
      concurrency: context.config.fetch.concurrency,
      maxBytes: context.config.fetch.maxBytes,
      apiSources: {
        lookbackDays: context.config.apiSources.lookbackDays,
        maxRecordsPerRun: context.config.apiSources.maxRecordsPerRun,
        maxBytes: context.config.apiSources.maxBytes,
      },
    },
    context,
  );
}

export function planDigestOnce(
  context: AppContext,
  options: { ignoreSlot?: boolean; dryRun?: boolean } = {},
): Promise<PlanSummary> {
  const { digest } = context.config;
  return planDigest(
    {
      maxPerTopic: digest.maxPerTopic,
      maxArticles: digest.maxArticles,
      firstWindowDays: digest.firstWindowDays,
      recipientsPerJob: digest.recipientsPerJob,
      ignoreSlot: options.ignoreSlot ?? false,
      dryRun: options.dryRun ?? false,
    },
    context,
  );
}

export interface BatchReport {
  readonly response: SQSBatchResponse;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly poison: number;
  /** Continuation jobs enqueued for recipients a job handed on (deadline, throttling, quota). */
  readonly continued: number;
  /** The daily sending quota stopped this batch: the rest waits on the queue. */
  readonly quotaExceeded: boolean;
}

export interface SendBatchOptions {
  /** Milliseconds the sender has left (Lambda's getRemainingTimeInMillis); unlimited when absent. */
  readonly remainingTimeMs?: () => number;
  /** How the sender waits between SES retries (real time unless a simulation compresses it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The SQS send handler's body. Every record is one job; the batch's jobs run side by side after
 * the pieces they all need are rendered in one go (digests) or their send is read and rendered
 * once (announcements); an admin send's plan job fans the send out into announcement jobs. A record is reported in batchItemFailures
 * (partial batch response) only when it must come back whole (SES unavailable, a crash); a job
 * cut short by the deadline, by persistent throttling or by the daily quota is acknowledged
 * after its unsent recipients were enqueued as a continuation job — so it never creeps towards
 * the DLQ for reasons that are not its own. Poison goes back too: after maxReceiveCount receives
 * SQS moves it to the DLQ, where it is explained.
 */
export async function handleSendBatch(
  context: AppContext,
  event: SQSEvent,
  options: SendBatchOptions = {},
): Promise<BatchReport> {
  const failures: string[] = [];
  const totals = { sent: 0, skipped: 0, failed: 0, poison: 0, continued: 0 };
  const jobs: { messageId: string; job: SendJob }[] = [];
  for (const record of event.Records) {
    try {
      jobs.push({ messageId: record.messageId, job: parseSendJob(record.body) });
    } catch (error) {
      totals.poison += 1;
      context.logger.error('poison send job', { messageId: record.messageId, error });
      failures.push(record.messageId);
    }
  }

  const deps: DeliveryDependencies = {
    ...context,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    settings: {
      siteUrl: context.config.siteUrl,
      unsubscribeMailto: context.config.mail.unsubscribeMailto,
      leaseMs: LEASE_MS,
      ...SEND_RETRIES,
      concurrency: SEND_CONCURRENCY_PER_JOB,
    },
  };
  const remaining = options.remainingTimeMs;
  const run: DeliveryRun = {
    stop: false,
    shouldYield: remaining ? () => remaining() < YIELD_MARGIN_MS : () => false,
  };
  const digestJobs = jobs.flatMap(({ job }) => (job.kind === 'digest' ? [job] : []));
  const digestInputs = new Map<DigestJob, DigestViewInput>();
  if (digestJobs.length > 0) {
    const inputs = await digestInputsFor(digestJobs, context.articles);
    digestJobs.forEach((job, index) => digestInputs.set(job, inputs[index]!));
    await context.renderer.prepareDigests(inputs);
  }
  // An announcement's record is read and rendered once per batch, whatever number of its jobs it holds.
  const announcementSends = new Map<string, Promise<AnnouncementSend | undefined>>();
  const announcementSend = (sendId: string) => {
    let send = announcementSends.get(sendId);
    if (!send) announcementSends.set(sendId, (send = loadAnnouncementSend(sendId, context)));
    return send;
  };

  await Promise.all(
    jobs.map(async ({ messageId, job }) => {
      let outcome: JobOutcome;
      try {
        if (job.kind === 'announcement-plan') {
          await planAnnouncementSend(job, context.config.digest.recipientsPerJob, context);
          return;
        }
        let input: DigestViewInput | AnnouncementSend | undefined;
        if (job.kind === 'digest') input = digestInputs.get(job);
        else if (!(input = await announcementSend(job.sendId))) {
          // Jobs of a send that has no record cannot be sent; retrying will not change that.
          totals.poison += 1;
          context.logger.error('announcement job of an unknown send: dropped', {
            messageId,
            sendId: job.sendId,
          });
          return;
        }
        outcome = await deliverJob(job, deps, run, input);
      } catch (error) {
        context.logger.error('send job failed', { messageId, error });
        failures.push(messageId);
        return;
      }
      totals.sent += outcome.sent;
      totals.skipped += outcome.skipped;
      totals.failed += outcome.failed;
      if (outcome.retry || !outcome.remaining) {
        if (outcome.retry) failures.push(messageId);
        return;
      }
      try {
        const delaySeconds = continuationDelaySeconds(outcome.interruption);
        await context.queue.enqueue([outcome.remaining], delaySeconds > 0 ? { delaySeconds } : {});
        totals.continued += 1;
      } catch (error) {
        // Could not hand on: let the whole message come back; its sent recipients will be skipped.
        context.logger.error('continuation job not enqueued', { messageId, error });
        failures.push(messageId);
      }
    }),
  );
  return {
    response: { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) },
    ...totals,
    quotaExceeded: run.stop,
  };
}
