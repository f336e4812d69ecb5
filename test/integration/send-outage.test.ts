import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handleSendBatch, planDigestOnce, type BatchReport } from '../../functions/app/jobs.ts';
import type { AppContext } from '../../functions/app/context.ts';
import { parseSendJob, type DigestJob } from '../../functions/core/delivery/send-job.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { DEFAULT_DELIVERY_SLOT } from '../../functions/model/subscribers.ts';
import type { Subscriber } from '../../functions/model/subscribers.ts';
import type { Clock } from '../../functions/ports/clock.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { LocalSqsPoller } from '../../functions/local/sqs-poller.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { SimulatedDelayQueue } from '../../testkit/simulated-delays.ts';
import {
  SES_UNAVAILABLE,
  startThrottlingSesProxy,
  type ThrottlingSesProxy,
} from '../../testkit/throttling-ses-proxy.ts';

/**
 * Sending when SES is not well: throttling that persists, an outage longer than the queue's five
 * receives, a problem with the account's setup, and a batch one of whose jobs cannot be
 * prepared. The real send handler, queue, ledger and SES stand-in (behind a proxy that refuses as
 * SES does). Where the send policy waits minutes, time is compressed as the soak compresses it:
 * a simulated clock, the continuations' delays held in simulated time and let go when nothing else
 * can happen, the in-place backoff fifty times shorter.
 */

/** Simulated time: moves only when the test moves it. */
class SimulatedClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

async function storeArticles(world: TestWorld): Promise<void> {
  await world.context.articles.upsert(
    aCandidate({ url: `https://research.example.org/outage/${world.email('a')}`, topics: { 'car-t': 5 } }),
    new Date(Date.now() - 86_400_000),
  );
}

async function addReaders(world: TestWorld, count: number, prefix: string): Promise<Subscriber[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const reader = newSubscriber(
        { email: world.email(`${prefix}-${index}`), topics: ['car-t'], status: 'confirmed' },
        new Date(Date.now() - 60_000),
      );
      await world.context.subscribers.create(reader);
      return reader;
    }),
  );
}

const emailsPerReader = async (world: TestWorld) => {
  const counts = new Map<string, number>();
  for (const email of await sentEmails(world.endpoints.ses, world.isMine)) {
    counts.set(email.destination.to[0]!, (counts.get(email.destination.to[0]!) ?? 0) + 1);
  }
  return counts;
};

async function deadLetterBodies(world: TestWorld): Promise<string[]> {
  const { Messages = [] } = await world.context.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: world.queues.deadLetterUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  );
  return Messages.map((message) => message.Body ?? '');
}

/** The send handler in compressed time: what `sendInSimulatedTime` needs. */
interface Simulation {
  readonly clock: SimulatedClock;
  readonly delays: SimulatedDelayQueue<Parameters<AppContext['queue']['enqueue']>[0][number]>;
  readonly context: AppContext;
  readonly reports: BatchReport[];
}

function simulate(world: TestWorld): Simulation {
  const clock = new SimulatedClock(Date.now());
  const delays = new SimulatedDelayQueue(world.context.queue, clock);
  return { clock, delays, context: { ...world.context, clock, queue: delays }, reports: [] };
}

/**
 * Runs a sender until the queue is empty and no continuation is held, moving the simulated clock
 * to the next continuation's due time whenever only continuations are left.
 */
async function sendInSimulatedTime(
  simulation: Simulation,
  queueUrl: string,
  maxRounds = 200,
): Promise<number> {
  const { clock, delays, context, reports } = simulation;
  const poller = new LocalSqsPoller(
    context.clients.sqs,
    async (event) => {
      const report = await handleSendBatch(context, event, {
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 50)),
      });
      reports.push(report);
      return report.response;
    },
    {
      queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:test',
      region: 'us-east-1',
      batchSize: 5,
      waitTimeSeconds: 1,
    },
  );
  poller.start();
  let rounds = 0;
  try {
    for (; rounds < maxRounds; rounds += 1) {
      if (!(await poller.drain(30_000))) throw new Error('send queue did not drain');
      const due = delays.nextDueAt();
      if (due === undefined) break;
      clock.ms = Math.max(clock.ms, due);
      await delays.releaseDue();
    }
  } finally {
    await poller.stop();
  }
  return rounds;
}

describe('an SES outage longer than the queue’s five receives', () => {
  let proxy: ThrottlingSesProxy;
  let world: TestWorld;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, 1000);
    world = await createTestWorld({ env: { SES_ENDPOINT: proxy.endpoint, RECIPIENTS_PER_JOB: '6' } });
    await storeArticles(world);
  });

  afterAll(async () => {
    world.stop();
    await proxy.stop();
  });

  it(
    'ends with every reader mailed once and nothing in the dead-letter queue',
    { timeout: 120_000 },
    async () => {
      const readers = await addReaders(world, 12, 'outage');
      const plan = await planDigestOnce(world.context, { ignoreSlot: true });
      const simulation = simulate(world);
      const outageEndsAt = simulation.clock.ms + 45 * 60_000;
      proxy.refuseWith = () => (simulation.clock.ms < outageEndsAt ? SES_UNAVAILABLE : undefined);

      const rounds = await sendInSimulatedTime(simulation, world.queues.sendUrl);
      const ledger = await world.context.ledger.listForDigest(
        weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date()),
      );

      expect(plan.jobs).toBe(2);
      // More tries than the queue's five receives of each job would have allowed.
      expect(proxy.refused).toBeGreaterThan(2 * 5 * 5);
      expect(simulation.clock.ms).toBeGreaterThanOrEqual(outageEndsAt);
      expect(rounds).toBeGreaterThan(5);
      expect(Math.max(...simulation.delays.delaysAsked)).toBeLessThanOrEqual(900);
      expect(simulation.reports.some((report) => report.stoppedBy === 'unavailable')).toBe(true);
      expect(await emailsPerReader(world)).toEqual(new Map(readers.map((reader) => [reader.email, 1])));
      expect(ledger.map((record) => record.status).sort()).toEqual(readers.map(() => 'sent'));
      expect(await deadLetterBodies(world)).toEqual([]);
    },
  );
});

describe('an SES that refuses because of its setup', () => {
  let proxy: ThrottlingSesProxy;
  let world: TestWorld;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, 1000);
    world = await createTestWorld({ env: { SES_ENDPOINT: proxy.endpoint, RECIPIENTS_PER_JOB: '10' } });
    await storeArticles(world);
  });

  afterAll(async () => {
    world.stop();
    await proxy.stop();
  });

  it('stops at "identity not verified", leaves every reader unsent (not failed), and a run after the fix sends them', async () => {
    const readers = await addReaders(world, 40, 'unverified');
    await planDigestOnce(world.context, { ignoreSlot: true });
    const from = /<([^>]+)>/.exec(world.context.config.mail.from)![1]!;
    proxy.refuseWith = () => ({
      status: 400,
      type: 'MessageRejected',
      message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${from}`,
    });
    const simulation = simulate(world);
    const digestId = weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date());

    await drainSendQueue(simulation.context, world.queues.sendUrl, {
      handler: async (event) => {
        const report = await handleSendBatch(simulation.context, event);
        simulation.reports.push(report);
        return report;
      },
    });
    const statusesWhileBroken = (await world.context.ledger.listForDigest(digestId)).map(
      (record) => record.status,
    );
    const heldWhileBroken = simulation.delays.pending;
    proxy.refuseWith = undefined;
    await sendInSimulatedTime(simulation, world.queues.sendUrl);
    const statusesAfterFix = (await world.context.ledger.listForDigest(digestId)).map(
      (record) => record.status,
    );

    expect(simulation.reports[0]).toMatchObject({
      stoppedBy: 'configuration',
      sesConfigurationProblem: 'identity-not-verified',
      sent: 0,
      failed: 0,
      response: { batchItemFailures: [] },
    });
    // Stopped: once one send was refused, no other started (at most the ones already in flight).
    expect(proxy.refused).toBeLessThan(readers.length / 2);
    expect(statusesWhileBroken.filter((status) => status !== 'claimed')).toEqual([]);
    expect(heldWhileBroken).toBe(4);
    expect(simulation.delays.delaysAsked.slice(0, 4)).toEqual([900, 900, 900, 900]);
    expect(statusesAfterFix.filter((status) => status !== 'sent')).toEqual([]);
    expect(statusesAfterFix).toHaveLength(readers.length);
    expect(await emailsPerReader(world)).toEqual(new Map(readers.map((reader) => [reader.email, 1])));
  });
});

describe('an SES that keeps throttling one job', () => {
  let proxy: ThrottlingSesProxy;
  let world: TestWorld;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, 1000);
    world = await createTestWorld({ env: { SES_ENDPOINT: proxy.endpoint } });
    await storeArticles(world);
  });

  afterAll(async () => {
    world.stop();
    await proxy.stop();
  });

  it('hands the job on with a delay: the continuation arrives after it, not in a hot loop', async () => {
    const [reader] = await addReaders(world, 1, 'throttled');
    await planDigestOnce(world.context, { ignoreSlot: true });
    // Every in-place try of the first send is refused (1 + THROTTLE_RETRIES), then SES has room.
    let refusals = 5;
    proxy.refuseWith = () =>
      refusals-- > 0
        ? { status: 429, type: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' }
        : undefined;
    const batches: { startedAt: number; endedAt: number; jobs: DigestJob[]; report: BatchReport }[] = [];

    await drainSendQueue(world.context, world.queues.sendUrl, {
      handler: async (event) => {
        const startedAt = Date.now();
        const report = await handleSendBatch(world.context, event);
        const jobs = event.Records.map((record) => parseSendJob(record.body) as DigestJob);
        batches.push({ startedAt, endedAt: Date.now(), jobs, report });
        return report;
      },
    });
    const [first, continuation] = batches;

    expect(batches).toHaveLength(2);
    expect(first!.report).toMatchObject({ sent: 0, continued: 1, stalled: 1, stoppedBy: undefined });
    expect(continuation!.jobs[0]!.stalled).toMatchObject({ handOns: 1 });
    // THROTTLED_HAND_ON_BASE_SECONDS with equal jitter: at least 5 s after it was handed on.
    expect(continuation!.startedAt - first!.endedAt).toBeGreaterThanOrEqual(5_000 - 100);
    expect(continuation!.report).toMatchObject({ sent: 1, continued: 0 });
    expect(await emailsPerReader(world)).toEqual(new Map([[reader!.email, 1]]));
  });
});

describe('a batch one of whose jobs cannot be prepared', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld({ env: { RECIPIENTS_PER_JOB: '1' } });
    await storeArticles(world);
  });

  afterAll(() => world.stop());

  it('sends the other four jobs and gives back only the one whose articles cannot be read', async () => {
    const readers = await addReaders(world, 5, 'batch');
    await planDigestOnce(world.context, { ignoreSlot: true });
    const messages = await receiveAll(world, 5);
    // The fifth job names an article no store can read: a key longer than DynamoDB allows.
    const broken = parseSendJob(messages[4]!.body) as DigestJob;
    const unreadable = {
      ...broken,
      sections: [
        {
          topic: 'car-t' as const,
          articles: [{ articleId: 'x'.repeat(3000), matchedTopics: ['car-t' as const] }],
        },
      ],
    };
    const event: SQSEvent = {
      Records: messages.map((message, index) => ({
        ...message,
        body: index === 4 ? JSON.stringify(unreadable) : message.body,
      })),
    };

    const report = await handleSendBatch(world.context, event);

    expect(report.response.batchItemFailures).toEqual([{ itemIdentifier: messages[4]!.messageId }]);
    expect(report.sent).toBe(4);
    const mailed = await emailsPerReader(world);
    expect(mailed.size).toBe(4);
    expect(readers.filter((reader) => mailed.has(reader.email))).toHaveLength(4);
  });
});

/** Receives `count` messages of the send queue as the records of one SQS event. */
async function receiveAll(world: TestWorld, count: number): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  const deadline = Date.now() + 10_000;
  while (records.length < count && Date.now() < deadline) {
    const { Messages = [] } = await world.context.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: world.queues.sendUrl,
        MaxNumberOfMessages: count - records.length,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 1,
      }),
    );
    records.push(
      ...Messages.map((message): SQSRecord => ({
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
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
        awsRegion: 'us-east-1',
      })),
    );
  }
  return records;
}
