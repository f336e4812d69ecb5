import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runIngest, type IngestSummary } from '../core/ingest/run-ingest.ts';
import { planDigest, type PlanSummary } from '../core/digest/plan-digest.ts';
import {
  deliverJob,
  type DeliveryDependencies,
  type AnnouncementSend,
  type DeliveryRun,
  type JobOutcome,
  type RunStop,
} from '../core/delivery/deliver-job.ts';
import { handOn } from '../core/delivery/hand-on.ts';
import { prepareDigestBatch } from '../core/delivery/prepare-batch.ts';
import {
  LEASE_MS,
  SEND_CONCURRENCY_PER_JOB,
  SEND_RETRIES,
  YIELD_MARGIN_MS,
} from '../core/delivery/send-policy.ts';
import { parseSendJob, type SendJob } from '../core/delivery/send-job.ts';
import type { MailConfigurationProblem } from '../core/errors.ts';
import { loadAnnouncementSend } from '../core/announcements/load-announcement-send.ts';
import { planAnnouncementSend } from '../core/announcements/plan-announcement-send.ts';
import { deliverAccountEmail } from '../core/subscribers/account-requests.ts';
import type { Source } from '../model/sources.ts';
import { liveUrlOf } from '../core/ingest/sources.ts';
import { ingestRunRecord, planRunRecord } from '../core/list-health/run-records.ts';
import { takeWeeklyCountsIfDue } from '../core/list-health/dashboard.ts';
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

export async function ingestOnce(context: AppContext, options: IngestOptions = {}): Promise<IngestSummary> {
  const fetchUrlFor = options.fetchUrlFor ?? liveUrlOf;
  const summary = await runIngest(
    {
      sources: context.sources
        .filter((source) => source.enabled)
        .flatMap((source) => {
          const fetchUrl = fetchUrlFor(source);
          return fetchUrl ? [{ source, fetchUrl }] : [];
        }),
      siteArticles: context.siteArticles,
      articlesBaseUrl: context.config.articlesBaseUrl,
      concurrency: context.config.fetch.concurrency,
      maxBytes: context.config.fetch.maxBytes,
      maxItems: context.config.fetch.maxItems,
      maxArticleAgeDays: context.config.digest.maxArticleAgeDays,
      apiSources: {
        lookbackDays: context.config.apiSources.lookbackDays,
        maxRecordsPerRun: context.config.apiSources.maxRecordsPerRun,
        maxBytes: context.config.apiSources.maxBytes,
      },
    },
    context,
  );
  await recordRun(context, () => context.runLog.record(ingestRunRecord(summary)));
  return summary;
}

/**
 * The dashboard's bookkeeping after a run: the run log, the week's reader counts. A failure here
 * is logged, never the run's: what the run did stands whether the dashboard hears of it or not.
 */
async function recordRun(context: AppContext, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    context.logger.warn('run summary not recorded for the dashboard', { error });
  }
}

export async function planDigestOnce(
  context: AppContext,
  options: { ignoreSlot?: boolean; dryRun?: boolean } = {},
): Promise<PlanSummary> {
  const { digest } = context.config;
  const summary = await planDigest(
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
  if (!options.dryRun) {
    await recordRun(context, () => context.runLog.record(planRunRecord(summary, context.clock.now())));
    await recordRun(context, () => takeWeeklyCountsIfDue(context));
  }
  return summary;
}

export interface BatchReport {
  readonly response: SQSBatchResponse;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly poison: number;
  /** Continuation jobs enqueued for recipients a job handed on (deadline or a refusal of SES's). */
  readonly continued: number;
  /** Of those, the ones SES refused (throttling, outage, quota, setup): enqueued with a backoff. */
  readonly stalled: number;
  /** Why the batch stopped sending, when a refusal every send would meet stopped it. */
  readonly stoppedBy: RunStop | undefined;
  /** Confirmation and manage-link emails sent (account-email jobs; not in the ledger, not in `sent`). */
  readonly accountEmails: number;
  /** The daily sending quota stopped this batch: the rest waits on the queue. */
  readonly quotaExceeded: boolean;
  /** SES refused because of the account's setup (a person must fix it); the readers stay unsent. */
  readonly sesConfigurationProblem: MailConfigurationProblem | undefined;
}

export interface SendBatchOptions {
  /** Milliseconds the sender has left (Lambda's getRemainingTimeInMillis); unlimited when absent. */
  readonly remainingTimeMs?: () => number;
  /** How the sender waits between SES retries (real time unless a simulation compresses it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The SQS send handler's body. Every record is one job; the batch's jobs run side by side after
 * the pieces they all need are rendered in one go (digests, job by job if that fails) or their
 * send is read and rendered once (announcements); an admin send's plan job fans the send out into
 * announcement jobs. A job cut short — by the deadline, or by SES: throttling, an outage, the
 * daily quota, a problem with its setup — is acknowledged after its unsent recipients were
 * enqueued as a continuation job with the send policy's delay (handOn), so it never creeps
 * towards the DLQ for reasons that are not its own. A record is reported in batchItemFailures
 * (partial batch response) only when it must come back whole: a crash, a job that could not be
 * prepared or handed on, or one SES has taken nothing from for STALL_HORIZON_MS. Poison goes
 * back too: after maxReceiveCount receives SQS moves it to the DLQ, where it is explained.
 */
export async function handleSendBatch(
  context: AppContext,
  event: SQSEvent,
  options: SendBatchOptions = {},
): Promise<BatchReport> {
  const failures: string[] = [];
  const totals = { sent: 0, skipped: 0, failed: 0, poison: 0, continued: 0, stalled: 0, accountEmails: 0 };
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
    stoppedBy: undefined,
    shouldYield: remaining ? () => remaining() < YIELD_MARGIN_MS : () => false,
  };
  const digests = await prepareDigestBatch(
    jobs.flatMap(({ job }) => (job.kind === 'digest' ? [job] : [])),
    context,
  );
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
        if (job.kind === 'account-email') {
          const done = await deliverAccountEmail(
            job,
            { ...deps, ...context, ...accountRequests(context) },
            run,
          );
          totals.accountEmails += done.sent;
          totals.poison += done.poison ? 1 : 0;
          if (done.retry) failures.push(messageId);
          return;
        }
        let input: Parameters<typeof deliverJob>[3];
        if (job.kind === 'digest') {
          const digest = digests.get(job)!;
          // This job's articles could not be read or rendered: it alone comes back.
          if (!digest.ready) throw digest.error;
          input = digest.input;
        } else if (!(input = await announcementSend(job.sendId))) {
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
      const next = handOn(job, outcome, context.clock.now());
      if (next.action === 'done') return;
      if (next.action === 'give-up') {
        context.logger.error(
          'SES has taken nothing of this job for a day: it goes back whole, towards the DLQ',
          {
            messageId,
            interruption: outcome.interruption,
            stalledSince: next.stalled.since,
            handOns: next.stalled.handOns,
          },
        );
        failures.push(messageId);
        return;
      }
      try {
        const { delaySeconds } = next;
        await context.queue.enqueue([next.job], delaySeconds > 0 ? { delaySeconds } : {});
        totals.continued += 1;
        if (next.job.stalled) totals.stalled += 1;
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
    stoppedBy: run.stoppedBy,
    quotaExceeded: run.stoppedBy === 'quota',
    sesConfigurationProblem: run.configurationProblem,
  };
}

/** What an account-email job needs beyond the sender's dependencies. */
function accountRequests(context: AppContext) {
  return { siteUrl: context.config.siteUrl, ipHashKey: context.keys.ipHash };
}
