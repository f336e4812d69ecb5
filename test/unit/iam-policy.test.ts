import { describe, expect, it } from 'vitest';
import { classifyRequest } from '../../testkit/iam/aws-requests.ts';
import {
  assertEvaluable,
  decide,
  decideAll,
  matchesPattern,
  type PolicyStatement,
} from '../../testkit/iam/policy.ts';
import {
  functionRoles,
  TemplateResolver,
  type SynthesizedStack,
} from '../../testkit/iam/synthesized-roles.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/articles';

describe('IAM policy evaluation', () => {
  it('matches actions without regard to case and resources with it, * and ? as wildcards', () => {
    expect(matchesPattern('dynamodb:Get*', 'dynamodb:getitem', true)).toBe(true);
    expect(matchesPattern('arn:aws:sqs:*:*:send-?', 'arn:aws:sqs:us-east-1:1:send-a')).toBe(true);
    expect(matchesPattern('arn:aws:sqs:*:*:send-?', 'arn:aws:sqs:us-east-1:1:send-ab')).toBe(false);
    expect(matchesPattern('arn:aws:s3:::Bucket', 'arn:aws:s3:::bucket')).toBe(false);
    expect(matchesPattern('table/a.b', 'table/aXb')).toBe(false);
  });

  it('allows what a statement allows and denies the rest implicitly', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: TABLE },
    ];

    expect(decide(statements, 'dynamodb:GetItem', TABLE)).toBe('allowed');
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('implicit-deny');
    expect(decide(statements, 'dynamodb:GetItem', `${TABLE}/index/byDay`)).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow, and reads NotAction and NotResource', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
      { Effect: 'Deny', NotAction: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:PutItem', NotResource: TABLE },
    ];

    expect(decide(statements, 'dynamodb:DeleteItem', TABLE)).toBe('explicit-deny');
    expect(decide(statements, 'dynamodb:GetItem', TABLE)).toBe('allowed');
    expect(decide(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('explicit-deny');
    expect(decide(statements, 'dynamodb:PutItem', `${TABLE}-other`)).toBe('explicit-deny');
    expect(decideAll(statements, 'dynamodb:PutItem', [TABLE, `${TABLE}-other`])).toEqual({
      decision: 'explicit-deny',
      resource: `${TABLE}-other`,
    });
  });

  it('evaluates iam:PassedToService on a PassRole against the request, and refuses other conditions', () => {
    const role = 'arn:aws:iam::000000000000:role/send-scheduler';
    const statements: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: role,
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ];
    assertEvaluable(statements[0]!, 'here');

    expect(
      decide(statements, 'iam:PassRole', role, { 'iam:PassedToService': 'scheduler.amazonaws.com' }),
    ).toBe('allowed');
    expect(decide(statements, 'iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      'implicit-deny',
    );
    expect(decide(statements, 'iam:PassRole', role)).toBe('implicit-deny');
    expect(() =>
      assertEvaluable(
        { ...statements[0]!, Condition: { StringLike: { 'iam:PassedToService': 'scheduler.*' } } },
        'here',
      ),
    ).toThrow(/Condition/);
  });

  it('refuses a statement with a Condition rather than misjudge it', () => {
    expect(() =>
      assertEvaluable({ Effect: 'Allow', Action: 'sqs:*', Resource: '*', Condition: { Bool: {} } }, 'here'),
    ).toThrow(/Condition/);
  });
});

describe('what IAM is asked about an SDK request', () => {
  const signed = (service: string, extra: Record<string, string> = {}) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=verify-send/20261204/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=abc`,
    ...extra,
  });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('reads DynamoDB actions from X-Amz-Target, indexes and every table of a batch', () => {
    const query = classifyRequest(
      'POST',
      '/',
      signed('dynamodb', { 'x-amz-target': 'DynamoDB_20120810.Query' }),
      json({ TableName: 'articles', IndexName: 'byDay' }),
    );
    const batch = classifyRequest(
      'POST',
      '/',
      signed('dynamodb', { 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem' }),
      json({ RequestItems: { articles: [], state: [] } }),
    );

    expect(query).toMatchObject({
      accessKeyId: 'verify-send',
      checks: [{ action: 'dynamodb:Query', resource: `${TABLE}/index/byDay` }],
    });
    expect(batch.checks.map((check) => check.resource)).toEqual([
      TABLE,
      'arn:aws:dynamodb:us-east-1:000000000000:table/state',
    ]);
  });

  it('authorises an SQS batch as its single-message action, in JSON and in the query protocol', () => {
    const url = 'http://127.0.0.1:4566/000000000000/send';
    const jsonBatch = classifyRequest(
      'POST',
      '/',
      signed('sqs', {
        'x-amz-target': 'AmazonSQS.SendMessageBatch',
        'content-type': 'application/x-amz-json-1.0',
      }),
      json({ QueueUrl: url, Entries: [] }),
    );
    const queryBatch = classifyRequest(
      'POST',
      '/',
      signed('sqs', { 'content-type': 'application/x-www-form-urlencoded' }),
      Buffer.from(new URLSearchParams({ Action: 'SendMessageBatch', QueueUrl: url }).toString()),
    );

    for (const request of [jsonBatch, queryBatch]) {
      expect(request.checks).toEqual([
        { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:send' },
      ]);
    }
    expect(queryBatch.protocol).toBe('query');
  });

  it('checks a CreateSchedule against the schedule in its group and the role it passes to Scheduler; a DeleteSchedule against the schedule', () => {
    const role = 'arn:aws:iam::000000000000:role/send-scheduler';
    const create = classifyRequest(
      'POST',
      '/schedules/spring-appeal',
      signed('scheduler', { 'content-type': 'application/json' }),
      json({ GroupName: 'sends', Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:send', RoleArn: role } }),
    );
    const remove = classifyRequest(
      'DELETE',
      '/schedules/spring-appeal?groupName=sends&clientToken=abc',
      signed('scheduler'),
      Buffer.alloc(0),
    );

    expect(create).toMatchObject({
      service: 'scheduler',
      operation: 'CreateSchedule',
      protocol: 'rest-json',
    });
    expect(create.checks).toEqual([
      {
        action: 'scheduler:CreateSchedule',
        resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/sends/spring-appeal',
      },
      {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      },
    ]);
    expect(remove.checks).toEqual([
      {
        action: 'scheduler:DeleteSchedule',
        resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/sends/spring-appeal',
      },
    ]);
  });

  it('checks an SES v2 send against the From domain identity and the configuration set', () => {
    const send = classifyRequest(
      'POST',
      '/v2/email/outbound-emails',
      signed('ses'),
      json({ FromEmailAddress: 'Digest <digest@news.example.org>', ConfigurationSetName: 'set' }),
    );
    const account = classifyRequest('GET', '/v2/email/account', signed('ses'), Buffer.alloc(0));

    expect(send.checks).toEqual([
      { action: 'ses:SendEmail', resource: 'arn:aws:ses:us-east-1:000000000000:identity/news.example.org' },
      { action: 'ses:SendEmail', resource: 'arn:aws:ses:us-east-1:000000000000:configuration-set/set' },
    ]);
    expect(account.checks).toEqual([{ action: 'ses:GetAccount', resource: '*' }]);
  });

  it('refuses to classify a request it does not know', () => {
    expect(() => classifyRequest('DELETE', '/v2/email/identities/x', signed('ses'), Buffer.alloc(0))).toThrow(
      /not known to the IAM proxy/,
    );
    expect(() => classifyRequest('POST', '/', {}, Buffer.alloc(0))).toThrow(/not signed/);
  });
});

describe('the roles of a synthesized template', () => {
  it('resolves Ref, GetAtt, Join, Sub and ImportValue to the local names the environment binds', () => {
    const data: SynthesizedStack = {
      name: 'Data',
      template: {
        Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
        Outputs: {
          QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: 'Data:QueueArn' } },
        },
      },
    };
    const service: SynthesizedStack = {
      name: 'Service',
      template: {
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Metadata: { 'aws:cdk:path': 'Service/send/Resource' },
            Properties: {
              Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
              Environment: { Variables: { QUEUE: { 'Fn::ImportValue': 'Data:QueueArn' } } },
            },
          },
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Policy: {
            Type: 'AWS::IAM::Policy',
            Properties: {
              Roles: [{ Ref: 'Role' }],
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'sqs:SendMessage',
                    Resource: { 'Fn::ImportValue': 'Data:QueueArn' },
                  },
                  {
                    Effect: 'Allow',
                    Action: 'logs:PutLogEvents',
                    Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:x']] },
                  },
                  {
                    Effect: 'Allow',
                    Action: 'ses:SendEmail',
                    Resource: { 'Fn::Sub': 'arn:aws:ses:${AWS::Region}:${AWS::AccountId}:identity/x' },
                  },
                ],
              },
            },
          },
        },
      },
    };
    const resolver = new TemplateResolver([data, service]);
    resolver.bind('Data', 'Queue', 'local-send');

    const [role] = functionRoles(resolver);

    expect(role?.name).toBe('send');
    expect(role?.statements.map((statement) => statement.Resource)).toEqual([
      'arn:aws:sqs:us-east-1:000000000000:local-send',
      'arn:aws:logs:x',
      'arn:aws:ses:us-east-1:000000000000:identity/x',
    ]);
    expect(role?.environment).toEqual({ QUEUE: 'arn:aws:sqs:us-east-1:000000000000:local-send' });
  });
});
