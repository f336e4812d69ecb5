import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE } from '../../functions/handlers/metric-names.ts';
import { synthesize, type Synthesized } from './synth.ts';

interface AlarmProperties {
  readonly AlarmDescription?: string;
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Period?: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
  readonly Metrics?: {
    readonly Id: string;
    readonly Expression?: string;
    readonly MetricStat?: { Metric: { MetricName: string; Namespace: string }; Period: number; Stat: string };
  }[];
}

/**
 * The alarms that fire before damage: a send backlog, jobs that keep coming back, a planner or
 * an ingest that did not run, emails rejected as a share rather than one bad address, and SES
 * refusing on account of its setup. Each goes to the alarm topic, with its recovery.
 */
describe('the alarms that fire before damage', () => {
  let app: Synthesized;
  let custom: Synthesized;

  beforeAll(() => {
    app = synthesize();
    custom = synthesize({ ingestEveryHours: 24, planDigestEveryMinutes: 20 });
  });

  /** The alarms of a synthesized service stack whose metric (or one of whose metrics) is `name`. */
  const alarmsOn = (s: Synthesized, name: string): AlarmProperties[] =>
    Object.values(s.service.findResources('AWS::CloudWatch::Alarm'))
      .map((resource) => resource.Properties as AlarmProperties)
      .filter(
        (alarm) =>
          alarm.MetricName === name ||
          (alarm.Metrics ?? []).some((m) => m.MetricStat?.Metric.MetricName === name),
      );

  const onlyAlarmOn = (s: Synthesized, name: string) => {
    const alarms = alarmsOn(s, name);
    expect(alarms, name).toHaveLength(1);
    const [alarm] = alarms;
    const topic = { Ref: s.logicalId(s.deployment.service.alarmTopic) };
    expect(alarm!.AlarmActions).toEqual([topic]);
    expect(alarm!.OKActions).toEqual([topic]);
    return alarm!;
  };

  it('warns at half of SES’s review thresholds before the alarms at the thresholds themselves', () => {
    const thresholds = (metric: string) =>
      alarmsOn(app, metric)
        .map((alarm) => [alarm.Threshold, alarm.ComparisonOperator, alarm.AlarmDescription?.slice(0, 40)])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    const topic = { Ref: app.logicalId(app.deployment.service.alarmTopic) };

    expect(thresholds('Reputation.BounceRate')).toEqual([
      [0.025, 'GreaterThanThreshold', expect.stringContaining('above 2.5 %')],
      [0.05, 'GreaterThanThreshold', expect.stringContaining('above 5 %')],
    ]);
    expect(thresholds('Reputation.ComplaintRate')).toEqual([
      [0.0005, 'GreaterThanThreshold', expect.stringContaining('above 0.05 %')],
      [0.001, 'GreaterThanThreshold', expect.stringContaining('above 0.1 %')],
    ]);
    for (const alarm of [
      ...alarmsOn(app, 'Reputation.BounceRate'),
      ...alarmsOn(app, 'Reputation.ComplaintRate'),
    ]) {
      expect(alarm.AlarmActions).toEqual([topic]);
    }
  });

  it('calls someone when the oldest send job has waited an hour, for a quarter of an hour', () => {
    const alarm = onlyAlarmOn(app, 'ApproximateAgeOfOldestMessage');

    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: 3600,
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(alarm)).toContain(app.logicalId(app.deployment.data.sendQueue));
  });

  it('calls someone when send jobs keep coming back, retried or handed on because SES refused', () => {
    const alarm = onlyAlarmOn(app, METRIC.sendJobsStalled);

    expect(
      alarm
        .Metrics!.map((metric) => metric.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual([METRIC.sendJobsRetried, METRIC.sendJobsStalled].sort());
    expect(alarm.Metrics!.find((metric) => metric.Expression)?.Expression).toBe(
      'FILL(retried, 0) + FILL(stalled, 0)',
    );
    expect(alarm).toMatchObject({ Threshold: 10, EvaluationPeriods: 2, TreatMissingData: 'notBreaching' });
  });

  it('calls someone when a planner or an ingest run is missing, missing data counting as a breach', () => {
    const ingest = onlyAlarmOn(app, METRIC.ingestRuns);
    const planner = onlyAlarmOn(app, METRIC.plannerRuns);
    const dailyIngest = onlyAlarmOn(custom, METRIC.ingestRuns);
    const plannerEvery20 = onlyAlarmOn(custom, METRIC.plannerRuns);

    for (const alarm of [ingest, planner, dailyIngest, plannerEvery20]) {
      expect(alarm).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      expect(alarm.DatapointsToAlarm).toBe(alarm.EvaluationPeriods);
      // CloudWatch's limit: an alarm of periods under an hour looks back at most one day.
      expect(alarm.Period! * alarm.EvaluationPeriods).toBeLessThanOrEqual(
        alarm.Period! < 3600 ? 86_400 : 604_800,
      );
    }
    // One run's period and one more: a run under way at the edge is no alarm, one missed run is.
    expect(ingest).toMatchObject({ Period: 3600, EvaluationPeriods: 7 });
    expect(planner).toMatchObject({ Period: 3600, EvaluationPeriods: 2 });
    expect(dailyIngest).toMatchObject({ Period: 3600, EvaluationPeriods: 25 });
    expect(plannerEvery20).toMatchObject({ Period: 1200, EvaluationPeriods: 2 });
  });

  it('alarms on rejected emails as a share of an hour’s sends, never on one bad address', () => {
    const alarm = onlyAlarmOn(app, METRIC.emailsFailed);
    const expression = alarm.Metrics!.find((metric) => metric.Expression)!.Expression!;

    expect(expression).toBe(
      'IF(FILL(sent, 0) + FILL(rejected, 0) >= 20, FILL(rejected, 0) / (FILL(sent, 0) + FILL(rejected, 0)), 0)',
    );
    expect(
      alarm.Metrics!.filter((metric) => metric.MetricStat).map((metric) => metric.MetricStat!.Period),
    ).toEqual([3600, 3600]);
    expect(alarm).toMatchObject({ Threshold: 0.05, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('calls someone at the first SES refusal for the account’s setup', () => {
    expect(onlyAlarmOn(app, METRIC.sesConfigurationErrors)).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Threshold: 1,
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(onlyAlarmOn(app, METRIC.sesConfigurationErrors).AlarmDescription).toMatch(/setup/);
  });

  it('calls someone at the first second copy of an email, saying where to look', () => {
    const alarm = onlyAlarmOn(app, METRIC.secondCopiesSent);

    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Threshold: 1,
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmDescription).toMatch(/twice/);
    expect(alarm.AlarmDescription).toContain('SES accepted a second copy of an email');
    expect(alarm.AlarmDescription).toMatch(/digestId, subscriberId/);
  });

  it('alarms when the send function itself fails, as for every other function', () => {
    const sendFunction = app.logicalId(app.deployment.service.functions.send);
    const errors = Object.values(app.service.findResources('AWS::CloudWatch::Alarm'))
      .map((resource) => resource.Properties as AlarmProperties)
      .filter((alarm) => alarm.MetricName === 'Errors' && JSON.stringify(alarm).includes(sendFunction));

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ Threshold: 1, Namespace: 'AWS/Lambda' });
  });
});
