import type { DeliveryCounts, DeliveryKey, DeliveryRecord } from '../model/deliveries.ts';

export type ClaimResult =
  { readonly claimed: true } | { readonly claimed: false; readonly existing: DeliveryRecord };

/** Who may send (digest, subscriber) now, and what became of it: what the sender needs. */
export interface DeliveryClaims {
  /**
   * Takes the exclusive right to send (digest, subscriber): succeeds if nobody holds it, or if
   * a previous claim's lease expired without a send (a crashed sender) and without SES's word
   * that it accepted the email (recordAccepted): that one is settled, never sent again.
   */
  claim(key: DeliveryKey, now: Date, leaseMs: number): Promise<ClaimResult>;
  markSent(key: DeliveryKey, messageId: string, at: Date): Promise<void>;
  /**
   * Records as sent a claim whose email SES accepted (its acceptance recorded) but whose sender
   * died before writing it: with the accepted message id and time (as the claim read them).
   * False when the item is no longer such a claim (another sender settled it first).
   */
  markAcceptedSent(key: DeliveryKey, messageId: string, at: Date): Promise<boolean>;
  markFailed(key: DeliveryKey, reason: string, at: Date): Promise<void>;
  markSkipped(key: DeliveryKey, reason: string, at: Date): Promise<void>;
  /** Gives a claim back after a retryable failure, so the redelivered message can take it. */
  release(key: DeliveryKey): Promise<void>;
}

/** What SES tells the ledger: the Send event of an email it accepted. */
export interface SesAcceptances {
  /**
   * Records that SES accepted the email of (digest, subscriber) as `messageId` at `at`, whatever
   * the item's status; the first acceptance recorded stays (an event delivered twice or late
   * changes nothing). Returns the item as it stands after; undefined when there is no such item
   * (never claimed, anonymised or expired).
   */
  recordAccepted(key: DeliveryKey, messageId: string, at: Date): Promise<DeliveryRecord | undefined>;
}

/** What a digest or send came to: what reports and the admin pages read. */
export interface DeliveryReports {
  listForDigest(digestId: string): Promise<DeliveryRecord[]>;
  /** How many items of a digest or send are in each status (read consistently). */
  countByStatus(digestId: string): Promise<DeliveryCounts>;
  /** When each email of a digest or send went out (epoch ms): what send rates are counted by. */
  sentTimes(digestId: string): Promise<number[]>;
}

/** One reader's rows, for their data export and their erasure. */
export interface ReaderDeliveries {
  /** The reader's rows among these ledger ids (digest ids, announcement ledger ids). */
  listForReader(subscriberId: string, ledgerIds: readonly string[]): Promise<DeliveryRecord[]>;
  /**
   * Cuts the reader's settled rows (sent, failed, skipped) among these ledger ids loose from them:
   * each becomes a row of a random id with its status and time only (no message id, no reason),
   * so a send's counts stay right and nothing leads back to the reader. A row still claimed (a
   * send in flight) is left to its sender. Returns how many rows were anonymised.
   */
  anonymiseReader(subscriberId: string, ledgerIds: readonly string[]): Promise<number>;
}

export interface DeliveryLedger extends DeliveryClaims, SesAcceptances, DeliveryReports, ReaderDeliveries {}
