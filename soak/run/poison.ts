import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SoakRun } from './soak-run.ts';

/**
 * Poison and the dead-letter queue: the soak puts unparseable jobs on the send queue, and after
 * each send phase takes whatever reached the DLQ, to check that only the poison did.
 */

/** One unparseable job on the send queue, marked so that its dead letter can be recognised. */
export async function sendPoison(run: SoakRun): Promise<void> {
  const { poisonSent } = run.tallies;
  const marker = `soak-poison-${poisonSent.length + 1}`;
  poisonSent.push(marker);
  await run.infra.direct.sqs.send(
    new SendMessageCommand({
      QueueUrl: run.infra.queues.sendUrl,
      MessageBody: JSON.stringify({ kind: 'digest', version: 1, note: marker }),
    }),
  );
}

/** Empties the dead-letter queue into the run's list of dead letters. */
export async function collectDeadLetters(run: SoakRun): Promise<void> {
  const { direct, queues } = run.infra;
  for (;;) {
    const { Messages = [] } = await direct.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return;
    for (const message of Messages) {
      run.tallies.deadLetters.push(message.Body ?? '');
      await direct.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: queues.deadLetterUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
    }
  }
}
