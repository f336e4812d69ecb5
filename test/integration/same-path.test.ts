import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';

/**
 * Issue 15, finding 1: who reads the digest must not be learned from a stopwatch. The timing
 * itself is measured by `npm run check:timing` (a benchmark, not a timed test); this test holds
 * the cause of a gap to account: every AWS call a subscribe or "email me a link" request makes,
 * in order, with its table or queue, is the same for an unknown, pending, confirmed,
 * unsubscribed, erased and bounced address.
 */
describe('answers that take the same path whatever the address', () => {
  let world: TestWorld;
  let api: Hono;
  let calls: string[] = [];

  beforeAll(async () => {
    world = await createTestWorld();
    api = createApi(world.context, { clientIp: () => '198.51.100.23' });
    const { dynamo, sqs, ses } = world.context.clients;
    for (const client of [dynamo, sqs, ses] as const) {
      (client.middlewareStack as typeof dynamo.middlewareStack).add(
        (next, context) => async (args) => {
          const input = args.input as { TableName?: string; QueueUrl?: string };
          calls.push(`${context.commandName} ${input.TableName ?? input.QueueUrl ?? ''}`);
          return next(args);
        },
        { step: 'initialize', name: 'recordCalls' },
      );
    }
  });

  afterAll(() => world.stop());

  const post = (path: string, fields: [string, string][]) =>
    api.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  async function stored(local: string, status: SubscriberStatus): Promise<string> {
    const reader = newSubscriber(
      { email: world.email(local), topics: ['access'], status },
      new Date(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(reader);
    return reader.email;
  }

  /** One address in each state a stranger might want to tell apart. */
  async function addressesInEveryState(prefix: string): Promise<Record<string, string>> {
    const pending = world.email(`${prefix}-pending`);
    await post('/subscribe', [
      ['email', pending],
      ['topics', 'access'],
    ]);
    const erased = await stored(`${prefix}-erased`, 'confirmed');
    await post('/manage', [['email', erased]]);
    await drainSendQueue(world.context, world.queues.sendUrl);
    const [mail] = await sentEmails(world.endpoints.ses, (to) => to === erased);
    const manage = /(\/preferences\?token=[\w.-]+)/.exec(mail!.body.text!)![1]!;
    const deleted = await post(manage.replace('/preferences', '/preferences/delete'), [['confirm', 'yes']]);
    expect(deleted.status).toBe(200);
    return {
      unknown: world.email(`${prefix}-unknown`),
      pending,
      confirmed: await stored(`${prefix}-confirmed`, 'confirmed'),
      unsubscribed: await stored(`${prefix}-unsubscribed`, 'unsubscribed'),
      erased,
      bounced: await stored(`${prefix}-bounced`, 'bounced'),
    };
  }

  async function callsOf(
    request: () => Response | Promise<Response>,
  ): Promise<{ status: number; calls: string[] }> {
    calls = [];
    const response = await request();
    await response.text();
    return { status: response.status, calls: [...calls] };
  }

  it('makes the same AWS calls, in the same order, for a subscription request in every address state', async () => {
    const addresses = await addressesInEveryState('subscribe');

    const paths = new Map<string, { status: number; calls: string[] }>();
    for (const [state, email] of Object.entries(addresses)) {
      paths.set(
        state,
        await callsOf(() =>
          post('/subscribe', [
            ['email', email],
            ['topics', 'melanoma'],
          ]),
        ),
      );
    }

    const unknown = paths.get('unknown')!;
    expect(unknown.status).toBe(202);
    // The per-IP limit's counter, then the queue: nothing about the address is read or written.
    expect(unknown.calls).toEqual([
      `UpdateItemCommand ${world.context.config.tables.state}`,
      `SendMessageBatchCommand ${world.queues.sendUrl}`,
    ]);
    for (const [state, path] of paths) expect(path, state).toEqual(unknown);
  });

  it('makes the same AWS calls, in the same order, for "email me a link" in every address state', async () => {
    const addresses = await addressesInEveryState('manage');

    const paths = new Map<string, { status: number; calls: string[] }>();
    for (const [state, email] of Object.entries(addresses)) {
      paths.set(state, await callsOf(() => post('/manage', [['email', email]])));
    }

    const unknown = paths.get('unknown')!;
    expect(unknown.status).toBe(202);
    expect(unknown.calls).toEqual([
      `UpdateItemCommand ${world.context.config.tables.state}`,
      `SendMessageBatchCommand ${world.queues.sendUrl}`,
    ]);
    for (const [state, path] of paths) expect(path, state).toEqual(unknown);
  });
});
