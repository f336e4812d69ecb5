import type { Mailer, OutgoingEmail } from '../../ports/mailer.ts';
import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
import {
  describeError,
  MailConfigurationError,
  type MailConfigurationProblem,
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../errors.ts';
import { backoffDelayMs } from './send-policy.ts';

export type SendResult =
  | { kind: 'sent'; messageId: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'quota'; reason: string }
  | { kind: 'configuration'; problem: MailConfigurationProblem; reason: string };

export interface SendWithRetriesDependencies {
  readonly mailer: Mailer;
  readonly limiter: SendRateLimiter;
  readonly sleep: (ms: number) => Promise<void>;
  /** The send policy's SEND_RETRIES; unit tests shorten them. */
  readonly settings: { readonly throttleRetries: number; readonly backoffBaseMs: number };
}

/**
 * One email through the shared rate limiter and SES. Throttling and transient failures are
 * retried in place with exponential backoff and equal jitter (backoffDelayMs in send-policy.ts
 * says why not full jitter); a rejection, the daily quota or a problem with the account's setup
 * (MailConfigurationError, which no retry can get past) is final for this attempt. Every
 * email we send goes through here: digests, announcements and an admin's test sends alike.
 */
export async function sendWithRetries(
  deps: SendWithRetriesDependencies,
  email: OutgoingEmail,
): Promise<SendResult> {
  for (let attempt = 0; ; attempt += 1) {
    await deps.limiter.acquire();
    try {
      const { messageId } = await deps.mailer.send(email);
      return { kind: 'sent', messageId };
    } catch (error) {
      if (error instanceof MailRejectedError) return { kind: 'rejected', reason: describeError(error) };
      if (error instanceof MailQuotaExceededError) return { kind: 'quota', reason: describeError(error) };
      if (error instanceof MailConfigurationError) {
        return { kind: 'configuration', problem: error.problem, reason: describeError(error) };
      }
      // Anything else is a bug or a crash, not a mail outcome: let it fail the job loudly, with the
      // claim left to its lease, exactly as if the process had died here.
      if (!(error instanceof MailThrottledError) && !(error instanceof MailUnavailableError)) throw error;
      if (attempt >= deps.settings.throttleRetries) {
        return {
          kind: error instanceof MailThrottledError ? 'throttled' : 'unavailable',
          reason: describeError(error),
        };
      }
      await deps.sleep(backoffDelayMs(attempt, deps.settings.backoffBaseMs));
    }
  }
}
