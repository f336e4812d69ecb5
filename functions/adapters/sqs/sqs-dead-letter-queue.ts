import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue, Redrive } from '../../ports/dead-letter-queue.ts';

/** SQS's largest batch of ReceiveMessage, SendMessageBatch and DeleteMessageBatch. */
const BATCH_LIMIT = 10;

/**
 * How long a taken message stays out of sight: long enough to enqueue it again and delete it,
 * short enough that one a redrive left (poison, or a failed enqueue) is soon back for a look.
 */
const TAKE_VISIBILITY_SECONDS = 60;

export interface DeadLetterQueueUrls {
  readonly sendUrl: string;
  /** The DLQ's URL, or how to find it (GetQueueUrl by name), asked on first use only. */
  readonly deadLetterUrl: string | (() => Promise<string>);
}

/**
 * The send queue's DLQ on SQS. A redrive is receive, SendMessageBatch to the send queue, then
 * DeleteMessageBatch here: a crash between the two leaves a job on both queues, which the
 * delivery ledger makes harmless (whoever was sent is skipped). SQS's own StartMessageMoveTask
 * would move messages without a look at them, and the local stand-in does not have it.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  private deadLetterUrl: Promise<string> | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly urls: DeadLetterQueueUrls,
  ) {}

  async depth(): Promise<number> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.dlqUrl(),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  async peek(max: number): Promise<DeadLetter[]> {
    // Visibility 0: the messages stay in sight for the next look, or a redrive.
    return this.receive(Math.min(max, BATCH_LIMIT), 0);
  }

  take(): Promise<DeadLetter[]> {
    return this.receive(BATCH_LIMIT, TAKE_VISIBILITY_SECONDS);
  }

  async moveToSendQueue(redrives: readonly Redrive[]): Promise<DeadLetter[]> {
    const moved: DeadLetter[] = [];
    for (let start = 0; start < redrives.length; start += BATCH_LIMIT) {
      const batch = redrives.slice(start, start + BATCH_LIMIT);
      const sent = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.urls.sendUrl,
          Entries: batch.map((redrive, index) => ({ Id: String(index), MessageBody: redrive.body })),
        }),
      );
      const enqueued = (sent.Successful ?? []).map((entry) => batch[Number(entry.Id)]!.letter);
      if (enqueued.length === 0) continue;
      const deleted = await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: await this.dlqUrl(),
          Entries: enqueued.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.receipt })),
        }),
      );
      // Not deleted (its receipt expired): it comes back into sight, and a second redrive is harmless.
      moved.push(...(deleted.Successful ?? []).map((entry) => enqueued[Number(entry.Id)]!));
    }
    return moved;
  }

  private async receive(max: number, visibilityTimeout: number): Promise<DeadLetter[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: await this.dlqUrl(),
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilityTimeout,
        // A short long-poll: every server of the queue answers, so an empty answer means empty.
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    return Messages.map(toDeadLetter);
  }

  private dlqUrl(): Promise<string> {
    const { deadLetterUrl } = this.urls;
    if (typeof deadLetterUrl === 'string') return Promise.resolve(deadLetterUrl);
    // Found once; a failed look-up is asked again next time rather than remembered.
    this.deadLetterUrl ??= deadLetterUrl().catch((error: unknown) => {
      this.deadLetterUrl = undefined;
      throw error;
    });
    return this.deadLetterUrl;
  }
}

function toDeadLetter(message: Message): DeadLetter {
  const attributes = message.Attributes ?? {};
  const sentAt = Number(attributes.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: Number(attributes.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sentAt) && sentAt > 0 ? sentAt : undefined,
    receipt: message.ReceiptHandle ?? '',
  };
}
