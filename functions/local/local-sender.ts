import type { SQSEvent } from 'aws-lambda';
import { handleSendBatch, type BatchReport } from '../app/jobs.ts';
import { SEND_QUEUE } from '../adapters/dynamodb/tables.ts';
import { describeError } from '../core/errors.ts';
import type { LocalEnvironment } from './environment.ts';
import { LocalSqsPoller } from './sqs-poller.ts';

/**
 * The send Lambda, locally: the real send handler behind the SQS poller that plays Lambda's event
 * source mapping, on this environment's queue. `onReport` sees every batch's counts. Start it,
 * drain or stop it; stop it before the environment.
 */
export function createLocalSender(
  environment: LocalEnvironment,
  onReport: (report: BatchReport) => void,
  options: { readonly waitTimeSeconds: number } = { waitTimeSeconds: 1 },
): LocalSqsPoller {
  const { context } = environment;
  return new LocalSqsPoller(
    context.clients.sqs,
    async (event: SQSEvent) => {
      const report = await handleSendBatch(context, event);
      onReport(report);
      return report.response;
    },
    {
      queueUrl: environment.queues.sendUrl,
      queueArn: environment.queues.sendArn,
      region: context.config.region,
      batchSize: SEND_QUEUE.batchSize,
      waitTimeSeconds: options.waitTimeSeconds,
      onError: (error) => context.logger.error('send poller', { error: describeError(error) }),
    },
  );
}
