import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetAccountCommand,
  SendEmailCommand,
  SESv2Client,
  SESv2ServiceException,
} from '@aws-sdk/client-sesv2';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.ts';
import { readMaxSendRate } from '../../functions/adapters/ses/ses-account.ts';
import {
  MailConfigurationError,
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../../functions/core/errors.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import type { OutgoingEmail } from '../../functions/ports/mailer.ts';

const ses = mockClient(SESv2Client);

const email: OutgoingEmail = {
  to: 'reader@example.org',
  subject: 'Your Immunotherapy Digest: 3 new articles, week of 23 November 2026',
  html: '<p>html</p>',
  text: 'text',
  headers: [
    {
      name: 'List-Unsubscribe',
      value: '<https://d.example.org/unsubscribe?token=u.1>, <mailto:u@d.example.org>',
    },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ],
  tags: { kind: 'digest', digest: 'weekly-2026-W48', group: 'Ab3_x-Yz' },
};

const mailer = () =>
  new SesMailer(new SESv2Client({ region: 'us-east-1' }), {
    from: 'Immunotherapy Digest <digest@d.example.org>',
    replyTo: 'editors@d.example.org',
    configurationSet: 'immuno-digest-events',
  });

const sesError = (name: string, message: string, status: number) =>
  new SESv2ServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('SesMailer', () => {
  beforeEach(() => ses.reset());

  it('sends html and text through SES v2 with the configuration set, tags, headers, From and Reply-To', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });

    const result = await mailer().send(email);

    expect(result).toEqual({ messageId: 'ses-message-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Immunotherapy Digest <digest@d.example.org>',
      ReplyToAddresses: ['editors@d.example.org'],
      Destination: { ToAddresses: ['reader@example.org'] },
      ConfigurationSetName: 'immuno-digest-events',
      EmailTags: [
        { Name: 'kind', Value: 'digest' },
        { Name: 'digest', Value: 'weekly-2026-W48' },
        { Name: 'group', Value: 'Ab3_x-Yz' },
      ],
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: '<p>html</p>', Charset: 'UTF-8' }, Text: { Data: 'text', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: email.headers[0]!.value },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
    });
  });

  it('names the email’s ledger item in two tags, encoded so that a Send event reads it back exactly', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });

    await mailer().send({
      ...email,
      ledgerKey: { digestId: 'announcement-send_1', subscriberId: 'Ab_cD-9' },
    });

    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.EmailTags).toEqual([
      { Name: 'kind', Value: 'digest' },
      { Name: 'digest', Value: 'weekly-2026-W48' },
      { Name: 'group', Value: 'Ab3_x-Yz' },
      { Name: 'ledger', Value: 'announcement-send_5F1' },
      { Name: 'reader', Value: 'Ab_5FcD-9' },
    ]);
  });

  it.each([
    {
      name: 'TooManyRequestsException',
      message: 'Maximum sending rate exceeded.',
      status: 429,
      kind: MailThrottledError,
    },
    {
      name: 'LimitExceededException',
      message: 'Daily message quota exceeded.',
      status: 400,
      kind: MailQuotaExceededError,
    },
    {
      name: 'MessageRejected',
      message:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: reader@example.org',
      status: 400,
      kind: MailRejectedError,
    },
    {
      name: 'MessageRejected',
      message: 'Message contains invalid content.',
      status: 400,
      kind: MailRejectedError,
    },
    { name: 'BadRequestException', message: 'Illegal address', status: 400, kind: MailRejectedError },
    {
      name: 'InternalFailure',
      message: 'We encountered an internal error.',
      status: 500,
      kind: MailUnavailableError,
    },
  ])('maps SES $name ("$message") to $kind.name', async ({ name, message, status, kind }) => {
    ses.on(SendEmailCommand).rejects(sesError(name, message, status));

    await expect(mailer().send(email)).rejects.toBeInstanceOf(kind);
  });

  it.each([
    {
      name: 'MessageRejected',
      message:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: digest@d.example.org',
      problem: 'identity-not-verified',
    },
    {
      name: 'MessageRejected',
      message:
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: reader@example.org, d.example.org',
      problem: 'identity-not-verified',
    },
    { name: 'MessageRejected', message: 'Email address is not verified.', problem: 'identity-not-verified' },
    {
      name: 'NotFoundException',
      message: 'Configuration set <immuno-digest-events> does not exist.',
      problem: 'configuration-set-missing',
    },
    {
      name: 'ConfigurationSetDoesNotExistException',
      message: 'Configuration set <immuno-digest-events> does not exist.',
      problem: 'configuration-set-missing',
    },
    {
      name: 'MailFromDomainNotVerifiedException',
      message: "The message can't be sent because the sending domain isn't verified.",
      problem: 'mail-from-not-verified',
    },
    {
      name: 'SendingPausedException',
      message: "The message can't be sent because the account's ability to send email is currently paused.",
      problem: 'sending-paused',
    },
    {
      name: 'AccountSuspendedException',
      message:
        "The message can't be sent because the account's ability to send email has been permanently restricted.",
      problem: 'account-suspended',
    },
  ])(
    'maps SES $name ("$message") to a problem with the setup: $problem',
    async ({ name, message, problem }) => {
      ses.on(SendEmailCommand).rejects(sesError(name, message, name === 'NotFoundException' ? 404 : 400));

      const refusal = await mailer()
        .send(email)
        .catch((error: unknown) => error);

      expect(refusal).toBeInstanceOf(MailConfigurationError);
      expect(refusal).toMatchObject({ problem, message: `SES: ${name}: ${message}` });
    },
  );

  it('reads the max send rate from GetAccount, and falls back to the setting when SES cannot say', async () => {
    ses
      .on(GetAccountCommand)
      .resolvesOnce({ SendQuota: { MaxSendRate: 200, Max24HourSend: 1e6 } })
      .rejects(sesError('AccessDeniedException', 'not allowed', 403));
    const client = new SESv2Client({ region: 'us-east-1' });

    expect(await readMaxSendRate(client, 14, silentLogger)).toBe(200);
    expect(await readMaxSendRate(client, 14, silentLogger)).toBe(14);
  });
});
