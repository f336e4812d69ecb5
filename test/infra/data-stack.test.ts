import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { SEND_QUEUE, TABLE_DEFINITIONS } from '../../functions/adapters/dynamodb/tables.ts';
import { synthesize, type Synthesized } from './synth.ts';

describe('data stack', () => {
  let app: Synthesized;
  let unprotected: Synthesized;
  beforeAll(() => {
    app = synthesize();
    unprotected = synthesize({ deletionProtection: false, hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
  });

  it('builds every table from the one shared definition: keys, indexes, TTL, on demand, PITR', () => {
    app.data.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLE_DEFINITIONS.length);

    for (const definition of TABLE_DEFINITIONS) {
      const keys = [
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      app.data.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: keys,
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes:
            definition.globalIndexes.length === 0
              ? Match.absent()
              : definition.globalIndexes.map((index) =>
                  Match.objectLike({ IndexName: index.indexName, Projection: { ProjectionType: 'ALL' } }),
                ),
          TimeToLiveSpecification: definition.timeToLiveAttribute
            ? { AttributeName: definition.timeToLiveAttribute, Enabled: true }
            : Match.absent(),
          Replicas: [
            Match.objectLike({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        }),
      });
    }
  });

  it('lets a stack without deletion protection delete its tables and secret', () => {
    unprotected.data.allResources('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      }),
    });
    unprotected.data.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    expect(unprotected.deployment.data.terminationProtection).toBe(false);
    expect(app.deployment.data.terminationProtection).toBe(true);
  });

  it('has a send queue whose visibility is 6 × the sender timeout, redriving to its DLQ after 5 receives', () => {
    const dlq = app.logicalId(app.deployment.data.sendDeadLetterQueue);

    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * SEND_QUEUE.consumerTimeoutSeconds);
    app.data.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: SEND_QUEUE.visibilityTimeoutSeconds,
      MessageRetentionPeriod: SEND_QUEUE.messageRetentionSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    app.data.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('retains the send queue and its DLQ like the tables, unless protection is off', () => {
    app.data.resourceCountIs('AWS::SQS::Queue', 2);
    app.data.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    unprotected.data.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });

  it('keeps the HTTP API, its stage, custom domain and mapping here, where a redeploy of the code cannot touch them', () => {
    const withDomain = synthesize({
      apiDomainName: 'digest.example.org',
      apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    });

    for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Stage', 'AWS::IAM::ManagedPolicy']) {
      app.data.resourceCountIs(type, 1);
      app.service.resourceCountIs(type, 0);
    }
    withDomain.data.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'digest.example.org',
    });
    withDomain.data.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    withDomain.service.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    withDomain.service.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
    // One address only, the one in the emails: the execute-api endpoint is off with a domain.
    withDomain.data.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    app.data.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    expect(withDomain.data.findOutputs('ApiDomainTarget')).not.toEqual({});
    expect(withDomain.data.findOutputs('ApiDomainHostedZoneId')).not.toEqual({});
    expect(withDomain.data.findOutputs('ApiUrl').ApiUrl?.Value).toBe('https://digest.example.org');
    // The routes and their integration are the code's: they stay with the function.
    app.service.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    app.data.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
  });

  it('outputs what the post-deploy check reads: site URL, sender and configuration set', () => {
    for (const output of [
      'SiteUrl',
      'MailFrom',
      'SenderDomain',
      'SesConfigurationSet',
      'AdminApiPolicyArn',
    ]) {
      expect(Object.keys(app.data.findOutputs(output)), output).toEqual([output]);
    }
  });

  it('keeps the link secret and the identity secret in Secrets Manager, retained', () => {
    const secrets = app.data.findResources('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) }),
    });
    expect(Object.keys(secrets).sort()).toEqual(
      [
        app.logicalId(app.deployment.data.identitySecret),
        app.logicalId(app.deployment.data.tokenSecret),
      ].sort(),
    );
  });

  it('has a configuration set that tracks reputation, suppresses and publishes sends, bounces and complaints to EventBridge', () => {
    app.data.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    app.data.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['send', 'bounce', 'complaint'],
        EventBridgeDestination: {
          EventBusArn: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':event-bus/default$')])],
          },
        },
      },
    });
  });

  it('verifies the sender domain with Easy DKIM and prints the DKIM records to add to DNS', () => {
    app.data.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'immunotherapy-digest.example.org',
      DkimAttributes: { SigningEnabled: true },
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    expect(
      Object.keys(app.data.findOutputs('*', { Description: Match.stringLikeRegexp('^DKIM CNAME') })),
    ).toHaveLength(3);
  });

  it('sends with a custom MAIL FROM domain under the sender domain (SPF aligned for DMARC) and prints its records', () => {
    app.data.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'immunotherapy-digest.example.org',
      MailFromAttributes: {
        MailFromDomain: 'mail.immunotherapy-digest.example.org',
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      },
    });
    const outputs = Object.values(
      app.data.findOutputs('*', { Description: Match.stringLikeRegexp('MAIL FROM domain') }),
    );
    expect(outputs.map((output) => output.Value as unknown)).toEqual(
      expect.arrayContaining([
        {
          'Fn::Join': [
            '',
            [
              'mail.immunotherapy-digest.example.org MX 10 feedback-smtp.',
              { Ref: 'AWS::Region' },
              '.amazonses.com',
            ],
          ],
        },
        'mail.immunotherapy-digest.example.org TXT "v=spf1 include:amazonses.com ~all"',
      ]),
    );
  });

  it('writes the DKIM records itself when given the Route 53 zone', () => {
    unprotected.data.resourcePropertiesCountIs('AWS::Route53::RecordSet', { Type: 'CNAME' }, 3);
    unprotected.data.resourcePropertiesCountIs('AWS::Route53::RecordSet', { Type: 'MX' }, 1);
    unprotected.data.resourcePropertiesCountIs(
      'AWS::Route53::RecordSet',
      { Type: 'TXT', ResourceRecords: ['"v=spf1 include:amazonses.com ~all"'] },
      1,
    );
    expect(unprotected.data.findOutputs('*', { Description: Match.stringLikeRegexp('^DKIM CNAME') })).toEqual(
      {},
    );
  });

  it('keeps the schedules of sends scheduled for later in a group of their own, retained like the queue', () => {
    app.data.hasResource('AWS::Scheduler::ScheduleGroup', {
      DeletionPolicy: 'Retain',
      Properties: { Name: 'ImmunoDigest-sends' },
    });
    unprotected.data.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
  });

  it('gives Scheduler a role of its own, for this account only, that may only send to the send queue', () => {
    const role = app.logicalId(app.deployment.data.sendSchedules.role);
    const queue = app.logicalId(app.deployment.data.sendQueue);

    app.data.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    const policies = Object.values(
      app.data.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }),
    ) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(actions).toContain('sqs:SendMessage');
    expect(actions.filter((action) => !action.startsWith('sqs:'))).toEqual([]);
    expect(actions.filter((action) => /Receive|Delete|Purge|\*/.test(action))).toEqual([]);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).toContain(queue);
  });
});
