import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SEND_QUEUE, TABLE_DEFINITIONS } from '../../functions/adapters/dynamodb/tables.ts';
import { DigestFunction, type HandlerName } from '../constructs/digest-function.ts';
import {
  SES_BOUNCE_DETAIL_TYPE,
  SES_COMPLAINT_DETAIL_TYPE,
  SES_SEND_DETAIL_TYPE,
} from '../constructs/mail-sending.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { FUNCTION_PLANS, TABLE_ENV } from '../function-plans.ts';
import { acknowledge, acknowledgeWildcardResource } from '../nag.ts';
import type { DeploymentSettings } from '../settings.ts';
import type { DataStack } from './data-stack.ts';

export interface ServiceStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly data: DataStack;
}

/**
 * The code and its triggers: the five functions (granted from FUNCTION_PLANS), the SQS event
 * source of the sender, the schedules, the routes of the HTTP API (public, and IAM-authorised
 * admin), the rules that bring SES sends, bounces and complaints to ses-events, and the alarms and
 * dashboard. Nothing here holds state or an address: the stack can be destroyed and redeployed
 * without losing a reader or breaking a link already mailed.
 */
export class ServiceStack extends Stack {
  readonly functions: Readonly<Record<HandlerName, DigestFunction>>;
  readonly httpApi: HttpApi;
  readonly eventsDeadLetterQueue: Queue;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { settings, data } = props;
    const logRetention = settings.logRetentionDays as RetentionDays;

    this.eventsDeadLetterQueue = new Queue(this, 'events-dlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.alarmTopic = new Topic(this, 'alarm-topic', {
      displayName: 'Immunotherapy Digest alarms',
      enforceSSL: true,
    });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));

    // The API lives with the data: every email links to it, so its URL is a setting of every function.
    const api = data.api;
    this.httpApi = api.httpApi;
    const siteUrl = api.siteUrl;

    const sharedSettings = {
      SITE_URL: siteUrl,
      // Where the site publishes its own articles; unset, the API serves them at SITE_URL/articles.
      ...(settings.articlesBaseUrl ? { ARTICLES_BASE_URL: settings.articlesBaseUrl } : {}),
      MAIL_FROM: settings.mailFrom,
      MAIL_REPLY_TO: settings.mailReplyTo,
      UNSUBSCRIBE_MAILTO: settings.unsubscribeMailto,
      POSTAL_ADDRESS: settings.postalAddress,
      // The cloud runs on EventBridge Scheduler; these tell the code the same schedules.
      INGEST_SCHEDULE: settings.schedules.ingestCron,
      DIGEST_SCHEDULE: settings.schedules.planDigestCron,
    };

    const functionFor = (name: HandlerName): DigestFunction => {
      const plan = FUNCTION_PLANS[name];
      const fn = new DigestFunction(this, name, {
        handler: name,
        description: plan.description,
        settings: sharedSettings,
        logRetention,
        timeout: plan.timeout,
        memorySize: plan.memorySize,
        ...(name === 'send' ? { reservedConcurrentExecutions: settings.sender.concurrency } : {}),
        ...(plan.asynchronous ? { asyncFailureQueue: this.eventsDeadLetterQueue } : {}),
        tracing: settings.tracing,
      });
      if (settings.tracing && fn.role) {
        acknowledge(
          fn.role,
          'AwsSolutions-IAM5[Resource::*]',
          'X-Ray active tracing (the tracing setting): xray:PutTraceSegments and PutTelemetryRecords have no resource type in IAM and are granted on * by Lambda itself.',
        );
      }
      for (const { id: table, globalIndexes } of TABLE_DEFINITIONS) {
        const indexNames = globalIndexes.map((index) => index.indexName);
        fn.bindTable(data.tables[table], TABLE_ENV[table], plan.tables[table], indexNames);
      }
      fn.bindSendQueue(data.sendQueue, data.sendDeadLetterQueue, plan.queue);
      fn.bindSecret(data.tokenSecret, 'TOKEN_SECRET_ARN');
      fn.bindSecret(data.identitySecret, 'IDENTITY_SECRET_ARN');
      // Only ingest calls PubMed; the key is read at its first request (functions/app/context.ts).
      if (plan.readsNcbiApiKey) fn.bindSecret(data.ncbiApiKeySecret, 'NCBI_API_KEY_ARN');
      if (plan.sendsEmail) fn.bindMailSending(data.mail, settings.sesMaxSendRate);
      // GetAccount tells the rate limiter the account's real send rate and daily quota.
      if (plan.readsSendQuota) data.mail.grantReadSendQuota(fn);
      // The api arms and disarms the timers of sends scheduled for later.
      if (plan.schedulesSends) data.sendSchedules.grantScheduling(fn);
      acknowledge(
        fn,
        'AwsSolutions-L1',
        'Node.js 22 is the runtime this code is built (esbuild target node22), tested and verified for (npm run verify:bundles); moving to a newer runtime is a deliberate change, not a default.',
      );
      return fn;
    };
    this.functions = {
      ingest: functionFor('ingest'),
      'plan-digest': functionFor('plan-digest'),
      send: functionFor('send'),
      api: functionFor('api'),
      'ses-events': functionFor('ses-events'),
    };
    const fns = this.functions;

    fns.send.addEventSource(
      new SqsEventSource(data.sendQueue, {
        batchSize: SEND_QUEUE.batchSize,
        reportBatchItemFailures: true,
        // As many pollers as reserved senders: Lambda never receives a batch it would be throttled on.
        maxConcurrency: settings.sender.concurrency,
      }),
    );

    new Schedule(this, 'ingest-schedule', {
      description: `Ingest every ${settings.ingestEveryHours} h`,
      schedule: ScheduleExpression.expression(settings.schedules.ingest),
      target: new LambdaInvoke(fns.ingest, {
        deadLetterQueue: this.eventsDeadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
    new Schedule(this, 'plan-digest-schedule', {
      description: `Plan the due digests every ${settings.planDigestEveryMinutes} min`,
      schedule: ScheduleExpression.expression(settings.schedules.planDigest),
      target: new LambdaInvoke(fns['plan-digest'], {
        deadLetterQueue: this.eventsDeadLetterQueue,
        retryAttempts: 2,
        // A planner run older than its period is superseded by the next one.
        maxEventAge: Duration.minutes(Math.max(settings.planDigestEveryMinutes, 1)),
      }),
    });

    for (const scheduled of [fns.ingest, fns['plan-digest']]) {
      acknowledgeWildcardResource(
        this,
        `${scheduled.functionArn}:*`,
        "The scheduler's LambdaInvoke target grants invoke on the function and its versions (function:*), through CDK's grantInvoke; the role may invoke this one function only.",
      );
    }

    const sesEventsTarget = () =>
      new LambdaFunction(fns['ses-events'], {
        deadLetterQueue: this.eventsDeadLetterQueue,
        retryAttempts: 20,
        maxEventAge: Duration.hours(24),
      });
    const ofOurSet = { 'ses:configuration-set': [data.mail.configurationSetName] };
    new Rule(this, 'ses-events-rule', {
      description: 'SES bounces and complaints of our configuration set → ses-events',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE],
        detail: { mail: { tags: ofOurSet } },
      },
      targets: [sesEventsTarget()],
    });
    new Rule(this, 'ses-send-events-rule', {
      description: 'SES Send events of emails that name a ledger item → ses-events (records the acceptance)',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [SES_SEND_DETAIL_TYPE],
        // Only digests and admin sends carry the ledger tag: a confirmation's Send event costs no invocation.
        detail: { mail: { tags: { ...ofOurSet, ledger: [{ exists: true }] } } },
      },
      targets: [sesEventsTarget()],
    });

    api.routeTo(fns.api, this);

    new Monitoring(this, 'monitoring', {
      functions: fns,
      sendQueue: data.sendQueue,
      sendDeadLetterQueue: data.sendDeadLetterQueue,
      eventsDeadLetterQueue: this.eventsDeadLetterQueue,
      httpApi: this.httpApi,
      alarmTopic: this.alarmTopic,
      ingestPeriod: Duration.hours(settings.schedules.ingestPeriodHours),
      planDigestPeriod: Duration.minutes(settings.planDigestEveryMinutes),
      dashboardName: `${settings.stackPrefix}-dashboard`,
    });

    const output = (id: string, description: string, value: string) =>
      new CfnOutput(this, id, { description, value });
    output('AlarmTopicArn', 'Subscribe on-call here (or set alarmEmail)', this.alarmTopic.topicArn);
    output('IngestFunctionName', 'Invoke it once after the first deploy', fns.ingest.functionName);
    output(
      'DashboardUrl',
      'The CloudWatch dashboard',
      `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${settings.stackPrefix}-dashboard`,
    );
  }
}
