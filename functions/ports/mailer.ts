import type { DeliveryKey } from '../model/deliveries.ts';

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The ledger item this email settles (a digest's or admin send's email to one reader): the
   * mailer names it in the message so that SES's Send event can record the acceptance on it.
   */
  readonly ledgerKey?: DeliveryKey;
}

export interface Mailer {
  /**
   * @throws MailThrottledError, MailQuotaExceededError, MailRejectedError or MailUnavailableError.
   */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}
