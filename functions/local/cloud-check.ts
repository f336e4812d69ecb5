import { lookup } from 'node:dns/promises';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  GetAccountCommand,
  GetEmailIdentityCommand,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { describeError } from '../core/errors.ts';

/**
 * `immuno-digest cloud check`: the smoke check after a deploy, run with the operator's AWS
 * credentials. It reads the stacks' outputs (CloudFormation DescribeStacks), checks that the
 * site's domain resolves and serves the subscribe page, that SES has verified the sender domain
 * (identity, DKIM, custom MAIL FROM if one is set), what the account may send (production access,
 * sending enabled, quota), and sends one test email through the configuration set to an address
 * you give. Each check prints one line; the last line is a JSON summary; any failure exits 1.
 */

export type Verdict = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface CloudCheckOptions {
  /** The stacks are `<prefix>-Data` and `<prefix>-Service` (the stackPrefix setting). */
  readonly stackPrefix: string;
  /** Where the test email goes; none: no email is sent. */
  readonly to?: string;
}

export interface CloudCheckDependencies {
  readonly cloudFormation: CloudFormationClient;
  readonly ses: SESv2Client;
  /** Resolves a host name (DNS); the system resolver unless a test gives its own. */
  readonly resolve?: (host: string) => Promise<string>;
  /** How the site is fetched: the global fetch unless a test gives its own. */
  readonly fetch?: typeof fetch;
}

/** Stack statuses of a deploy that finished well. */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** How long the site may take to answer: a cold start of the api function included. */
const SITE_TIMEOUT_MS = 15_000;

/** Runs every check in order and returns each result; a check that cannot run fails, the rest go on. */
export async function runCloudCheck(
  options: CloudCheckOptions,
  deps: CloudCheckDependencies,
  report: (result: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (check: string, verdict: Verdict, detail: string) => {
    const result = { check, verdict, detail };
    results.push(result);
    report(result);
    return result;
  };

  const outputs: Record<string, string> = {};
  for (const suffix of ['Data', 'Service']) {
    const stackName = `${options.stackPrefix}-${suffix}`;
    try {
      const { Stacks = [] } = await deps.cloudFormation.send(
        new DescribeStacksCommand({ StackName: stackName }),
      );
      const stack: Stack | undefined = Stacks[0];
      const status = stack?.StackStatus ?? 'not found';
      for (const output of stack?.Outputs ?? []) {
        if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
      }
      record(`stack ${stackName}`, SETTLED.has(status) ? 'pass' : 'fail', status);
    } catch (error) {
      record(`stack ${stackName}`, 'fail', describeError(error));
    }
  }

  const siteUrl = outputs.SiteUrl;
  if (!siteUrl) {
    record('site', 'fail', 'the data stack has no SiteUrl output (is it deployed?)');
  } else {
    await checkSite(siteUrl, deps, record);
  }

  const senderDomain = outputs.SenderDomain;
  if (!senderDomain) record('SES identity', 'fail', 'the data stack has no SenderDomain output');
  else await checkIdentity(senderDomain, deps.ses, record);

  await checkAccount(deps.ses, record);

  if (!options.to) {
    record('test email', 'warn', 'not sent: give --to <address> to send one');
  } else if (!outputs.MailFrom || !outputs.SesConfigurationSet) {
    record('test email', 'fail', 'the data stack has no MailFrom or SesConfigurationSet output');
  } else {
    try {
      const { MessageId } = await deps.ses.send(
        new SendEmailCommand({
          FromEmailAddress: outputs.MailFrom,
          Destination: { ToAddresses: [options.to] },
          ConfigurationSetName: outputs.SesConfigurationSet,
          Content: {
            Simple: {
              Subject: { Data: 'Immunotherapy Digest: deployment check' },
              Body: {
                Text: {
                  Data: `This is the post-deploy check of ${siteUrl ?? 'the Immunotherapy Digest'}. If it reached you, SES sends for the stack.`,
                },
              },
            },
          },
        }),
      );
      record('test email', 'pass', `sent to ${options.to} (SES message ${MessageId ?? 'without an id'})`);
    } catch (error) {
      record('test email', 'fail', `SES refused it: ${describeError(error)}`);
    }
  }
  return results;
}

async function checkSite(
  siteUrl: string,
  deps: CloudCheckDependencies,
  record: (check: string, verdict: Verdict, detail: string) => CheckResult,
): Promise<void> {
  const url = new URL(siteUrl);
  const resolve = deps.resolve ?? (async (host: string) => (await lookup(host)).address);
  try {
    record('domain resolves', 'pass', `${url.hostname} → ${await resolve(url.hostname)}`);
  } catch (error) {
    record(
      'domain resolves',
      'fail',
      `${url.hostname} does not resolve (${describeError(error)}): add the alias record (docs/deploying.md)`,
    );
    return;
  }
  try {
    const response = await (deps.fetch ?? fetch)(siteUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(SITE_TIMEOUT_MS),
    });
    const body = await response.text();
    const serves = response.status === 200 && body.includes('<form');
    record(
      'site serves the subscribe page',
      serves ? 'pass' : 'fail',
      `${siteUrl} answered ${response.status}${serves ? '' : ' without the subscribe form'}`,
    );
  } catch (error) {
    record('site serves the subscribe page', 'fail', `${siteUrl}: ${describeError(error)}`);
  }
}

async function checkIdentity(
  domain: string,
  ses: SESv2Client,
  record: (check: string, verdict: Verdict, detail: string) => CheckResult,
): Promise<void> {
  try {
    const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    record(
      'SES identity verified',
      identity.VerifiedForSendingStatus ? 'pass' : 'fail',
      identity.VerifiedForSendingStatus ? domain : `${domain} is not verified for sending yet`,
    );
    const dkim = identity.DkimAttributes?.Status ?? 'NOT_STARTED';
    record(
      'DKIM',
      dkim === 'SUCCESS' ? 'pass' : 'fail',
      dkim === 'SUCCESS' ? 'signing with Easy DKIM' : `${dkim}: publish the three DkimRecord CNAMEs`,
    );
    const mailFrom = identity.MailFromAttributes;
    if (!mailFrom?.MailFromDomain) {
      record(
        'MAIL FROM',
        'pass',
        "SES's own MAIL FROM domain (SPF passes on amazonses.com; DMARC aligns by DKIM)",
      );
    } else {
      const status = mailFrom.MailFromDomainStatus ?? 'PENDING';
      record(
        'MAIL FROM',
        status === 'SUCCESS' ? 'pass' : 'fail',
        `${mailFrom.MailFromDomain}: ${status}${status === 'SUCCESS' ? '' : ' (publish its MX and SPF records)'}`,
      );
    }
  } catch (error) {
    record('SES identity verified', 'fail', `${domain}: ${describeError(error)}`);
  }
}

async function checkAccount(
  ses: SESv2Client,
  record: (check: string, verdict: Verdict, detail: string) => CheckResult,
): Promise<void> {
  try {
    const account = await ses.send(new GetAccountCommand({}));
    record(
      'SES sending enabled',
      account.SendingEnabled === false ? 'fail' : 'pass',
      account.SendingEnabled === false
        ? 'SES has paused sending for this account'
        : `enforcement ${account.EnforcementStatus ?? 'HEALTHY'}`,
    );
    record(
      'SES production access',
      account.ProductionAccessEnabled ? 'pass' : 'warn',
      account.ProductionAccessEnabled
        ? 'out of the sandbox'
        : 'still in the sandbox: only verified recipients get mail (docs/deploying.md, step 10)',
    );
    const quota = account.SendQuota;
    record(
      'SES quota',
      quota ? 'pass' : 'warn',
      quota
        ? `${quota.MaxSendRate ?? '?'} emails/s, ${quota.Max24HourSend ?? '?'} a day, ${quota.SentLast24Hours ?? 0} sent in the last 24 h`
        : 'GetAccount returned no quota',
    );
  } catch (error) {
    record('SES sending enabled', 'fail', describeError(error));
  }
}

/** The check as the CLI runs it: clients from the operator's credentials and region. */
export async function cloudCheckCommand(options: CloudCheckOptions & { region?: string }): Promise<void> {
  const region = options.region ? { region: options.region } : {};
  const cloudFormation = new CloudFormationClient(region);
  const ses = new SESv2Client(region);
  const marks: Record<Verdict, string> = { pass: '✓', warn: '!', fail: '✗' };
  try {
    const results = await runCloudCheck(options, { cloudFormation, ses }, (result) =>
      console.log(`${marks[result.verdict]} ${result.check}: ${result.detail}`),
    );
    const failed = results.filter((result) => result.verdict === 'fail').length;
    const warnings = results.filter((result) => result.verdict === 'warn').length;
    console.log(JSON.stringify({ checks: results.length, failed, warnings, ok: failed === 0 }));
    if (failed > 0) process.exitCode = 1;
  } finally {
    cloudFormation.destroy();
    ses.destroy();
  }
}
