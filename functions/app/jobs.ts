import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describeError, PoisonMessageError } from '../core/errors.ts';
import { runIngest, type IngestSummary } from '../core/ingest/run-ingest.ts';
import { planDigest, type PlanSummary } from '../core/digest/plan-digest.ts';
import { deliverJob, type JobOutcome } from '../core/delivery/deliver-job.ts';
import { parseSendJob } from '../core/delivery/send-job.ts';
import type { Source } from '../core/model.ts';
import type { AppContext } from './context.ts';

/**
 * The three scheduled or queued jobs, as the handlers and the local runtime run them. Each is
 * one use case call with the context's adapters; no business rule lives here.
 */

export interface IngestOptions {
  /**
   * Which URL to fetch for a source: the real one in the cloud, a loopback snapshot locally.
   * undefined skips the source (offline, a source without a snapshot cannot be fetched).
   */
  readonly fetchUrlFor?: (source: Source) => string | undefined;
}

export function ingestOnce(context: AppContext, options: IngestOptions = {}): Promise<IngestSummary> {
  const fetchUrlFor = options.fetchUrlFor ?? ((source: Source) => source.url);
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
}

/** How long a claim protects a send in progress (well under the queue's visibility timeout). */
const LEASE_MS = 5 * 60 * 1000;

/**
 * The SQS send handler's body: every record is one job; a record that needs another try is
 * reported in batchItemFailures (partial batch response) so only it comes back. A daily-quota
 * stop fails the rest of the batch unprocessed: they stay queued for tomorrow.
 */
export async function handleSendBatch(context: AppContext, event: SQSEvent): Promise<BatchReport> {
  const failures: string[] = [];
  const totals = { sent: 0, skipped: 0, failed: 0, poison: 0 };
  let stopped = false;
  for (const record of event.Records) {
    if (stopped) {
      failures.push(record.messageId);
      continue;
    }
    let outcome: JobOutcome;
    try {
      outcome = await deliverJob(parseSendJob(record.body), {
        ...context,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        settings: {
          siteUrl: context.config.siteUrl,
          unsubscribeMailto: context.config.mail.unsubscribeMailto,
          leaseMs: LEASE_MS,
          throttleRetries: 4,
          backoffBaseMs: 250,
        },
      });
    } catch (error) {
      // Poison goes back too: after maxReceiveCount receives SQS moves it to the DLQ, where it is explained.
      if (error instanceof PoisonMessageError) totals.poison += 1;
      context.logger.error('send job failed', { messageId: record.messageId, error: describeError(error) });
      failures.push(record.messageId);
      continue;
    }
    totals.sent += outcome.sent;
    totals.skipped += outcome.skipped;
    totals.failed += outcome.failed;
    if (outcome.retry) failures.push(record.messageId);
    if (outcome.stop) stopped = true;
  }
  return {
    response: { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) },
    ...totals,
  };
}
