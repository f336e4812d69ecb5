/** Spaces sends so that all senders together stay under the account's max send rate. */
export interface SendRateLimiter {
  /** Resolves when one more email may be sent now. */
  acquire(): Promise<void>;
}
