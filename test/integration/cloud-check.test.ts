import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import {
  GetAccountCommand,
  GetEmailIdentityCommand,
  SendEmailCommand,
  SESv2Client,
  type GetAccountCommandInput,
  type GetEmailIdentityCommandOutput,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { runCloudCheck, type CheckResult } from '../../functions/local/cloud-check.ts';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';

/**
 * `immuno-digest cloud check` against what can answer locally: the SES stand-in takes the
 * GetAccount and the test email, a loopback server is the site. CloudFormation and SES
 * GetEmailIdentity have no stand-in: aws-sdk-client-mock answers those two calls only.
 */

const verdictOf = (results: CheckResult[], check: string) => results.find((result) => result.check === check);

describe('cloud check', () => {
  const standIns = inject('standIns');
  let site: TestHttpServer;
  let ses: SESv2Client;
  let sesMock: ReturnType<typeof mockClient>;
  const cloudFormation = new CloudFormationClient({ region: 'us-east-1' });
  const cloudFormationMock = mockClient(cloudFormation);
  const to = `operator.${randomBytes(3).toString('hex')}@example.org`;

  const outputs = (siteUrl: string): Output[] => [
    { OutputKey: 'SiteUrl', OutputValue: siteUrl },
    { OutputKey: 'MailFrom', OutputValue: 'Immunotherapy Digest <digest@immunotherapy-digest.example.org>' },
    { OutputKey: 'SenderDomain', OutputValue: 'immunotherapy-digest.example.org' },
    { OutputKey: 'SesConfigurationSet', OutputValue: 'immuno-digest-check' },
  ];
  const identity = (overrides: Partial<GetEmailIdentityCommandOutput> = {}) => ({
    VerifiedForSendingStatus: true,
    DkimAttributes: { Status: 'SUCCESS' as const, SigningEnabled: true },
    MailFromAttributes: undefined,
    ...overrides,
  });
  const deployed = (siteUrl: string) => {
    cloudFormationMock
      .on(DescribeStacksCommand, { StackName: 'ImmunoDigest-Data' })
      .resolves({
        Stacks: [
          {
            StackName: 'ImmunoDigest-Data',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: outputs(siteUrl),
          },
        ],
      })
      .on(DescribeStacksCommand, { StackName: 'ImmunoDigest-Service' })
      .resolves({
        Stacks: [
          { StackName: 'ImmunoDigest-Service', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() },
        ],
      });
  };

  beforeAll(async () => {
    site = await startTestServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><form method="post" action="/subscribe"></form></html>');
    });
    ses = new SESv2Client({
      region: 'us-east-1',
      endpoint: standIns.ses,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // GetEmailIdentity has no stand-in; everything else this client sends goes to the SES stand-in.
    const standInSend = ses.send.bind(ses) as (command: unknown) => Promise<unknown>;
    sesMock = mockClient(ses);
    sesMock
      .on(GetAccountCommand)
      .callsFake((input: GetAccountCommandInput) => standInSend(new GetAccountCommand(input)));
    sesMock
      .on(SendEmailCommand)
      .callsFake((input: SendEmailCommandInput) => standInSend(new SendEmailCommand(input)));
  });

  afterEach(() => {
    cloudFormationMock.reset();
    sesMock.on(GetEmailIdentityCommand).resolves(identity());
  });

  afterAll(async () => {
    sesMock.restore();
    cloudFormationMock.restore();
    ses.destroy();
    await site.close();
  });

  it('passes a healthy deployment and mails the test email through the configuration set', async () => {
    deployed(site.origin);
    sesMock.on(GetEmailIdentityCommand).resolves(identity());

    const results = await runCloudCheck({ stackPrefix: 'ImmunoDigest', to }, { cloudFormation, ses });

    expect(results.filter((result) => result.verdict === 'fail')).toEqual([]);
    expect(results.map((result) => result.check)).toEqual([
      'stack ImmunoDigest-Data',
      'stack ImmunoDigest-Service',
      'domain resolves',
      'site serves the subscribe page',
      'SES identity verified',
      'DKIM',
      'MAIL FROM',
      'SES sending enabled',
      'SES production access',
      'SES quota',
      'test email',
    ]);
    expect(verdictOf(results, 'SES quota')?.detail).toContain('14 emails/s');
    const store = (await (await fetch(`${standIns.ses}/store`)).json()) as {
      emails: { destination: { to: string[] }; subject: string }[];
    };
    expect(
      store.emails.filter((email) => email.destination.to.includes(to)).map((email) => email.subject),
    ).toEqual(['Immunotherapy Digest: deployment check']);
  });

  it('fails on a domain that does not resolve, pending DKIM and an unverified MAIL FROM, and names the fix', async () => {
    deployed('https://digest.not-yet-pointed.invalid');
    sesMock.on(GetEmailIdentityCommand).resolves(
      identity({
        VerifiedForSendingStatus: false,
        DkimAttributes: { Status: 'PENDING', SigningEnabled: true },
        MailFromAttributes: {
          MailFromDomain: 'bounce.immunotherapy-digest.example.org',
          MailFromDomainStatus: 'PENDING',
          BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
        },
      }),
    );

    const results = await runCloudCheck({ stackPrefix: 'ImmunoDigest' }, { cloudFormation, ses });

    expect(verdictOf(results, 'domain resolves')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('add the alias record'),
    });
    expect(verdictOf(results, 'site serves the subscribe page')).toBeUndefined();
    expect(verdictOf(results, 'SES identity verified')?.verdict).toBe('fail');
    expect(verdictOf(results, 'DKIM')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('DkimRecord'),
    });
    expect(verdictOf(results, 'MAIL FROM')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('PENDING'),
    });
    expect(verdictOf(results, 'test email')?.verdict).toBe('warn');
  });

  it('fails a stack that is missing or still rolling back, and goes on with the other checks', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand, { StackName: 'Trial-Data' })
      .rejects(new Error('Stack with id Trial-Data does not exist'))
      .on(DescribeStacksCommand, { StackName: 'Trial-Service' })
      .resolves({
        Stacks: [
          { StackName: 'Trial-Service', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() },
        ],
      });

    const results = await runCloudCheck({ stackPrefix: 'Trial', to }, { cloudFormation, ses });

    expect(verdictOf(results, 'stack Trial-Data')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('does not exist'),
    });
    expect(verdictOf(results, 'stack Trial-Service')).toMatchObject({
      verdict: 'fail',
      detail: 'UPDATE_ROLLBACK_COMPLETE',
    });
    expect(verdictOf(results, 'site')?.verdict).toBe('fail');
    expect(verdictOf(results, 'SES sending enabled')?.verdict).toBe('pass');
    expect(verdictOf(results, 'test email')?.verdict).toBe('fail');
  });
});
