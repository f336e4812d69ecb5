import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SEND_QUEUE } from '../dynamodb/tables.ts';

export interface QueueUrls {
  readonly sendUrl: string;
  readonly deadLetterUrl: string;
}

/**
 * Creates the send queue and its dead-letter queue from the shared definition (idempotent:
 * CreateQueue with the same attributes returns the existing queue). The local runtime may
 * shorten the visibility timeout so a failed job comes back in seconds, not minutes.
 */
export async function ensureQueues(
  client: SQSClient,
  names: { sendName: string; deadLetterName: string },
  overrides: { visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const dead = await client.send(
    new CreateQueueCommand({
      QueueName: names.deadLetterName,
      Attributes: { MessageRetentionPeriod: String(SEND_QUEUE.deadLetterRetentionSeconds) },
    }),
  );
  const deadLetterUrl = dead.QueueUrl!;
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
  );
  const send = await client.send(
    new CreateQueueCommand({
      QueueName: names.sendName,
      Attributes: {
        VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? SEND_QUEUE.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(SEND_QUEUE.messageRetentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: SEND_QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  return { sendUrl: send.QueueUrl!, deadLetterUrl };
}
