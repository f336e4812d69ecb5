import type { SQSEvent } from 'aws-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { handleSendBatch, type BatchReport } from '../../functions/app/jobs.ts';
import type { AppContext } from '../../functions/app/context.ts';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import type { Config } from '../../functions/config/config.ts';
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
    handingBackAbandonedReceives(context.clients.sqs, context.config),
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

/**
 * fauxqs goes on serving a long poll whose client has gone: stopping the poller aborts its receive,
 * yet the next message sent to the queue (by the test, after this drain) is handed to that
 * abandoned poll and stays invisible for the queue's whole visibility timeout, and the next drain
 * waits it out (30 s in api-abuse). So the poller's receives go through this client: an aborted
 * receive answers the poller at once but is left to finish, and whatever it took is made visible
 * again straight away, as if it had never been received.
 */
function handingBackAbandonedReceives(sqs: SQSClient, config: Config): SQSClient {
  const send = ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
    const signal = options?.abortSignal;
    if (!(command instanceof ReceiveMessageCommand) || !signal) return sqs.send(command as never, options);
    const received = sqs.send(command);
    void received
      .then(async ({ Messages = [] }) => {
        if (!signal.aborted || Messages.length === 0) return;
        // Through a client of its own: a test that records its world's calls (same-path) sees none.
        const handBack = createAwsClients(config).sqs;
        try {
          await handBack.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: command.input.QueueUrl,
              Entries: Messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle!,
                VisibilityTimeout: 0,
              })),
            }),
          );
        } finally {
          handBack.destroy();
        }
      })
      // The world may be gone by then (client destroyed, queue deleted): nothing left to hand back.
      .catch(() => undefined);
    return new Promise<ReceiveMessageCommandOutput>((resolve, reject) => {
      const abandon = () => reject(new Error('receive aborted', { cause: signal.reason }));
      if (signal.aborted) return abandon();
      // One signal serves all of a poller's receives: each takes its listener off when it settles.
      signal.addEventListener('abort', abandon, { once: true });
      received.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
    });
  }) as SQSClient['send'];
  return new Proxy(sqs, {
    get: (target, key): unknown => (key === 'send' ? send : Reflect.get(target, key)),
  });
}
