import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { appContext } from '../../functions/handlers/cold-start.ts';
import { METRIC } from '../../functions/handlers/metric-names.ts';
import { handler as sendHandler } from '../../functions/handlers/send.ts';
import { DEFAULT_DELIVERY_SLOT } from '../../functions/model/subscribers.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { startThrottlingSesProxy, type ThrottlingSesProxy } from '../../testkit/throttling-ses-proxy.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * The send Lambda as Lambda runs it (configuration from the environment in cloud mode, pointed at
 * the stand-ins) when SES refuses because of its setup: what the alarm reads is the metric the
 * handler publishes in CloudWatch's embedded metric format on stdout.
 */
describe('the send Lambda when SES says the From identity is not verified', () => {
  let world: TestWorld;
  let proxy: ThrottlingSesProxy;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, 1000);
    world = await createTestWorld();
    const { config } = world.context;
    const cloudSettings: Record<string, string> = {
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SITE_URL: 'https://digest.example.org',
      MAIL_FROM: 'Immunotherapy Digest <digest@example.org>',
      MAIL_REPLY_TO: 'editors@example.org',
      UNSUBSCRIBE_MAILTO: 'unsubscribe@example.org',
      POSTAL_ADDRESS: '100 Example Avenue, Springfield, MA 01101, USA',
      TOKEN_SECRET: 'send-lambda-secret-0123456789abcdef0123',
      SES_MAX_SEND_RATE: '1000',
      ARTICLES_TABLE: config.tables.articles,
      SUBSCRIBERS_TABLE: config.tables.subscribers,
      DELIVERIES_TABLE: config.tables.deliveries,
      STATE_TABLE: config.tables.state,
      SEND_QUEUE_NAME: config.queues.sendName,
      SEND_DLQ_NAME: config.queues.deadLetterName,
      SEND_QUEUE_URL: world.queues.sendUrl,
      DYNAMODB_ENDPOINT: world.endpoints.dynamodb,
      SES_ENDPOINT: proxy.endpoint,
      SQS_ENDPOINT: world.endpoints.sqs,
    };
    for (const [name, value] of Object.entries(cloudSettings)) vi.stubEnv(name, value);
    proxy.refuseWith = () => ({
      status: 400,
      type: 'MessageRejected',
      message:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: digest@example.org',
    });
  });

  afterAll(async () => {
    const { clients } = await appContext();
    clients.dynamo.destroy();
    clients.ses.destroy();
    clients.sqs.destroy();
    vi.unstubAllEnvs();
    world.stop();
    await proxy.stop();
  });

  const lambdaContext: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'immuno-digest-send',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:immuno-digest-send',
    memoryLimitInMB: '1024',
    awsRequestId: 'request-send-1',
    logGroupName: '/aws/lambda/immuno-digest-send',
    logStreamName: '2026/11/25/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };

  /** Runs an invocation; returns its result and the metric values it published (EMF lines). */
  async function invoke(event: SQSEvent) {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    const streams = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    let result;
    try {
      result = await sendHandler(event, lambdaContext);
    } finally {
      for (const stream of streams) stream.mockRestore();
    }
    const metrics: Record<string, number> = {};
    for (const line of written.join('').split('\n')) {
      if (!line.startsWith('{') || !line.includes('"_aws"')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      for (const name of Object.values(METRIC))
        if (typeof entry[name] === 'number') metrics[name] = entry[name];
    }
    return { result, metrics, lines: written.join('') };
  }

  it('publishes the SES setup error metric, sends nothing, fails nobody and hands the job on', async () => {
    await world.context.articles.upsert(
      aCandidate({ url: 'https://research.example.org/lambda/setup', topics: { 'car-t': 5 } }),
      new Date(Date.now() - 86_400_000),
    );
    const readers = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        const reader = newSubscriber(
          { email: world.email(`setup-${name}`), topics: ['car-t'], status: 'confirmed' },
          new Date(Date.now() - 60_000),
        );
        await world.context.subscribers.create(reader);
        return reader;
      }),
    );
    await planDigestOnce(world.context, { ignoreSlot: true });
    const { Messages = [] } = await world.context.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: world.queues.sendUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const event: SQSEvent = {
      Records: Messages.map((message) => ({
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body!,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:send',
        awsRegion: 'us-east-1',
      })),
    };

    const { result, metrics, lines } = await invoke(event);
    const ledger = await world.context.ledger.listForDigest(
      weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date()),
    );

    expect(Messages).toHaveLength(1);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics).toMatchObject({
      [METRIC.sesConfigurationErrors]: 1,
      [METRIC.sendJobsStalled]: 1,
      [METRIC.sendJobsContinued]: 1,
      [METRIC.emailsSent]: 0,
      [METRIC.emailsFailed]: 0,
    });
    expect(lines).toContain('identity-not-verified');
    expect(ledger.filter((record) => record.status !== 'claimed')).toEqual([]);
    expect(await sentEmails(world.endpoints.ses, world.isMine)).toEqual([]);
    expect(readers).toHaveLength(3);
  });
});
