import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../functions/config/config.ts';
import { SEND_QUEUE, TABLE_DEFINITIONS } from '../../functions/adapters/dynamodb/tables.ts';
import { METRIC, METRICS_NAMESPACE } from '../../functions/handlers/metric-names.ts';
import type { HandlerName } from '../../infra/constructs/digest-function.ts';
import { senderSizing } from '../../functions/core/delivery/send-policy.ts';
import { FUNCTION_PLANS } from '../../infra/function-plans.ts';
import { FUNCTION_CALLS, type CallResource } from '../../infra/function-calls.ts';
import { decide } from '../../testkit/iam/policy.ts';
import {
  bindFromEnvironment,
  functionRoles,
  LOCAL_ACCOUNT,
  TemplateResolver,
  type CfnTemplate,
} from '../../testkit/iam/synthesized-roles.ts';
import {
  actionsOf,
  functionProperties,
  managedPolicyStatements,
  resourcesOf,
  statementsOf,
  synthesize,
  type Statement,
  type Synthesized,
} from './synth.ts';

const HANDLERS = Object.keys(FUNCTION_PLANS) as HandlerName[];
// The request context of a CreateSchedule's iam:PassRole check (the other calls carry none).
const PASSED_TO_SCHEDULER = { 'iam:PassedToService': 'scheduler.amazonaws.com' } as const;

describe('service stack', () => {
  let app: Synthesized;
  let custom: Synthesized;
  beforeAll(() => {
    app = synthesize();
    custom = synthesize({
      sesMaxSendRate: '100',
      ingestEveryHours: 12,
      planDigestEveryMinutes: 30,
      apiDomainName: 'digest.example.org',
      apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      apiRateLimit: 20,
      apiBurstLimit: 40,
      alarmEmail: 'oncall@example.org',
      logRetentionDays: 90,
    });
  });

  const fnId = (s: Synthesized, name: HandlerName) => s.logicalId(s.deployment.service.functions[name]);
  const fnProps = (s: Synthesized, name: HandlerName) => functionProperties(s.service, fnId(s, name));
  const statements = (name: HandlerName) => statementsOf(app.service, fnId(app, name));
  const touches = (statement: Statement, logicalId: string) =>
    JSON.stringify(statement.Resource).includes(logicalId);

  it('runs five functions on ARM64 and Node.js 22, each with its own retained-for-a-while log group', () => {
    app.service.resourceCountIs('AWS::Lambda::Function', 5);
    for (const name of HANDLERS) {
      expect(fnProps(app, name)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: FUNCTION_PLANS[name].timeout.toSeconds(),
        MemorySize: FUNCTION_PLANS[name].memorySize,
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
    }
    // One per function here; the API's access logs live with the API, in the data stack.
    app.service.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 5);
    custom.service.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 5);
    app.data.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 1);
    custom.data.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 1);
  });

  it('traces every function with X-Ray only when the tracing setting is on', () => {
    const traced = synthesize({ tracing: true });

    for (const name of HANDLERS) {
      expect(fnProps(app, name).TracingConfig, name).toBeUndefined();
      expect(fnProps(traced, name).TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(statementsOf(traced.service, fnId(traced, name)).flatMap(actionsOf), name).toContain(
        'xray:PutTraceSegments',
      );
    }
  });

  it('gives every function an environment its configuration accepts in the cloud', () => {
    for (const name of HANDLERS) {
      const environment = fnProps(app, name).Environment.Variables;
      // Resources resolve only at deployment: stand in plausible values for them.
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : placeholderFor(key),
        ]),
      );

      const config = loadConfig(resolved, 'cloud');

      expect(config.contentDir).toBe('/var/task/content');
      expect(config.mail.from).toBe('Immunotherapy Digest <digest@immunotherapy-digest.example.org>');
      expect(environment).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'immuno-digest',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        TOKEN_SECRET_ARN: expect.anything(),
        IDENTITY_SECRET_ARN: expect.anything(),
      });
    }
  });

  it('grants each function exactly the table access of its plan, naming indexes instead of index/*', () => {
    for (const name of HANDLERS) {
      const granted = statements(name);
      for (const { id, globalIndexes } of TABLE_DEFINITIONS) {
        const table = app.logicalId(app.deployment.data.tables[id]);
        const actions = granted.filter((s) => touches(s, table)).flatMap(actionsOf);
        const access = FUNCTION_PLANS[name].tables[id];

        expect(actions.includes('dynamodb:GetItem'), `${name} reads ${id}`).toBe(access !== 'none');
        expect(actions.includes('dynamodb:PutItem'), `${name} writes ${id}`).toBe(access === 'readWrite');
        const indexResources = granted
          .filter((s) => touches(s, table))
          .flatMap(resourcesOf)
          .map((resource) => JSON.stringify(resource))
          .filter((resource) => resource.includes('/index/'));
        expect(indexResources.some((resource) => resource.includes('/index/*'))).toBe(false);
        if (access !== 'none') {
          for (const index of globalIndexes) {
            expect(indexResources.some((resource) => resource.includes(`/index/${index.indexName}`))).toBe(
              true,
            );
          }
        }
      }
    }
  });

  it('lets the functions whose code enqueues send jobs (the planner, the api and the sender) enqueue, and only the sender consume', () => {
    const queue = app.logicalId(app.deployment.data.sendQueue);
    const enqueuers = HANDLERS.filter((name) =>
      FUNCTION_CALLS[name]['queue/send']?.includes('sqs:SendMessage'),
    );

    expect(enqueuers.sort()).toEqual(['api', 'plan-digest', 'send']);
    for (const name of HANDLERS) {
      const actions = statements(name)
        .filter((s) => touches(s, queue))
        .flatMap(actionsOf);

      expect(actions.includes('sqs:SendMessage'), name).toBe(enqueuers.includes(name));
      expect(actions.includes('sqs:ReceiveMessage'), name).toBe(name === 'send');
    }
  });

  it('allows every call each function’s code makes (infra/function-calls.ts) on the resource it makes it on', () => {
    const names: Record<string, string> = {
      ARTICLES_TABLE: 'articles',
      SUBSCRIBERS_TABLE: 'subscribers',
      DELIVERIES_TABLE: 'deliveries',
      STATE_TABLE: 'state',
      SEND_QUEUE_URL: 'https://sqs.local/000000000000/send',
      SEND_DLQ_NAME: 'send-dlq',
      TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:token-AbCdEf',
      IDENTITY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:identity-AbCdEf',
      NCBI_API_KEY_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ncbi-api-key-AbCdEf',
      SES_CONFIGURATION_SET: 'configuration-set',
      SEND_SCHEDULER_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT.account}:role/send-scheduler`,
    };
    const resolver = new TemplateResolver([
      { name: app.deployment.data.stackName, template: app.data.toJSON() as CfnTemplate },
      { name: app.deployment.service.stackName, template: app.service.toJSON() as CfnTemplate },
    ]);
    bindFromEnvironment(resolver, names);
    const { region, account } = LOCAL_ACCOUNT;
    const arnOf = (resource: CallResource): string => {
      if (resource === '*') return '*';
      if (resource === 'queue/send') return `arn:aws:sqs:${region}:${account}:send`;
      if (resource === 'queue/send-dlq') return `arn:aws:sqs:${region}:${account}:send-dlq`;
      if (resource === 'secret/token') return names.TOKEN_SECRET_ARN!;
      if (resource === 'secret/identity') return names.IDENTITY_SECRET_ARN!;
      if (resource === 'secret/ncbi-api-key') return names.NCBI_API_KEY_ARN!;
      if (resource === 'ses/identity')
        return `arn:aws:ses:${region}:${account}:identity/immunotherapy-digest.example.org`;
      if (resource === 'ses/configuration-set')
        return `arn:aws:ses:${region}:${account}:configuration-set/configuration-set`;
      if (resource === 'schedule/send')
        return `arn:aws:scheduler:${region}:${account}:schedule/ImmunoDigest-sends/spring-appeal-2027`;
      if (resource === 'role/send-scheduler') return names.SEND_SCHEDULER_ROLE_ARN!;
      return `arn:aws:dynamodb:${region}:${account}:${resource}`;
    };
    const roles = functionRoles(resolver);

    expect(roles.map((role) => role.name).sort()).toEqual([...HANDLERS].sort());
    for (const role of roles) {
      const calls = Object.entries(FUNCTION_CALLS[role.name as HandlerName]) as [CallResource, string[]][];
      const refused = calls.flatMap(([resource, actions]) =>
        actions
          .filter(
            (action) => decide(role.statements, action, arnOf(resource), PASSED_TO_SCHEDULER) !== 'allowed',
          )
          .map((action) => `${action} on ${resource}`),
      );

      expect(refused, role.name).toEqual([]);
    }
  });

  it('lets only the api read and delete the send DLQ’s messages, to redrive them, and nobody write to it', () => {
    const deadLetterQueue = app.logicalId(app.deployment.data.sendDeadLetterQueue);
    for (const name of HANDLERS) {
      const actions = statements(name)
        .filter((s) => touches(s, deadLetterQueue))
        .flatMap(actionsOf);

      expect(actions.includes('sqs:ReceiveMessage'), name).toBe(name === 'api');
      expect(actions.includes('sqs:DeleteMessage'), name).toBe(name === 'api');
      expect(actions.includes('sqs:SendMessage'), name).toBe(false);
    }
  });

  it('lets every function read the link and identity secrets, ingest the NCBI API key too, and nothing else of Secrets Manager', () => {
    const link = app.logicalId(app.deployment.data.tokenSecret);
    const identity = app.logicalId(app.deployment.data.identitySecret);
    const ncbiKey = app.logicalId(app.deployment.data.ncbiApiKeySecret);
    for (const name of HANDLERS) {
      const secretStatements = statements(name).filter((s) =>
        actionsOf(s).some((action) => action.startsWith('secretsmanager:')),
      );

      expect(secretStatements.some((s) => touches(s, link))).toBe(true);
      expect(secretStatements.some((s) => touches(s, identity))).toBe(true);
      expect(
        secretStatements.some((s) => touches(s, ncbiKey)),
        name,
      ).toBe(name === 'ingest');
      expect(
        secretStatements.every((s) => touches(s, link) || touches(s, identity) || touches(s, ncbiKey)),
        name,
      ).toBe(true);
    }
  });

  it('scopes ses:SendEmail to the configuration set and the sender identities, for the api and the sender only', () => {
    for (const name of HANDLERS) {
      const send = statements(name).filter((s) => actionsOf(s).includes('ses:SendEmail'));
      expect(send.length > 0, name).toBe(FUNCTION_PLANS[name].sendsEmail);
      for (const statement of send) {
        const resources = resourcesOf(statement).map((resource) => JSON.stringify(resource));
        expect(resources).toHaveLength(3);
        expect(resources.some((r) => r.includes('configuration-set/'))).toBe(true);
        expect(resources.some((r) => r.includes(':identity/immunotherapy-digest.example.org'))).toBe(true);
        expect(resources.some((r) => r.includes(':identity/digest@immunotherapy-digest.example.org'))).toBe(
          true,
        );
        expect(resources.some((r) => r.includes('*'))).toBe(false);
      }
    }
  });

  it('grants no wildcard resource but ses:GetAccount, to the functions that read the send rate', () => {
    for (const name of HANDLERS) {
      const wildcards = statements(name).filter((s) => resourcesOf(s).some((r) => r === '*'));
      const expected = FUNCTION_PLANS[name].readsSendQuota ? [['ses:GetAccount']] : [];

      expect(FUNCTION_PLANS[name].readsSendQuota, name).toBe(name === 'send' || name === 'api');

      expect(wildcards.map(actionsOf), name).toEqual(expected);
    }
    for (const name of HANDLERS) {
      expect(
        statements(name)
          .flatMap(actionsOf)
          .some((action) => action.includes('*')),
        name,
      ).toBe(false);
    }
  });

  it('consumes the send queue in batches with partial failures, as many senders as the SES rate needs', () => {
    for (const [s, rate] of [
      [app, 14],
      [custom, 100],
    ] as const) {
      const concurrency = senderSizing(rate).concurrency;

      expect(fnProps(s, 'send').ReservedConcurrentExecutions).toBe(concurrency);
      s.service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId(s, 'send') },
        BatchSize: SEND_QUEUE.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: concurrency },
      });
      expect(fnProps(s, 'send').Environment.Variables.SES_MAX_SEND_RATE).toBe(String(rate));
    }
    // The queue's visibility leaves the sender 6 retries' worth of its timeout.
    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fnProps(app, 'send').Timeout);
  });

  it('schedules ingest every N hours and the planner every hour, on the clock, from the settings', () => {
    const schedule = (s: Synthesized, name: HandlerName, expression: string) =>
      s.service.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId(s, name), 'Arn'] },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
        }),
      });

    schedule(app, 'ingest', 'cron(0 0/6 * * ? *)');
    schedule(app, 'plan-digest', 'cron(0 * * * ? *)');
    schedule(custom, 'ingest', 'cron(0 0/12 * * ? *)');
    schedule(custom, 'plan-digest', 'cron(0/30 * * * ? *)');
    expect(fnProps(custom, 'ingest').Environment.Variables.INGEST_SCHEDULE).toBe('0 */12 * * *');
  });

  it('lets only the api create and delete the schedules of the send group, and pass the scheduler role to Scheduler only', () => {
    const schedulerRole = app.logicalId(app.deployment.data.sendSchedules.role);
    for (const name of HANDLERS) {
      const granted = statements(name);
      const scheduling = granted.filter((s) =>
        actionsOf(s).some((action) => action.startsWith('scheduler:')),
      );
      const passing = granted.filter((s) => actionsOf(s).includes('iam:PassRole'));
      const environment = fnProps(app, name).Environment.Variables;

      if (name !== 'api') {
        expect(scheduling, name).toEqual([]);
        expect(passing, name).toEqual([]);
        expect(environment.SEND_SCHEDULE_GROUP, name).toBeUndefined();
        continue;
      }
      expect(scheduling).toHaveLength(1);
      expect(actionsOf(scheduling[0]!).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
      ]);
      expect(JSON.stringify(scheduling[0]!.Resource)).toContain(':schedule/ImmunoDigest-sends/*');
      expect(passing).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: expect.objectContaining({ 'Fn::ImportValue': expect.any(String) }),
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
      expect(JSON.stringify(app.data.toJSON().Outputs)).toContain(schedulerRole);
      expect(environment).toMatchObject({
        SEND_SCHEDULE_GROUP: 'ImmunoDigest-sends',
        SEND_SCHEDULER_ROLE_ARN: expect.anything(),
        SEND_QUEUE_ARN: expect.anything(),
      });
    }
  });

  it('serves the public pages on the throttled $default route and /admin behind the IAM authorizer', () => {
    // The API and its stage live with the data (links outlive the code); the routes with the code.
    app.data.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context.path'),
      },
    });
    custom.data.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    app.service.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
    app.service.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    app.service.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
    });
    for (const routeKey of ['ANY /admin', 'ANY /admin/{proxy+}']) {
      app.service.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'AWS_IAM',
      });
    }
    // One integration, the api function, behind every route.
    app.service.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    app.service.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { 'Fn::GetAtt': [fnId(app, 'api'), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    const adminStatements = managedPolicyStatements(app.data);
    expect(adminStatements).toHaveLength(1);
    expect(actionsOf(adminStatements[0]!)).toEqual(['execute-api:Invoke']);
    expect(resourcesOf(adminStatements[0]!).map((r) => JSON.stringify(r))).toEqual([
      expect.stringContaining('/$default/*/admin"'),
      expect.stringContaining('/$default/*/admin/*"'),
    ]);
  });

  it('links emails to the API unless a site URL or custom domain is set', () => {
    const siteUrl = fnProps(app, 'send').Environment.Variables.SITE_URL as { 'Fn::ImportValue': string };
    const exported = Object.values(app.data.findOutputs('*')).find(
      (output) => (output as { Export?: { Name: string } }).Export?.Name === siteUrl['Fn::ImportValue'],
    );
    expect(exported?.Value).toEqual({
      'Fn::GetAtt': [app.logicalId(app.deployment.data.api.httpApi), 'ApiEndpoint'],
    });
    expect(fnProps(custom, 'send').Environment.Variables.SITE_URL).toBe('https://digest.example.org');
    custom.data.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'digest.example.org',
    });
    const withSite = synthesize({ siteUrl: 'https://www.example.org/newsletter' });
    expect(fnProps(withSite, 'api').Environment.Variables.SITE_URL).toBe(
      'https://www.example.org/newsletter',
    );
  });

  it('links the site’s own articles to the API unless articlesBaseUrl names where the site publishes them', () => {
    expect(fnProps(app, 'ingest').Environment.Variables).not.toHaveProperty('ARTICLES_BASE_URL');
    const elsewhere = synthesize({ articlesBaseUrl: 'https://www.example.org/learn' });
    expect(fnProps(elsewhere, 'ingest').Environment.Variables.ARTICLES_BASE_URL).toBe(
      'https://www.example.org/learn',
    );
  });

  it('brings the configuration set’s bounces and complaints to ses-events, with a DLQ', () => {
    app.service.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complained'],
        detail: { mail: { tags: { 'ses:configuration-set': [Match.anyValue()] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId(app, 'ses-events'), 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [app.logicalId(app.deployment.service.eventsDeadLetterQueue), 'Arn'] },
          },
        }),
      ],
    });
    for (const name of ['ingest', 'plan-digest', 'ses-events'] as const) {
      expect(fnProps(app, name).DeadLetterConfig, name).toBeDefined();
    }
  });

  it('brings the Send events of emails that name a ledger item to ses-events, with the same DLQ', () => {
    app.service.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Sent'],
        detail: {
          mail: { tags: { 'ses:configuration-set': [Match.anyValue()], ledger: [{ exists: true }] } },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId(app, 'ses-events'), 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [app.logicalId(app.deployment.service.eventsDeadLetterQueue), 'Arn'] },
          },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 20 },
        }),
      ],
    });
  });

  it('alarms on the DLQs, source failures, send errors and the SES bounce and complaint rates', () => {
    const topic = { Ref: app.logicalId(app.deployment.service.alarmTopic) };
    const alarm = (props: Record<string, unknown>) =>
      app.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: [topic],
        OKActions: [topic],
        ...props,
      });

    const dlqAlarms = JSON.stringify(
      app.service.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, AlarmActions: [topic] },
      }),
    );
    for (const queue of [
      app.deployment.data.sendDeadLetterQueue,
      app.deployment.service.eventsDeadLetterQueue,
    ]) {
      expect(dlqAlarms).toContain(app.logicalId(queue));
    }
    alarm({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.maxConsecutiveSourceFailures,
      Dimensions: [{ Name: 'service', Value: 'immuno-digest' }],
      Threshold: 3,
      Period: 6 * 3600,
    });
    // Send errors as a rate (test/infra/monitoring.test.ts holds the rest of the send alarms).
    for (const metricName of [METRIC.emailsFailed, METRIC.emailsSent]) {
      alarm({
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: metricName }) }),
          }),
        ]),
        Threshold: 0.05,
      });
    }
    alarm({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    alarm({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    app.service.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    custom.service.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
    });
  });
});

/** Deployment-time values for the resource-backed variables, shaped as the configuration expects. */
function placeholderFor(name: string): string {
  if (name === 'SITE_URL') return 'https://abc123.execute-api.us-east-1.amazonaws.com';
  if (name === 'SEND_QUEUE_URL') return 'https://sqs.us-east-1.amazonaws.com/123456789012/send';
  if (name === 'TOKEN_SECRET_ARN') return 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf';
  if (name === 'IDENTITY_SECRET_ARN')
    return 'arn:aws:secretsmanager:us-east-1:123456789012:secret:identity-AbCdEf';
  if (name === 'SEND_SCHEDULER_ROLE_ARN') return 'arn:aws:iam::123456789012:role/send-scheduler';
  if (name === 'SEND_QUEUE_ARN') return 'arn:aws:sqs:us-east-1:123456789012:send';
  if (name === 'NCBI_API_KEY_ARN')
    return 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ncbi-api-key-AbCdEf';
  return `${name.toLowerCase()}-from-the-stack`;
}
