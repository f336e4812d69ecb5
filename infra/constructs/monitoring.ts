import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  type MetricName,
} from '../../functions/handlers/metric-names.ts';
import type { DigestFunction, HandlerName } from './digest-function.ts';
import {
  SES_REVIEW_THRESHOLDS,
  WARNING_THRESHOLDS,
} from '../../functions/core/list-health/deliverability.ts';

export interface MonitoringProps {
  readonly functions: Readonly<Record<HandlerName, DigestFunction>>;
  readonly sendQueue: IQueue;
  readonly sendDeadLetterQueue: IQueue;
  /** Events that could not be delivered or handled: schedules, SES events. */
  readonly eventsDeadLetterQueue: IQueue;
  readonly httpApi: HttpApi;
  readonly alarmTopic: ITopic;
  /** One ingest period: the source-failure alarm looks at one run at a time. */
  readonly ingestPeriod: Duration;
  /** How often the planner runs: its heartbeat alarm expects a run this often. */
  readonly planDigestPeriod: Duration;
  readonly dashboardName: string;
}

/**
 * SES puts an account under review at a 5 % bounce rate and at a 0.1 % complaint rate; a warning
 * alarm fires at half of each (2.5 %, 0.05 %), while there is time to clean the list. The same
 * figures as the admin dashboard's (functions/core/list-health/deliverability.ts).
 */
const BOUNCE_RATE_THRESHOLD = SES_REVIEW_THRESHOLDS.bounce;
const COMPLAINT_RATE_THRESHOLD = SES_REVIEW_THRESHOLDS.complaint;
const BOUNCE_RATE_WARNING = WARNING_THRESHOLDS.bounce;
const COMPLAINT_RATE_WARNING = WARNING_THRESHOLDS.complaint;
/** A feed that fails now and then is the internet; three runs in a row is a broken source. */
const SOURCE_FAILURE_RUNS = 3;
/**
 * The oldest send job may wait this long before someone is called. Senders take jobs in about
 * the order they were queued and each takes well under a minute, so the oldest job's age is the
 * backlog: an hour of it means the senders are stuck (a crash loop, concurrency 0, the event
 * source off) or a week bigger than the SES rate, and readers' digests are arriving late.
 */
const SEND_BACKLOG_SECONDS = 3600;
/**
 * Send jobs coming back (a whole message retried, or a continuation SES refused) this many times
 * in a quarter of an hour, two quarters running: SES throttles, is down or refuses, or the sender
 * crashes. The week is late but not lost: jobs back off for a day before the dead-letter queue.
 */
const RETURNING_JOBS_PER_QUARTER = 10;
/**
 * Rejected emails as a share of the emails SES answered for, over an hour with at least
 * REJECTION_RATE_MIN_EMAILS of them: one bad address is no alarm, a list that is going bad is.
 */
const REJECTION_RATE_THRESHOLD = 0.05;
const REJECTION_RATE_MIN_EMAILS = 20;

/**
 * The alarms that need a person, each sent to the alarm topic (and its recovery too), and one
 * dashboard of the whole pipeline: emails, reputation, queues, ingest, functions and the API.
 */
export class Monitoring extends Construct {
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const fns = props.functions;
    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, description: string, options: AlarmOptions) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric: options.metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.evaluationPeriods ?? 1,
        // Quiet is good news for most: no sends, no bounces, no failures. A heartbeat says otherwise.
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(props.alarmTopic));
      created.addOkAction(new SnsAction(props.alarmTopic));
      alarms.push(created);
      return created;
    };

    /**
     * A scheduled run that did not happen: every finished run publishes 1 of its heartbeat
     * metric, and no data is what breaches. Counted per hour (or per period, when shorter), over
     * one period of the schedule and one more, so a run still under way at the edge of a period
     * is no alarm and one missed run is.
     */
    const heartbeat = (name: 'ingest' | 'planner', metric: MetricName, every: Duration) => {
      const period = Duration.minutes(Math.min(every.toMinutes(), 60));
      const periods = Math.ceil(every.toMinutes() / period.toMinutes()) + 1;
      alarm(
        `${name}-heartbeat`,
        `No ${name} run finished in the last ${periods * period.toMinutes()} minutes (it runs every ${every.toMinutes()}): its schedule, its function or its data is broken.`,
        {
          metric: custom(metric, 'Sum', period),
          threshold: 1,
          comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: periods,
          treatMissingData: TreatMissingData.BREACHING,
        },
      );
    };

    const deadLetters = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) });
    alarm('send-dlq-not-empty', 'A send job failed 5 times and is in the send DLQ: read it, fix, redrive.', {
      metric: deadLetters(props.sendDeadLetterQueue),
      threshold: 1,
    });
    alarm(
      'events-dlq-not-empty',
      'A schedule or an SES send, bounce or complaint event could not be handled and is in the events DLQ.',
      { metric: deadLetters(props.eventsDeadLetterQueue), threshold: 1 },
    );
    alarm(
      'source-failures',
      `A feed source has failed ${SOURCE_FAILURE_RUNS} ingest runs in a row (see the ingest logs for its error).`,
      {
        metric: custom(METRIC.maxConsecutiveSourceFailures, 'Maximum', props.ingestPeriod),
        threshold: SOURCE_FAILURE_RUNS,
      },
    );
    alarm(
      'send-rejections',
      `SES rejected ${REJECTION_RATE_THRESHOLD * 100} % or more of the emails of the last hour (at least ${REJECTION_RATE_MIN_EMAILS} sent): the list or the content is going bad.`,
      {
        metric: new MathExpression({
          label: 'rejected share of the emails SES answered for',
          expression: `IF(FILL(sent, 0) + FILL(rejected, 0) >= ${REJECTION_RATE_MIN_EMAILS}, FILL(rejected, 0) / (FILL(sent, 0) + FILL(rejected, 0)), 0)`,
          usingMetrics: {
            sent: custom(METRIC.emailsSent, 'Sum', Duration.hours(1)),
            rejected: custom(METRIC.emailsFailed, 'Sum', Duration.hours(1)),
          },
          period: Duration.hours(1),
        }),
        threshold: REJECTION_RATE_THRESHOLD,
      },
    );
    alarm(
      'ses-configuration',
      "SES refuses to send because of the account's setup (identity or MAIL FROM domain not verified, configuration set missing, sending paused): sending has stopped and readers stay unsent. Fix it in SES; the week goes on by itself within 15 minutes.",
      { metric: custom(METRIC.sesConfigurationErrors, 'Sum', Duration.minutes(5)), threshold: 1 },
    );
    alarm(
      'send-backlog',
      `The oldest send job has waited more than ${SEND_BACKLOG_SECONDS / 60} minutes: the senders are stuck, or the week is larger than the SES rate allows.`,
      {
        metric: props.sendQueue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: SEND_BACKLOG_SECONDS,
        evaluationPeriods: 3,
      },
    );
    alarm(
      'send-jobs-returning',
      'Send jobs keep coming back: SES throttles, is unavailable or refuses (handed on with a backoff), or the sender crashes (retried). Readers are late, not lost yet.',
      {
        metric: new MathExpression({
          label: 'send jobs retried + handed on because SES refused',
          expression: 'FILL(retried, 0) + FILL(stalled, 0)',
          usingMetrics: {
            retried: custom(METRIC.sendJobsRetried, 'Sum', Duration.minutes(15)),
            stalled: custom(METRIC.sendJobsStalled, 'Sum', Duration.minutes(15)),
          },
          period: Duration.minutes(15),
        }),
        threshold: RETURNING_JOBS_PER_QUARTER,
        evaluationPeriods: 2,
      },
    );
    alarm(
      'second-copies',
      'A reader got an email twice: SES accepted it from a sender that died before recording it, and its Send event reached the ledger only after another sender had taken the claim over and mailed the reader again. The ses-events log (error "SES accepted a second copy of an email") names the ledger item (digestId, subscriberId) and both message ids (messageId, sentAs): check that item. Many at once mean Send events arrive later than the 5-minute lease (ses-events failing, EventBridge retrying). See docs/deploying.md, "When an alarm fires".',
      { metric: custom(METRIC.secondCopiesSent, 'Sum', Duration.minutes(5)), threshold: 1 },
    );
    heartbeat('ingest', METRIC.ingestRuns, props.ingestPeriod);
    heartbeat('planner', METRIC.plannerRuns, props.planDigestPeriod);
    alarm(
      'bounce-rate-warning',
      'SES bounce rate is above 2.5 %, half of the 5 % at which SES reviews the account: find the addresses that bounce (the admin dashboard) and the source of the list before it gets there.',
      {
        metric: reputation('Reputation.BounceRate'),
        threshold: BOUNCE_RATE_WARNING,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    alarm(
      'complaint-rate-warning',
      'SES complaint rate is above 0.05 %, half of the 0.1 % at which SES reviews the account: check what was sent lately and to whom.',
      {
        metric: reputation('Reputation.ComplaintRate'),
        threshold: COMPLAINT_RATE_WARNING,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    alarm(
      'bounce-rate',
      'SES bounce rate is above 5 %: SES reviews the account at 5 % and may pause sending at 10 %.',
      {
        metric: reputation('Reputation.BounceRate'),
        threshold: BOUNCE_RATE_THRESHOLD,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    alarm(
      'complaint-rate',
      'SES complaint rate is above 0.1 %: SES reviews the account at 0.1 % and may pause sending at 0.5 %.',
      {
        metric: reputation('Reputation.ComplaintRate'),
        threshold: COMPLAINT_RATE_THRESHOLD,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    for (const name of ['ingest', 'plan-digest', 'send', 'api', 'ses-events'] as const) {
      alarm(`${name}-errors`, `The ${name} function failed (see its log group).`, {
        metric: fns[name].metricErrors({
          period: name === 'ingest' ? props.ingestPeriod : Duration.minutes(5),
        }),
        threshold: 1,
      });
    }
    alarm('api-5xx', 'The HTTP API answered 5 or more server errors in 5 minutes.', {
      metric: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
    });
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });
    const hourly = Duration.hours(1);
    const graph = (title: string, left: IMetric[], extra: Partial<GraphProps> = {}) =>
      new GraphWidget({ title, left, width: 8, height: 6, ...extra });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Immunotherapy Digest\nEmails, reputation, queues, ingest, functions and the API. Alarms go to the alarm topic; docs/deploying.md ("When an alarm fires") says what each means.',
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 }),
      graph('Emails (per hour)', [
        custom(METRIC.emailsSent, 'Sum', hourly),
        custom(METRIC.emailsFailed, 'Sum', hourly),
        custom(METRIC.emailsSkipped, 'Sum', hourly),
      ]),
      graph('SES reputation', [reputation('Reputation.BounceRate'), reputation('Reputation.ComplaintRate')], {
        leftAnnotations: [
          { value: BOUNCE_RATE_THRESHOLD, label: 'bounce 5 %' },
          { value: BOUNCE_RATE_WARNING, label: 'bounce warning 2.5 %' },
          { value: COMPLAINT_RATE_THRESHOLD, label: 'complaint 0.1 %' },
          { value: COMPLAINT_RATE_WARNING, label: 'complaint warning 0.05 %' },
        ],
      }),
      graph('Bounces, complaints and second copies', [
        custom(METRIC.bouncesReceived, 'Sum', hourly),
        custom(METRIC.complaintsReceived, 'Sum', hourly),
        custom(METRIC.secondCopiesSent, 'Sum', hourly),
      ]),
      graph(
        'Send queue',
        [
          props.sendQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
          props.sendDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
          props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
          }),
        ],
        {
          right: [props.sendQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) })],
        },
      ),
      graph('Send jobs', [
        custom(METRIC.sendJobsEnqueued, 'Sum', hourly),
        custom(METRIC.sendJobsRetried, 'Sum', hourly),
        custom(METRIC.sendJobsContinued, 'Sum', hourly),
        custom(METRIC.sendJobsStalled, 'Sum', hourly),
        custom(METRIC.sesConfigurationErrors, 'Sum', hourly),
        custom(METRIC.poisonSendJobs, 'Sum', hourly),
      ]),
      graph('Planner', [
        custom(METRIC.readersPlanned, 'Sum', hourly),
        custom(METRIC.plannerRuns, 'Sum', hourly),
      ]),
      graph('Ingest', [
        custom(METRIC.ingestRuns, 'Sum', props.ingestPeriod),
        custom(METRIC.articlesCreated, 'Sum', props.ingestPeriod),
        custom(METRIC.sourceFailures, 'Sum', props.ingestPeriod),
        custom(METRIC.maxConsecutiveSourceFailures, 'Maximum', props.ingestPeriod),
      ]),
      graph(
        'Function errors',
        Object.values(fns).map((fn) => fn.metricErrors({ period: Duration.minutes(15) })),
      ),
      graph(
        'Function duration (p90)',
        Object.values(fns).map((fn) => fn.metricDuration({ period: Duration.minutes(15), statistic: 'p90' })),
        { right: [fns.send.metricThrottles({ period: Duration.minutes(15) })] },
      ),
      graph(
        'HTTP API',
        [
          props.httpApi.metricCount({ period: Duration.minutes(5) }),
          props.httpApi.metricClientError({ period: Duration.minutes(5) }),
          props.httpApi.metricServerError({ period: Duration.minutes(5) }),
        ],
        { right: [props.httpApi.metricLatency({ period: Duration.minutes(5), statistic: 'p90' })] },
      ),
    );
  }
}

interface AlarmOptions {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparison?: ComparisonOperator;
  /** Periods in a row that must breach (1 unless said). */
  readonly evaluationPeriods?: number;
  readonly treatMissingData?: TreatMissingData;
}

type GraphProps = ConstructorParameters<typeof GraphWidget>[0];

/** One of the handlers' own metrics (functions/handlers/metric-names.ts). */
function custom(name: MetricName, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period,
  });
}

/** SES's account reputation: the rates SES itself acts on, over a representative volume of mail. */
function reputation(metricName: 'Reputation.BounceRate' | 'Reputation.ComplaintRate'): Metric {
  return new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
}
