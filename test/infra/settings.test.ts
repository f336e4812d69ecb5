import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config/config.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { loadDeploymentSettings, schedulesFor } from '../../infra/settings.ts';
import { cdkJsonContext } from './synth.ts';

const fromContext = (context: Record<string, unknown>) => loadDeploymentSettings((key) => context[key]);

function problemsOf(context: Record<string, unknown>): string {
  try {
    fromContext(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('deployment settings', () => {
  it('reads cdk.json and derives the sender identity, schedules and sender concurrency', () => {
    const settings = fromContext(cdkJsonContext());

    expect(settings.senderDomain).toBe('immunotherapy-digest.example.org');
    expect(settings.fromAddress).toBe('digest@immunotherapy-digest.example.org');
    expect(settings.schedules.ingest).toBe('cron(0 0/6 * * ? *)');
    expect(settings.schedules.planDigest).toBe('cron(0 * * * ? *)');
    expect(settings.sender.concurrency).toBe(2);
    expect(settings.deletionProtection).toBe(true);
    expect(settings.siteUrl).toBeUndefined();
  });

  it('accepts -c key=value strings for numbers, booleans and lists', () => {
    const settings = fromContext({
      ...cdkJsonContext(),
      sesMaxSendRate: '100',
      deletionProtection: 'false',
      sesSandboxRecipients: 'a@example.org, b@example.org',
    });

    expect(settings.sesMaxSendRate).toBe(100);
    expect(settings.deletionProtection).toBe(false);
    expect(settings.sesSandboxRecipients).toEqual(['a@example.org', 'b@example.org']);
  });

  it('names every missing setting', () => {
    const message = problemsOf({});

    for (const key of ['mailFrom', 'unsubscribeMailto', 'postalAddress']) {
      expect(message).toContain(`${key} is required`);
    }
  });

  it('names each bad value and shows what it got', () => {
    const message = problemsOf({
      ...cdkJsonContext(),
      sesMaxSendRate: 'fast',
      ingestEveryHours: 5,
      siteUrl: 'http://insecure.example.org',
      deletionProtection: 'maybe',
    });

    expect(message).toContain('sesMaxSendRate must be a number (got "fast")');
    expect(message).toContain('ingestEveryHours must be one of 1, 2, 3, 4, 6, 8, 12, 24 (got 5)');
    expect(message).toContain('siteUrl must start with https://');
    expect(message).toContain('deletionProtection must be true or false (got "maybe")');
  });

  it('refuses a From address outside the sender domain', () => {
    const message = problemsOf({ ...cdkJsonContext(), senderDomain: 'other.example.org' });

    expect(message).toContain('mailFrom must be an address at senderDomain other.example.org');
  });

  it('sets a custom MAIL FROM domain under the sender domain, and refuses one outside it', () => {
    const chosen = loadDeploymentSettings(
      (key) => ({ ...cdkJsonContext(), mailFromDomain: 'bounce.immunotherapy-digest.example.org' })[key],
    );
    const byDefault = loadDeploymentSettings((key) => cdkJsonContext()[key]);
    const none = loadDeploymentSettings((key) => ({ ...cdkJsonContext(), mailFromDomain: 'none' })[key]);
    const outside = problemsOf({ ...cdkJsonContext(), mailFromDomain: 'mail.other.example.org' });
    const itself = problemsOf({ ...cdkJsonContext(), mailFromDomain: 'immunotherapy-digest.example.org' });

    expect(chosen.mailFromDomain).toBe('bounce.immunotherapy-digest.example.org');
    expect(byDefault.mailFromDomain).toBe('mail.immunotherapy-digest.example.org');
    expect(none.mailFromDomain).toBeUndefined();
    expect(outside).toContain(
      'mailFromDomain must be a subdomain of the sender domain immunotherapy-digest.example.org',
    );
    expect(itself).toContain('mailFromDomain must be a subdomain of the sender domain');
  });

  it('refuses a custom API domain without its certificate', () => {
    const message = problemsOf({ ...cdkJsonContext(), apiDomainName: 'digest.example.org' });

    expect(message).toContain('apiCertificateArn');
  });
});

describe('a production deployment', () => {
  const production = {
    ...cdkJsonContext(),
    production: true,
    mailFrom: 'Immunotherapy Digest <digest@news.immuno-digest.net>',
    mailReplyTo: 'editors@immuno-digest.net',
    unsubscribeMailto: 'unsubscribe@immuno-digest.net',
    postalAddress: 'Immunotherapy Digest, 12 Harbour Street, Boston, MA 02110, USA',
    apiDomainName: 'digest.immuno-digest.net',
    apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  };

  it('is what a context without the setting means', () => {
    const { production: _trial, ...withoutSetting } = cdkJsonContext();

    expect(problemsOf(withoutSetting)).toContain('apiDomainName is required for a production deployment');
    expect(fromContext(cdkJsonContext()).production).toBe(false);
  });

  it('requires a custom domain, naming the setting', () => {
    const { apiDomainName: _domain, apiCertificateArn: _certificate, ...withoutDomain } = production;

    const message = problemsOf(withoutDomain);

    expect(message).toContain('apiDomainName is required for a production deployment');
    expect(message).toContain('production=false');
  });

  it('refuses every placeholder of cdk.json: its example.org addresses and its postal address', () => {
    const message = problemsOf({
      ...cdkJsonContext(),
      production: true,
      apiDomainName: 'digest.example.com',
      apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      alarmEmail: 'oncall@ops.example.net',
      sesSandboxRecipients: 'me@mail.test',
      articlesBaseUrl: 'https://immunotherapy-digest.example.org/articles',
    });

    for (const key of [
      'mailFrom',
      'mailReplyTo',
      'unsubscribeMailto',
      'apiDomainName',
      'alarmEmail',
      'sesSandboxRecipients',
      'articlesBaseUrl',
    ]) {
      expect(message).toMatch(new RegExp(`${key} uses the placeholder domain`));
    }
    expect(message).toContain('postalAddress is the placeholder address');
  });

  it('accepts its own domain and addresses', () => {
    const settings = fromContext(production);

    expect(settings.production).toBe(true);
    expect(settings.senderDomain).toBe('news.immuno-digest.net');
  });

  it('fails `npm run synth` without a custom domain, with a message naming the setting', async () => {
    const root = path.resolve(import.meta.dirname, '../..');

    const failure = await promisify(execFile)('npm', ['run', 'synth', '--', '-c', 'production=true'], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string; stdout: string }) => error,
    );

    expect(failure?.code).not.toBe(0);
    expect(`${failure?.stderr}${failure?.stdout}`).toContain(
      'apiDomainName is required for a production deployment',
    );
  }, 300_000);
});

describe('schedules', () => {
  it('runs at fixed clock times, in the Scheduler and in cron form alike', () => {
    expect(schedulesFor(6, 60)).toEqual({
      ingest: 'cron(0 0/6 * * ? *)',
      planDigest: 'cron(0 * * * ? *)',
      ingestCron: '0 */6 * * *',
      planDigestCron: '0 * * * *',
      ingestPeriodHours: 6,
    });
    expect(schedulesFor(24, 15)).toMatchObject({
      ingest: 'cron(0 0 * * ? *)',
      planDigest: 'cron(0/15 * * * ? *)',
      ingestCron: '0 0 * * *',
      planDigestCron: '*/15 * * * *',
    });
  });

  it('gives the functions cron patterns their configuration accepts', () => {
    for (const [hours, minutes] of [
      [1, 10],
      [6, 60],
      [24, 30],
    ] as const) {
      const { ingestCron, planDigestCron } = schedulesFor(hours, minutes);

      const config = loadConfig(
        { TOKEN_SECRET: 'x'.repeat(32), INGEST_SCHEDULE: ingestCron, DIGEST_SCHEDULE: planDigestCron },
        'local',
      );

      expect(config.schedules).toEqual({ ingest: ingestCron, digest: planDigestCron });
    }
  });
});
