import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendJob } from '../../core/delivery/send-job.ts';
import type { EnqueueOptions, SendQueue } from '../../ports/send-queue.ts';

const BATCH_LIMIT = 10;

/** Puts send jobs on SQS, ten per SendMessageBatch call, retrying entries SQS reports as failed. */
export class SqsSendQueue implements SendQueue<SendJob> {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: readonly SendJob[], options: EnqueueOptions = {}): Promise<void> {
    for (let start = 0; start < jobs.length; start += BATCH_LIMIT) {
      let entries = jobs.slice(start, start + BATCH_LIMIT).map((job, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(job),
        ...(options.delaySeconds ? { DelaySeconds: Math.min(900, Math.round(options.delaySeconds)) } : {}),
      }));
      for (let attempt = 0; entries.length > 0; attempt += 1) {
        const response = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const failed = new Set((response.Failed ?? []).map((failure) => failure.Id));
        if (failed.size === 0) break;
        if (attempt >= 4) {
          const reasons = (response.Failed ?? [])
            .map((failure) => `${failure.Code}: ${failure.Message}`)
            .join('; ');
          throw new Error(`SQS refused ${failed.size} send jobs after retries: ${reasons}`);
        }
        entries = entries.filter((entry) => failed.has(entry.Id));
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}
