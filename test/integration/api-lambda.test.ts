import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { createApi } from '../../functions/api/app.ts';
import { lambdaClientIp } from '../../functions/handlers/api.ts';
import { hashClientIp } from '../../functions/core/subscribers/consent.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';

/** The API behind API Gateway: the same app, fed HTTP API (v2) events by hono/aws-lambda. */
describe('the API in Lambda', () => {
  let world: TestWorld;
  let invoke: (
    event: APIGatewayProxyEventV2,
  ) => Promise<{ statusCode: number; body: string; isBase64Encoded: boolean }>;

  beforeAll(async () => {
    world = await createTestWorld();
    const lambda = handle(createApi(world.context, { clientIp: lambdaClientIp }));
    invoke = async (event) => lambda(event as unknown as LambdaEvent);
  });

  afterAll(() => world.stop());

  function event(
    method: string,
    path: string,
    body?: string,
    query = '',
    headers: Record<string, string> = {},
  ): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: query,
      headers: {
        host: 'api.example.org',
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'api.example.org',
        domainPrefix: 'api',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.77', userAgent: 'test' },
        requestId: 'id',
        routeKey: '$default',
        stage: '$default',
        time: '25/Nov/2026:12:00:00 +0000',
        timeEpoch: 0,
      },
      ...(body
        ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }
        : { isBase64Encoded: false }),
    };
  }

  it('subscribes from a base64 form body and records the consent of API Gateway’s source IP', async () => {
    const email = world.email('lambda');
    const subscribed = await invoke(
      event('POST', '/subscribe', `email=${encodeURIComponent(email)}&topics=leukemia`),
    );
    await drainSendQueue(world.context, world.queues.sendUrl);
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    const token = /\/confirm\?token=([\w.-]+)/.exec(confirmation!.body.text!)?.[1];
    const confirmed = await invoke(
      event('POST', '/confirm', '{}', `token=${token}`, { 'content-type': 'application/json' }),
    );

    expect(subscribed.statusCode).toBe(202);
    expect(confirmed.statusCode).toBe(200);
    const id = world.context.subscriberIds.idFor(email);
    expect((await world.context.subscribers.get(id))?.consent?.ipHash).toBe(
      hashClientIp(world.context.keys.ipHash, '203.0.113.77', 'consent'),
    );
  });
});
