import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import {
  SEND_QUEUE,
  TABLE_DEFINITIONS,
  type KeyDefinition,
  type TableDefinition,
} from '../../functions/adapters/dynamodb/tables.ts';
import { DigestFunction } from '../constructs/digest-function.ts';

const attribute = (key: KeyDefinition): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** Tables, queue, functions, schedules and the HTTP API, all from the shared definitions. */
export class ImmunoDigestStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const tables = Object.fromEntries(
      TABLE_DEFINITIONS.map((definition: TableDefinition) => [
        definition.id,
        new TableV2(this, `${definition.id}-table`, {
          partitionKey: attribute(definition.partitionKey),
          ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
          globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
            indexName: index.indexName,
            partitionKey: attribute(index.partitionKey),
            ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          })),
          ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      ]),
    ) as Record<TableDefinition['id'], TableV2>;

    const deadLetterQueue = new Queue(this, 'send-dlq', {
      retentionPeriod: Duration.seconds(SEND_QUEUE.deadLetterRetentionSeconds),
      enforceSSL: true,
    });
    const sendQueue = new Queue(this, 'send-queue', {
      visibilityTimeout: Duration.seconds(SEND_QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(SEND_QUEUE.messageRetentionSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: SEND_QUEUE.maxReceiveCount },
      enforceSSL: true,
    });
    const tokenSecret = new Secret(this, 'token-secret', {
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const context = (name: string, fallback: string) =>
      (this.node.tryGetContext(name) as string | undefined) ?? fallback;
    const environment = {
      SITE_URL: context('siteUrl', 'https://immunotherapy-digest.example.org'),
      MAIL_FROM: context('mailFrom', 'Immunotherapy Digest <digest@immunotherapy-digest.example.org>'),
      MAIL_REPLY_TO: context('mailReplyTo', 'editors@immunotherapy-digest.example.org'),
      UNSUBSCRIBE_MAILTO: context('unsubscribeMailto', 'unsubscribe@immunotherapy-digest.example.org'),
      POSTAL_ADDRESS: context(
        'postalAddress',
        'Immunotherapy Digest, 100 Example Avenue, Springfield, MA 01101, USA',
      ),
      ARTICLES_TABLE: tables.articles.tableName,
      SUBSCRIBERS_TABLE: tables.subscribers.tableName,
      DELIVERIES_TABLE: tables.deliveries.tableName,
      STATE_TABLE: tables.state.tableName,
      SEND_QUEUE_NAME: sendQueue.queueName,
      SEND_DLQ_NAME: deadLetterQueue.queueName,
      SEND_QUEUE_URL: sendQueue.queueUrl,
      TOKEN_SECRET_ARN: tokenSecret.secretArn,
    };

    const ingest = new DigestFunction(this, 'ingest', {
      handlerFile: 'ingest',
      environment,
      timeout: Duration.minutes(5),
    });
    const planner = new DigestFunction(this, 'plan-digest', {
      handlerFile: 'plan-digest',
      environment,
      timeout: Duration.minutes(5),
    });
    const sender = new DigestFunction(this, 'send', {
      handlerFile: 'send',
      environment,
      timeout: Duration.seconds(SEND_QUEUE.consumerTimeoutSeconds),
    });
    const api = new DigestFunction(this, 'api', { handlerFile: 'api', environment });

    for (const fn of [ingest, planner, sender, api]) {
      tokenSecret.grantRead(fn);
      sendQueue.grantSendMessages(fn);
      for (const table of Object.values(tables)) table.grantReadWriteData(fn);
    }
    sender.addEventSource(
      new SqsEventSource(sendQueue, { batchSize: SEND_QUEUE.batchSize, reportBatchItemFailures: true }),
    );

    new Schedule(this, 'ingest-schedule', {
      schedule: ScheduleExpression.rate(Duration.hours(6)),
      target: new LambdaInvoke(ingest, {}),
    });
    new Schedule(this, 'plan-digest-schedule', {
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(planner, {}),
    });
    new HttpApi(this, 'http-api', { defaultIntegration: new HttpLambdaIntegration('api-integration', api) });
  }
}
