import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { createAppContext } from '../../functions/app/context.ts';
import { DynamoSendRateLimiter } from '../../functions/adapters/dynamodb/send-rate-limiter.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import {
  achievedRate,
  startThrottlingSesProxy,
  type ThrottlingSesProxy,
} from '../../testkit/throttling-ses-proxy.ts';

/**
 * The SES send rate across concurrent senders. The precise figure (≥ 0.95 × R over hundreds of
 * emails) is `npm run bench:send-rate`; here the rules are checked with margins that hold on a
 * busy two-core machine: never above the limit, nothing lost, nothing twice.
 */

describe('the shared send-rate limiter', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(() => world.stop());

  it('never lets more than the rate through in any second, however many senders ask at once', async () => {
    const rate = 8;
    const senders = Array.from(
      { length: 3 },
      () =>
        new DynamoSendRateLimiter(world.context.clients.documents, world.context.config.tables.state, {
          ratePerSecond: rate,
          name: 'three-senders',
        }),
    );
    const started = Date.now();

    await Promise.all(
      senders.map(async (limiter) => {
        for (let send = 0; send < 8; send += 1) await limiter.acquire();
      }),
    );

    const { Items = [] } = await world.context.clients.documents.send(
      new ScanCommand({ TableName: world.context.config.tables.state }),
    );
    const windows = Items.filter((item) => String(item.pk).startsWith('send-rate#three-senders#')).map(
      (item) => Number(item.count),
    );
    expect(windows.reduce((sum, count) => sum + count, 0)).toBe(24);
    expect(Math.max(...windows)).toBeLessThanOrEqual(rate);
    expect(windows.length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });
});

describe('sending against an SES limited to R emails a second', () => {
  // Low enough that even a busy machine can run this whole stack faster than R.
  const rate = 5;
  let proxy: ThrottlingSesProxy;
  let world: TestWorld;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, rate);
    world = await createTestWorld({
      env: { SES_ENDPOINT: proxy.endpoint, SES_MAX_SEND_RATE: String(rate), RECIPIENTS_PER_JOB: '5' },
    });
    const firstSeenAt = new Date(Date.now() - 86_400_000);
    await world.context.articles.upsert(
      aCandidate({ url: 'https://research.example.org/rate/car-t' }),
      firstSeenAt,
    );
  });

  afterAll(async () => {
    world.stop();
    await proxy.stop();
  });

  it('two senders together keep to the rate, lose nothing and send nothing twice', async () => {
    const readers = await Promise.all(
      Array.from({ length: 30 }, async (_, index) => {
        const reader = newSubscriber(
          { email: world.email(`rate-${index}`), topics: ['car-t'], status: 'confirmed' },
          new Date(),
          world.context.subscriberIds,
        );
        await world.context.subscribers.create(reader);
        return reader;
      }),
    );
    await planDigestOnce(world.context, { ignoreSlot: true });
    // A second sender: its own context and limiter instance, as a second Lambda would have.
    const second = await createAppContext(world.context.config, {
      clients: world.context.clients,
      logger: silentLogger,
      mjmlValidation: 'strict',
    });

    const [a, b] = await Promise.all([
      drainSendQueue(world.context, world.queues.sendUrl, { timeoutMs: 45_000 }),
      drainSendQueue(second, world.queues.sendUrl, { timeoutMs: 45_000 }),
    ]);

    const received = await sentEmails(world.endpoints.ses, world.isMine);
    expect(a.sent + b.sent).toBe(30);
    expect(received.map((email) => email.destination.to[0]).sort()).toEqual(
      readers.map((reader) => reader.email).sort(),
    );
    // Throttling is the exception, not the way the rate is found; the rate is kept, and used.
    expect(proxy.throttled).toBeLessThan(6);
    expect(achievedRate(proxy.accepted)).toBeLessThanOrEqual(rate * 1.25);
    expect(achievedRate(proxy.accepted)).toBeGreaterThanOrEqual(rate * 0.6);
  });
});
