import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleSendBatch } from '../app/jobs.ts';
import { appContext, logger, publishCounts, withRequestContext } from './cold-start.ts';
import { METRIC } from './metric-names.ts';

/** SQS event source (ReportBatchItemFailures) → send each job's emails exactly once. */
export const handler = withRequestContext(
  async (event: SQSEvent, lambda: Context): Promise<SQSBatchResponse> => {
    const report = await handleSendBatch(await appContext(), event, {
      remainingTimeMs: () => lambda.getRemainingTimeInMillis(),
    });
    logger.info('send batch done', {
      records: event.Records.length,
      sent: report.sent,
      skipped: report.skipped,
      failed: report.failed,
      poison: report.poison,
      continued: report.continued,
      stalled: report.stalled,
      stoppedBy: report.stoppedBy,
      sesConfigurationProblem: report.sesConfigurationProblem,
      retried: report.response.batchItemFailures.length,
    });
    publishCounts({
      [METRIC.emailsSent]: report.sent,
      [METRIC.emailsFailed]: report.failed,
      [METRIC.emailsSkipped]: report.skipped,
      [METRIC.sendJobsRetried]: report.response.batchItemFailures.length,
      [METRIC.sendJobsContinued]: report.continued,
      [METRIC.sendJobsStalled]: report.stalled,
      [METRIC.sesConfigurationErrors]: report.sesConfigurationProblem ? 1 : 0,
      [METRIC.poisonSendJobs]: report.poison,
    });
    return report.response;
  },
);
