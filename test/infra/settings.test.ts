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

  it('refuses a custom API domain without its certificate', () => {
    const message = problemsOf({ ...cdkJsonContext(), apiDomainName: 'digest.example.org' });

    expect(message).toContain('apiCertificateArn');
  });
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
