/**
 * Deliveries: the ledger's record of one email of one digest or admin send to one reader, the
 * proof that nobody is mailed twice.
 */

export interface DeliveryKey {
  /** A digest id (`weekly-2026-W48`) or an admin send id. */
  readonly digestId: string;
  readonly subscriberId: string;
}

export type DeliveryStatus = 'claimed' | 'sent' | 'failed' | 'skipped';

export interface DeliveryRecord extends DeliveryKey {
  readonly status: DeliveryStatus;
  readonly claimedAt?: string;
  readonly leaseUntil?: string;
  readonly sentAt?: string;
  readonly messageId?: string;
  readonly reason?: string;
  readonly attempts: number;
  /**
   * SES's word that it accepted the email (its Send event), recorded by ses-events whatever the
   * status: a sender that takes over an expired claim holding it records the send instead of
   * sending again.
   */
  readonly acceptedMessageId?: string;
  readonly acceptedAt?: string;
}

/** How many deliveries of one digest or send are in each status. */
export type DeliveryCounts = Readonly<Record<DeliveryStatus, number>>;

/**
 * How long the ledger keeps a record (DynamoDB TTL): long enough to answer "was this reader sent
 * that week's digest" for any retry or report, short enough to hold little about anyone.
 */
export const LEDGER_RETENTION_DAYS = 180;
