export interface EnqueueOptions {
  /** Keep the jobs invisible this long first (at most 900 s, SQS's limit). */
  readonly delaySeconds?: number;
}

/**
 * The queue of send jobs. It carries any JSON job and never looks inside: the job types and their
 * schema are the delivery rules' (functions/core/delivery/send-job.ts), so a use case names the
 * jobs it enqueues, e.g. `SendQueue<DigestJob>`.
 */
export interface SendQueue<Job> {
  enqueue(jobs: readonly Job[], options?: EnqueueOptions): Promise<void>;
}
