import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import {
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../../core/errors.ts';
import type { Mailer, OutgoingEmail } from '../../ports/mailer.ts';

export interface SesMailerSettings {
  readonly from: string;
  readonly replyTo: string;
  readonly configurationSet: string | undefined;
}

/**
 * Sends through SES v2 SendEmail (Simple content with custom headers): the current API, which
 * takes List-Unsubscribe headers directly, so no raw MIME has to be built for sending.
 * Errors are mapped to the four kinds the delivery rules distinguish.
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
          EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
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
      throw classifySesError(error);
    }
  }
}

/** SES tag values allow only ASCII letters, digits, '_' and '-'. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
}

/** Maps an SES error to throttled / quota / rejected / unavailable. Exported for the adapter tests. */
function classifySesError(error: unknown): Error {
  if (
    error instanceof MailThrottledError ||
    error instanceof MailQuotaExceededError ||
    error instanceof MailRejectedError ||
    error instanceof MailUnavailableError
  ) {
    return error;
  }
  const name = (error as { name?: string }).name ?? '';
  const message = (error as { message?: string }).message ?? String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const options = { cause: error };
  if (/daily message quota|daily sending quota/i.test(message) || name === 'SendingPausedException') {
    return new MailQuotaExceededError(`SES: ${name}: ${message}`, options);
  }
  if (
    name === 'TooManyRequestsException' ||
    name === 'Throttling' ||
    name === 'ThrottlingException' ||
    /rate exceeded|maximum sending rate/i.test(message) ||
    status === 429
  ) {
    return new MailThrottledError(`SES: ${name}: ${message}`, options);
  }
  if (name === 'LimitExceededException')
    return new MailQuotaExceededError(`SES: ${name}: ${message}`, options);
  if (
    name === 'MessageRejected' ||
    name === 'BadRequestException' ||
    name === 'NotFoundException' ||
    name === 'MailFromDomainNotVerifiedException'
  ) {
    return new MailRejectedError(`SES: ${name}: ${message}`, options);
  }
  if (name === 'AccountSuspendedException')
    return new MailQuotaExceededError(`SES: ${name}: ${message}`, options);
  return new MailUnavailableError(`SES: ${name || 'error'}: ${message}`, options);
}
