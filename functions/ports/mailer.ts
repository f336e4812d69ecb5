export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface Mailer {
  /**
   * @throws MailThrottledError, MailQuotaExceededError, MailRejectedError or MailUnavailableError.
   */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}
