import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as sesEventsHandler } from '../../functions/handlers/ses-events.ts';
import { appContext, withRequestContext } from '../../functions/handlers/cold-start.ts';
import { METRIC } from '../../functions/handlers/metric-names.ts';
import { ledgerTags } from '../../functions/adapters/ses/ses-tags.ts';
import { sesSendEvent } from '../../functions/local/ses-send-events.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

/**
 * The Lambda handlers as Lambda runs them: configuration read from the environment in cloud mode
 * (pointed at the stand-ins), invoked with a Lambda context, logging JSON through Powertools on
 * stdout. What is checked is what a reader of CloudWatch Logs gets.
 */
describe('the log lines of a Lambda invocation', () => {
  let world: TestWorld;

  beforeAll(async () => {
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
      TOKEN_SECRET: 'lambda-logging-secret-0123456789abcdef',
      IDENTITY_SECRET: 'lambda-logging-identity-0123456789abcdef',
      ARTICLES_TABLE: config.tables.articles,
      SUBSCRIBERS_TABLE: config.tables.subscribers,
      DELIVERIES_TABLE: config.tables.deliveries,
      STATE_TABLE: config.tables.state,
      SEND_QUEUE_NAME: config.queues.sendName,
      SEND_DLQ_NAME: config.queues.deadLetterName,
      SEND_QUEUE_URL: world.queues.sendUrl,
      DYNAMODB_ENDPOINT: world.endpoints.dynamodb,
      SES_ENDPOINT: world.endpoints.ses,
      SQS_ENDPOINT: world.endpoints.sqs,
    };
    for (const [name, value] of Object.entries(cloudSettings)) vi.stubEnv(name, value);
  });

  afterAll(async () => {
    const { clients } = await appContext();
    clients.dynamo.destroy();
    clients.ses.destroy();
    clients.sqs.destroy();
    vi.unstubAllEnvs();
    world.stop();
  });

  function lambdaContext(awsRequestId: string): Context {
    const functionName = 'immuno-digest-ses-events';
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
      memoryLimitInMB: '256',
      awsRequestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: '2026/11/25/[$LATEST]0123456789abcdef',
      getRemainingTimeInMillis: () => 30_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  const bounceOf = (email: string) =>
    ({
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email }] },
      },
    }) as unknown as EventBridgeEvent<string, unknown>;

  /**
   * Runs an invocation and returns the log lines it wrote, in order (metric lines left out).
   * Powertools writes errors and warnings on stderr, the rest on stdout: Lambda sends both to the
   * same log stream.
   */
  async function logLinesOf(invocation: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    return (await linesOf(invocation)).filter((entry) => typeof entry.message === 'string');
  }

  /** The embedded-metric-format lines an invocation wrote: what CloudWatch turns into metrics. */
  async function metricLinesOf(invocation: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    return (await linesOf(invocation)).filter((entry) => entry._aws !== undefined);
  }

  async function linesOf(invocation: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    const streams = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      await invocation();
    } finally {
      for (const stream of streams) stream.mockRestore();
    }
    return written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('carries the request id on every line, the use case’s own lines included', async () => {
    // Prepare
    const first = lambdaContext('request-1');
    const second = lambdaContext('request-2');

    // Act
    const firstLines = await logLinesOf(() => sesEventsHandler(bounceOf(world.email('nobody')), first));
    const secondLines = await logLinesOf(() => sesEventsHandler(bounceOf(world.email('nobody')), second));

    // Assess
    expect(firstLines.map((line) => line.message)).toEqual(['mail event applied', 'ses event handled']);
    for (const line of firstLines) {
      expect(line).toMatchObject({
        level: 'INFO',
        function_request_id: 'request-1',
        function_name: 'immuno-digest-ses-events',
        function_arn: first.invokedFunctionArn,
      });
    }
    expect(secondLines).toHaveLength(2);
    for (const line of secondLines) expect(line.function_request_id).toBe('request-2');
  });

  it('logs an error that escapes the handler whole, under its request id, and still throws it', async () => {
    let thrown: unknown;

    const lines = await logLinesOf(() =>
      sesEventsHandler(
        { source: 'aws.sqs' } as unknown as EventBridgeEvent<string, unknown>,
        lambdaContext('request-3'),
      ).catch((error: unknown) => {
        thrown = error;
      }),
    );

    expect(thrown).toMatchObject({ name: 'PoisonMessageError' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'invocation failed',
        function_request_id: 'request-3',
        error: expect.objectContaining({
          name: 'PoisonMessageError',
          code: 'POISON_MESSAGE',
          message: expect.stringContaining('not an SES send, bounce or complaint event'),
          stack: expect.stringMatching(/^PoisonMessageError: .*\n\s+at .*ses-event\.ts/),
        }),
      }),
    ]);
  });

  it('keeps the stack and cause of an error a use case logs through the logger port', async () => {
    const error = new Error('send job failed', { cause: new Error('ProvisionedThroughputExceeded') });
    const invocation = withRequestContext(async (_event: unknown) => {
      (await appContext()).logger.error('send job failed', { messageId: 'm-1', error });
    });

    const lines = await logLinesOf(() => invocation({}, lambdaContext('request-4')));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'send job failed',
      function_request_id: 'request-4',
      messageId: 'm-1',
      error: {
        name: 'Error',
        message: 'send job failed',
        cause: { name: 'Error', message: 'ProvisionedThroughputExceeded' },
      },
    });
    const logged = lines[0]!.error as { stack: string; cause: { stack: string } };
    expect(logged.stack).toMatch(/^Error: send job failed\n\s+at .*lambda-logging\.test\.ts/);
    expect(logged.cause.stack).toMatch(/^Error: ProvisionedThroughputExceeded\n\s+at /);
  });

  /**
   * What the second-copies alarm reads and what its runbook row sends the operator to: the metric,
   * and the error line naming the ledger item and both message ids.
   */
  it('publishes a second copy as a metric and logs the ledger item it concerns', async () => {
    // Prepare: a takeover mailed the reader as one message; SES's event for the first comes now.
    const { ledger } = world.context;
    const key = {
      digestId: 'weekly-2026-W48',
      subscriberId: world.context.subscriberIds.idFor(world.email('twice')),
    };
    const at = new Date();
    await ledger.claim(key, at, 300_000);
    await ledger.markSent(key, 'ses-takeover-copy', at);
    const lateEvent = () =>
      sesSendEvent({
        messageId: 'ses-first-copy',
        to: world.email('twice'),
        tags: ledgerTags(key),
        at,
      }) as unknown as EventBridgeEvent<string, unknown>;
    const ownEvent = () =>
      sesSendEvent({
        messageId: 'ses-takeover-copy',
        to: world.email('twice'),
        tags: ledgerTags(key),
        at,
      }) as unknown as EventBridgeEvent<string, unknown>;

    // Act
    const lines = await logLinesOf(() => sesEventsHandler(lateEvent(), lambdaContext('request-5')));
    const metrics = await metricLinesOf(() => sesEventsHandler(lateEvent(), lambdaContext('request-6')));
    const ownMetrics = await metricLinesOf(() => sesEventsHandler(ownEvent(), lambdaContext('request-7')));

    // Assess
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'SES accepted a second copy of an email: its Send event came after the takeover',
        function_request_id: 'request-5',
        digestId: key.digestId,
        subscriberId: key.subscriberId,
        messageId: 'ses-first-copy',
        sentAs: 'ses-takeover-copy',
      }),
    );
    expect(metrics).toEqual([
      expect.objectContaining({ [METRIC.secondCopiesSent]: 1, service: 'immuno-digest' }),
    ]);
    expect(ownMetrics).toEqual([]);
  });
});
