import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { defineImmunoDigest } from '../../infra/immuno-digest-app.ts';
import { cdkJsonContext, synthesize, temporaryOutdir } from './synth.ts';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string }[];
    suppressedViolations?: { ruleName: string; reason: string; acknowledgedAt: string }[];
  }[];
}

const reportOf = (outdir: string) =>
  JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;

/**
 * cdk-nag runs in every synth of the app. (CDK's CloudFormation schema validation runs in `npm run
 * synth`, where cdk.json makes its findings errors; here it would cost ~20 s of WebAssembly start-up.)
 */
describe('cdk-nag AwsSolutions', () => {
  it('passes, every acknowledged finding carrying its reason', () => {
    const { outdir } = synthesize();

    const report = reportOf(outdir);
    const nag = report.pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    for (const plugin of report.pluginReports) {
      expect(
        plugin.violations.map((v) => v.ruleName),
        plugin.pluginName,
      ).toEqual([]);
    }
    const acknowledged = nag?.suppressedViolations ?? [];
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const finding of acknowledged) {
      expect(finding.reason.length, `${finding.ruleName} at ${finding.acknowledgedAt}`).toBeGreaterThan(60);
    }
  });

  it('passes with every optional setting on too', () => {
    const { outdir } = synthesize({
      deletionProtection: false,
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      apiDomainName: 'digest.example.org',
      apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      alarmEmail: 'oncall@example.org',
      sesSandboxRecipients: 'tester@example.org',
      tracing: true,
    });

    const nag = reportOf(outdir).pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.violations).toEqual([]);
  });

  it('fails the synth on a finding nobody acknowledged', () => {
    const app = new App({
      outdir: temporaryOutdir(),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const { service } = defineImmunoDigest(app);
    // A queue with neither a DLQ nor TLS enforcement: SQS3 and SQS4.
    new Queue(service, 'unreviewed-queue');

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
