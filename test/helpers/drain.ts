import type { SQSEvent } from 'aws-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { handleSendBatch, type BatchReport } from '../../functions/app/jobs.ts';
import type { AppContext } from '../../functions/app/context.ts';
import { LocalSqsPoller } from '../../functions/local/sqs-poller.ts';

export interface DrainTotals {
  sent: number;
  skipped: number;
  failed: number;
  poison: number;
  batches: number;
}

/** Runs the real send handler behind the local SQS poller until the queue is empty. */
export async function drainSendQueue(
  context: AppContext,
  queueUrl: string,
  options: {
    timeoutMs?: number;
    handler?: (event: SQSEvent) => Promise<BatchReport>;
    /** Records per batch: 5 as the send function's event source mapping, up to SQS's 10. */
    batchSize?: number;
  } = {},
): Promise<DrainTotals> {
  const totals: DrainTotals = { sent: 0, skipped: 0, failed: 0, poison: 0, batches: 0 };
  const { Attributes } = await context.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const poller = new LocalSqsPoller(
    context.clients.sqs,
    async (event) => {
      const report = await (options.handler ?? ((e: SQSEvent) => handleSendBatch(context, e)))(event);
      totals.sent += report.sent;
      totals.skipped += report.skipped;
      totals.failed += report.failed;
      totals.poison += report.poison;
      totals.batches += 1;
      return report.response;
    },
    {
      queueUrl,
      queueArn: Attributes!.QueueArn!,
      region: 'us-east-1',
      batchSize: options.batchSize ?? 5,
      waitTimeSeconds: 1,
    },
  );
  poller.start();
  const drained = await poller.drain(options.timeoutMs ?? 30_000);
  await poller.stop();
  if (!drained) throw new Error('send queue did not drain');
  return totals;
}
