import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startIamProxy, type IamProxy } from '../../testkit/iam/iam-proxy.ts';

/**
 * The IAM proxy in front of the real stand-ins, called by the real SDK clients: what a role does
 * not allow comes back as the AccessDeniedException the SDK raises in AWS, in each protocol
 * (JSON for DynamoDB, SQS and Secrets Manager, REST for SES v2); what it allows reaches the
 * stand-in, and Secrets Manager is answered by the proxy itself.
 */

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:token-AbCdEf';

describe('IAM proxy', () => {
  const standIns = inject('standIns');
  let proxy: IamProxy;
  const clientOptions = (accessKeyId: string) => ({
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });

  beforeAll(async () => {
    proxy = await startIamProxy({
      principals: {
        nobody: { name: 'nobody', statements: [] },
        reader: {
          name: 'reader',
          statements: [
            { Effect: 'Allow', Action: ['dynamodb:ListTables', 'ses:GetAccount'], Resource: '*' },
            { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET },
          ],
        },
      },
      upstreams: { dynamodb: standIns.dynamodb, sqs: standIns.sqs, ses: standIns.ses },
      secrets: { [SECRET]: 'a-secret-of-at-least-thirty-two-characters' },
    });
  });

  afterAll(async () => {
    await proxy.stop();
  });

  it('refuses what the role does not allow with the AccessDeniedException of each service', async () => {
    const options = { ...clientOptions('nobody'), endpoint: proxy.endpoint };
    const dynamo = new DynamoDBClient(options);
    const sqs = new SQSClient(options);
    const ses = new SESv2Client(options);
    const secrets = new SecretsManagerClient(options);

    const refusals = await Promise.all([
      dynamo
        .send(new GetItemCommand({ TableName: 'articles', Key: { pk: { S: 'x' } } }))
        .catch((e: Error) => e),
      sqs
        .send(new SendMessageCommand({ QueueUrl: `${standIns.sqs}/000000000000/send`, MessageBody: '{}' }))
        .catch((e: Error) => e),
      ses
        .send(
          new SendEmailCommand({
            FromEmailAddress: 'digest@news.example.org',
            Destination: { ToAddresses: ['reader@example.org'] },
            Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
          }),
        )
        .catch((e: Error) => e),
      secrets.send(new GetSecretValueCommand({ SecretId: SECRET })).catch((e: Error) => e),
    ]);

    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(Error);
      expect(
        (refusal as Error & { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode,
      ).toBeGreaterThanOrEqual(400);
      expect((refusal as Error).message).toMatch(
        /^User: arn:aws:sts::000000000000:assumed-role\/nobody-role\/nobody is not authorized to perform: \S+ on resource: \S+/,
      );
    }
    expect(refusals.map((refusal) => (refusal as Error).name)).toEqual([
      'AccessDeniedException',
      // SQS answers JSON but keeps its query protocol's error codes (x-amzn-query-error), and the
      // SDK names the error after them, as it does against SQS itself.
      'AccessDenied',
      'AccessDeniedException',
      'AccessDeniedException',
    ]);
    expect(
      proxy
        .denied()
        .map((call) => call.action)
        .sort(),
    ).toEqual(['dynamodb:GetItem', 'secretsmanager:GetSecretValue', 'ses:SendEmail', 'sqs:SendMessage']);
    for (const client of [dynamo, sqs, ses, secrets]) client.destroy();
  });

  it('lets what the role allows through to the stand-in, and answers Secrets Manager itself', async () => {
    const options = { ...clientOptions('reader'), endpoint: proxy.endpoint };
    const dynamo = new DynamoDBClient(options);
    const ses = new SESv2Client(options);
    const secrets = new SecretsManagerClient(options);

    const tables = await dynamo.send(new ListTablesCommand({}));
    const account = await ses.send(new GetAccountCommand({}));
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET }));

    expect(Array.isArray(tables.TableNames)).toBe(true);
    expect(account.SendQuota?.MaxSendRate).toBe(14);
    expect(secret.SecretString).toBe('a-secret-of-at-least-thirty-two-characters');
    for (const client of [dynamo, ses, secrets]) client.destroy();
  });
});
