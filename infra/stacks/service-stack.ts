import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  SEND_QUEUE,
  TABLE_DEFINITIONS,
  type TableDefinition,
} from '../../functions/adapters/dynamodb/tables.ts';
import {
  DigestFunction,
  type HandlerName,
  type QueueAccess,
  type TableAccess,
} from '../constructs/digest-function.ts';
import { SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE } from '../constructs/mail-sending.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { acknowledge, acknowledgeWildcardResource } from '../nag.ts';
import type { DeploymentSettings } from '../settings.ts';
import type { DataStack } from './data-stack.ts';

export interface ServiceStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly data: DataStack;
}

type TableId = TableDefinition['id'];

/** What each function is, and exactly what it may touch. The stack grants from this table only. */
export interface FunctionPlan {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly tables: Readonly<Record<TableId, TableAccess>>;
  readonly queue: QueueAccess;
  /** ses:SendEmail on our identity and configuration set. */
  readonly sendsEmail: boolean;
  /** Invoked asynchronously (a schedule, an event rule): failures end in the events DLQ. */
  readonly asynchronous: boolean;
}

/**
 * The access matrix. Every function reads the token secret: the application context verifies or
 * signs links whatever the entry point.
 */
export const FUNCTION_PLANS: Readonly<Record<HandlerName, FunctionPlan>> = {
  ingest: {
    description: 'Fetches every feed, tags and deduplicates the new articles',
    timeout: Duration.minutes(5),
    memorySize: 512,
    // Articles and their identity claims; per-source fetch state (ETag, failures).
    tables: { articles: 'readWrite', subscribers: 'none', deliveries: 'none', state: 'readWrite' },
    queue: 'none',
    sendsEmail: false,
    asynchronous: true,
  },
  'plan-digest': {
    description: 'Finds the readers whose weekly slot has come and enqueues their send jobs',
    timeout: Duration.minutes(5),
    // Holds every confirmed reader of the hour in memory while it groups them.
    memorySize: 1024,
    // Reads the window's articles; marks readers planned; records "nothing to send" in the ledger.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'readWrite', state: 'none' },
    queue: 'send',
    sendsEmail: false,
    asynchronous: true,
  },
  send: {
    description: 'Renders each send job once and mails its recipients exactly once',
    timeout: Duration.seconds(SEND_QUEUE.consumerTimeoutSeconds),
    // MJML rendering is CPU-bound, and Lambda gives CPU in proportion to memory.
    memorySize: 1024,
    // Claims and marks ledger items, re-reads each reader, records deliveries; shared rate-limit counters.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'readWrite', state: 'readWrite' },
    queue: 'none',
    sendsEmail: true,
    asynchronous: false,
  },
  api: {
    description:
      'Public pages and JSON API (subscribe, confirm, preferences, unsubscribe, archive) and admin routes',
    timeout: Duration.seconds(15),
    // A reader waits on its cold start (MJML loads with it): more memory, more CPU, shorter wait.
    memorySize: 1024,
    // Subscribers; the archive reads articles; admin sends are stored in state, enqueued, and counted in the ledger.
    tables: { articles: 'read', subscribers: 'readWrite', deliveries: 'read', state: 'readWrite' },
    queue: 'send',
    sendsEmail: true,
    asynchronous: false,
  },
  'ses-events': {
    description: 'Suppresses readers on SES bounces and complaints',
    timeout: Duration.seconds(30),
    memorySize: 512,
    tables: { articles: 'none', subscribers: 'readWrite', deliveries: 'none', state: 'none' },
    queue: 'none',
    sendsEmail: false,
    asynchronous: true,
  },
};

const TABLE_ENV: Readonly<Record<TableId, string>> = {
  articles: 'ARTICLES_TABLE',
  subscribers: 'SUBSCRIBERS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  state: 'STATE_TABLE',
};

/**
 * The code and its triggers: the five functions (granted from FUNCTION_PLANS), the SQS event
 * source of the sender, the schedules, the HTTP API with IAM-authorised admin routes, the rule
 * that brings SES bounces and complaints to ses-events, and the alarms and dashboard. Nothing
 * here holds state: the stack can be destroyed and redeployed without losing a reader.
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

    // The API comes first: every email links to it, so its URL is a setting of every function.
    const accessLogs = new LogGroup(this, 'api-access-logs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new HttpApi(this, 'http-api', {
      apiName: `${settings.stackPrefix}-api`,
      description: 'Immunotherapy Digest: subscribe, confirm, preferences, unsubscribe, archive, admin',
      createDefaultStage: false,
    });
    const domainName = settings.apiDomainName
      ? new DomainName(this, 'api-domain', {
          domainName: settings.apiDomainName,
          certificate: Certificate.fromCertificateArn(this, 'api-certificate', settings.apiCertificateArn!),
        })
      : undefined;
    this.httpApi.addStage('default-stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // $context.path, never the full URI: query strings carry the personal link tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            caller: '$context.identity.userArn',
          }),
        ),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });
    const siteUrl =
      settings.siteUrl ??
      (settings.apiDomainName ? `https://${settings.apiDomainName}` : this.httpApi.apiEndpoint);

    const sharedSettings = {
      SITE_URL: siteUrl,
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
      });
      for (const { id: table, globalIndexes } of TABLE_DEFINITIONS) {
        const indexNames = globalIndexes.map((index) => index.indexName);
        fn.bindTable(data.tables[table], TABLE_ENV[table], plan.tables[table], indexNames);
      }
      fn.bindSendQueue(data.sendQueue, data.sendDeadLetterQueue, plan.queue);
      fn.bindSecret(data.tokenSecret, 'TOKEN_SECRET_ARN');
      if (plan.sendsEmail) fn.bindMailSending(data.mail, settings.sesMaxSendRate);
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

    // GetAccount tells the sender the account's real send rate and daily quota.
    data.mail.grantReadSendQuota(fns.send);
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

    new Rule(this, 'ses-events-rule', {
      description: 'SES bounces and complaints of our configuration set → ses-events',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE],
        detail: { mail: { tags: { 'ses:configuration-set': [data.mail.configurationSetName] } } },
      },
      targets: [
        new LambdaFunction(fns['ses-events'], {
          deadLetterQueue: this.eventsDeadLetterQueue,
          retryAttempts: 20,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.addRoutes(fns.api);

    new Monitoring(this, 'monitoring', {
      functions: fns,
      sendQueue: data.sendQueue,
      sendDeadLetterQueue: data.sendDeadLetterQueue,
      eventsDeadLetterQueue: this.eventsDeadLetterQueue,
      httpApi: this.httpApi,
      alarmTopic: this.alarmTopic,
      ingestPeriod: Duration.hours(settings.schedules.ingestPeriodHours),
      dashboardName: `${settings.stackPrefix}-dashboard`,
    });

    new CfnOutput(this, 'site-url', {
      description: 'Base of every link in emails and pages',
      value: siteUrl,
    });
    new CfnOutput(this, 'api-url', { description: 'The HTTP API endpoint', value: this.httpApi.apiEndpoint });
    if (domainName) {
      new CfnOutput(this, 'api-domain-target', {
        description: `Point ${settings.apiDomainName} here (CNAME or Route 53 alias)`,
        value: domainName.regionalDomainName,
      });
    }
    new CfnOutput(this, 'alarm-topic-arn', {
      description: 'Subscribe on-call here (or set alarmEmail)',
      value: this.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'ingest-function', {
      description: 'Invoke it once after the first deploy',
      value: fns.ingest.functionName,
    });
    new CfnOutput(this, 'dashboard-url', {
      description: 'The CloudWatch dashboard',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${settings.stackPrefix}-dashboard`,
    });
  }

  /**
   * Public pages on the $default route; /admin and /admin/* behind the IAM authorizer, on the
   * same function (the Hono app routes both). An admin needs execute-api:Invoke on those routes:
   * the managed policy output here grants exactly that.
   */
  private addRoutes(api: DigestFunction): void {
    const integration = new HttpLambdaIntegration('api-integration', api);
    const publicRoute = new HttpRoute(this, 'public-route', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
    });
    acknowledge(
      publicRoute,
      'AwsSolutions-APIG4',
      'The public pages (subscribe, confirm, preferences, unsubscribe, archive) are for anonymous readers; the personal ones check a signed, purpose-bound token, and the stage is throttled. Admin routes use the IAM authorizer.',
    );
    const authorizer = new HttpIamAuthorizer();
    for (const path of ['/admin', '/admin/{proxy+}']) {
      this.httpApi.addRoutes({ path, methods: [HttpMethod.ANY], integration, authorizer });
    }
    const adminRoutes = [
      this.httpApi.arnForExecuteApi('*', '/admin', '$default'),
      this.httpApi.arnForExecuteApi('*', '/admin/*', '$default'),
    ];
    const adminPolicy = new ManagedPolicy(this, 'admin-api-policy', {
      description: 'Lets an admin call the Immunotherapy Digest admin routes (attach to a role or user)',
      statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources: adminRoutes })],
    });
    for (const route of adminRoutes) {
      acknowledgeWildcardResource(
        adminPolicy,
        route,
        'Every method of the /admin routes of this API and stage, and every path under /admin (the admin app routes them itself); nothing else of the API.',
      );
    }
    new CfnOutput(this, 'admin-api-policy-arn', {
      description: 'Attach to the admins: execute-api:Invoke on /admin routes only',
      value: adminPolicy.managedPolicyArn,
    });
  }
}
