/**
 * A message of the send queue's dead-letter queue: a job that failed SEND_QUEUE.maxReceiveCount
 * times (a crash, poison, or a job SES took nothing from for a day).
 */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  /** Receives it had, as the queue counts them (approximate, as SQS's is). */
  readonly receiveCount: number;
  /** When it was first enqueued (epoch ms), if the queue says. */
  readonly sentAt: number | undefined;
  /** Opaque: what the queue needs to move or delete this very receipt of it. */
  readonly receipt: string;
}

/** A dead letter to put back on the send queue, with the body it goes back with. */
export interface Redrive {
  readonly letter: DeadLetter;
  readonly body: string;
}

/**
 * The send queue's dead-letter queue, as an operator works it: look, then move the jobs back to
 * the send queue once their cause is fixed. The DLQ carries any message and never looks inside;
 * what a job is, is the delivery rules'.
 */
export interface DeadLetterQueue {
  /** Messages in the dead-letter queue, visible or being looked at (approximate). */
  depth(): Promise<number>;
  /** Up to `max` (at most 10) messages to look at, left where they are. */
  peek(max: number): Promise<DeadLetter[]>;
  /**
   * Up to 10 messages taken out of sight for a while, to be moved: those not moved (or deleted)
   * come back into sight by themselves. Empty when none is left in sight.
   */
  take(): Promise<DeadLetter[]>;
  /**
   * Puts each message on the send queue with its new body, then deletes it from the DLQ. Returns
   * the letters moved; one that could not be enqueued stays in the DLQ (it comes back into sight).
   */
  moveToSendQueue(redrives: readonly Redrive[]): Promise<DeadLetter[]>;
}
