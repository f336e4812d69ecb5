import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import {
  MailConfigurationError,
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../../core/errors.ts';
import type { Mailer, OutgoingEmail } from '../../ports/mailer.ts';
import { ledgerTags } from './ses-tags.ts';

export interface SesMailerSettings {
  readonly from: string;
  readonly replyTo: string;
  readonly configurationSet: string | undefined;
}

/**
 * Sends through SES v2 SendEmail (Simple content with custom headers): the current API, which
 * takes List-Unsubscribe headers directly, so no raw MIME has to be built for sending.
 * Errors are mapped to the five kinds the delivery rules distinguish.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly settings: SesMailerSettings,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const response = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.settings.from,
          ReplyToAddresses: [this.settings.replyTo],
          Destination: { ToAddresses: [email.to] },
          ...(this.settings.configurationSet ? { ConfigurationSetName: this.settings.configurationSet } : {}),
          EmailTags: [
            ...Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
            ...(email.ledgerKey ? ledgerTags(email.ledgerKey) : []),
          ],
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Html: { Data: email.html, Charset: 'UTF-8' },
                Text: { Data: email.text, Charset: 'UTF-8' },
              },
              Headers: email.headers.map(({ name, value }) => ({ Name: name, Value: value })),
            },
          },
        }),
      );
      if (!response.MessageId)
        throw new MailUnavailableError('SES accepted the message but returned no message id');
      return { messageId: response.MessageId };
    } catch (error) {
      throw classifySesError(error, this.settings.from);
    }
  }
}

/**
 * SES tag values allow only ASCII letters, digits, '_' and '-'. These tags are for reading (the
 * email's kind, digest, group), so a lossy replacement will do; the ledger's are encoded
 * reversibly (ses-tags.ts).
 */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
}

/**
 * Maps an SES error to throttled / quota / configuration / rejected / unavailable. The names and
 * messages are SESv2 SendEmail's (API reference, "Errors"), with SES v1's names for the same
 * conditions, which some proxies and older endpoints still answer with.
 */
function classifySesError(error: unknown, from: string): Error {
  if (
    error instanceof MailThrottledError ||
    error instanceof MailQuotaExceededError ||
    error instanceof MailConfigurationError ||
    error instanceof MailRejectedError ||
    error instanceof MailUnavailableError
  ) {
    return error;
  }
  const name = (error as { name?: string }).name ?? '';
  const message = (error as { message?: string }).message ?? String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const options = { cause: error };
  const described = `SES: ${name}: ${message}`;
  if (/daily message quota|daily sending quota/i.test(message)) {
    return new MailQuotaExceededError(described, options);
  }
  const problem = configurationProblemOf(name, message, from);
  if (problem) return new MailConfigurationError(problem, described, options);
  if (
    name === 'TooManyRequestsException' ||
    name === 'Throttling' ||
    name === 'ThrottlingException' ||
    /rate exceeded|maximum sending rate/i.test(message) ||
    status === 429
  ) {
    return new MailThrottledError(described, options);
  }
  if (name === 'LimitExceededException') return new MailQuotaExceededError(described, options);
  if (name === 'MessageRejected' || name === 'BadRequestException') {
    return new MailRejectedError(described, options);
  }
  return new MailUnavailableError(`SES: ${name || 'error'}: ${message}`, options);
}

/**
 * Whether SES refused because of the account's setup, and what: such an error would refuse every
 * reader alike, so it must stop the send rather than be written down against each one.
 *
 * "Email address is not verified" is the one that needs care: SES says it for our From identity
 * (a setup problem) and, in the sandbox, for a recipient who is not a verified identity (that
 * reader's problem alone). Its message names the identities that failed ("The following
 * identities failed the check in region US-EAST-1: a@b.example, …"): it is a setup problem when
 * they include the From address or its domain, or when SES names none.
 */
function configurationProblemOf(
  name: string,
  message: string,
  from: string,
): MailConfigurationError['problem'] | undefined {
  if (name === 'MailFromDomainNotVerifiedException' || /mail from domain .*not verified/i.test(message)) {
    return 'mail-from-not-verified';
  }
  if (
    name === 'NotFoundException' ||
    name === 'ConfigurationSetDoesNotExistException' ||
    name === 'ConfigurationSetDoesNotExist' ||
    /configuration set .*(does not|doesn't|doesn’t) exist/i.test(message)
  ) {
    return 'configuration-set-missing';
  }
  if (
    name === 'SendingPausedException' ||
    name === 'AccountSendingPausedException' ||
    name === 'ConfigurationSetSendingPausedException'
  ) {
    return 'sending-paused';
  }
  if (name === 'AccountSuspendedException') return 'account-suspended';
  if (/not verified/i.test(message) && fromIdentityFailed(message, from)) return 'identity-not-verified';
  return undefined;
}

function fromIdentityFailed(message: string, from: string): boolean {
  const listed = /identities failed the check[^:]*:\s*(.+)$/is.exec(message)?.[1];
  if (!listed) return true;
  const address = (/<([^>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return listed
    .split(/[,\s]+/)
    .map((identity) => identity.trim().replace(/\.$/, '').toLowerCase())
    .some((identity) => identity === address || identity === domain);
}
