import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { listDeadLetters, redriveDeadLetters } from '../../functions/core/delivery/dead-letters.ts';
import { weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { openLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment.ts';
import { createLocalSender } from '../../functions/local/local-sender.ts';
import { writeRuntimeInfo } from '../../functions/local/runtime-file.ts';
import { LocalSqsPoller } from '../../functions/local/sqs-poller.ts';
import { DEFAULT_DELIVERY_SLOT, type Subscriber } from '../../functions/model/subscribers.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { runCrashingSender } from '../helpers/run-crashing-sender.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'admin-token-for-dead-letters-0123456789';
const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');
const POISON = '{"kind":"digest","version":1}';

/**
 * The send queue's dead-letter queue and its redrive, on the stand-ins: jobs dead-lettered by a
 * sender that crashed and kept crashing, moved back by the redrive (the use case, the admin API
 * and page, the CLI), and sent by the real send handler with the ledger keeping everyone to one
 * email.
 */

async function storeArticle(world: TestWorld): Promise<void> {
  await world.context.articles.upsert(
    aCandidate({ url: `https://research.example.org/dlq/${world.email('a')}`, topics: { 'car-t': 5 } }),
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

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
}

/** A sender that crashes on every batch until SQS has moved every job to the dead-letter queue. */
async function crashUntilDeadLettered(world: TestWorld): Promise<void> {
  const poller = new LocalSqsPoller(
    world.context.clients.sqs,
    async () => {
      throw new Error('the sender crashes at start');
    },
    {
      queueUrl: world.queues.sendUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:test',
      region: 'us-east-1',
      batchSize: 5,
      waitTimeSeconds: 1,
    },
  );
  poller.start();
  const deadline = Date.now() + 40_000;
  try {
    while ((await queueDepth(world.context.clients.sqs, world.queues.sendUrl)) > 0) {
      if (Date.now() > deadline) throw new Error('jobs never reached the dead-letter queue');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await poller.stop();
  }
}

const emailsPerReader = async (world: TestWorld) => {
  const counts = new Map<string, number>();
  for (const email of await sentEmails(world.endpoints.ses, world.isMine)) {
    counts.set(email.destination.to[0]!, (counts.get(email.destination.to[0]!) ?? 0) + 1);
  }
  return counts;
};

describe('a redrive of the dead-letter queue after a crash', () => {
  let world: TestWorld;
  let later: AppContext;

  beforeAll(async () => {
    world = await createTestWorld({ env: { RECIPIENTS_PER_JOB: '3', ADMIN_TOKEN } });
    await storeArticle(world);
    // Past the killed sender's leases, as a person redriving after the alarm is.
    later = await createAppContext(world.context.config, {
      clients: world.context.clients,
      clock: { now: () => new Date(Date.now() + 6 * 60_000) },
      logger: silentLogger,
      mjmlValidation: 'strict',
    });
  });

  afterAll(() => world.stop());

  // A sender process killed, then five receives of every job: about half a minute on a busy machine.
  it(
    'sends each reader at most once: those the crashed sender mailed are skipped',
    { timeout: 120_000 },
    async () => {
      const readers = await addReaders(world, 12, 'crash');
      const plan = await planDigestOnce(world.context, { ignoreSlot: true });
      const exit = await runCrashingSender(world, 5);
      await crashUntilDeadLettered(world);
      const beforeRedrive = await listDeadLetters(later);

      const redriven = await redriveDeadLetters(later);
      // A second redrive while the first one's jobs wait on the send queue moves nothing twice.
      const again = await redriveDeadLetters(later);
      const sent = await drainSendQueue(later, world.queues.sendUrl);
      const ledger = await later.ledger.listForDigest(weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date()));

      expect(plan.jobs).toBe(4);
      expect(exit.signal).toBe('SIGKILL');
      expect(beforeRedrive.depth).toBe(4);
      expect(
        beforeRedrive.letters.every((letter) => letter.kind === 'digest' && letter.recipients === 3),
      ).toBe(true);
      expect(redriven).toEqual({ moved: 4, poison: 0, remaining: 0 });
      expect(again).toEqual({ moved: 0, poison: 0, remaining: 0 });
      expect(sent.sent).toBe(7);
      expect(await emailsPerReader(world)).toEqual(new Map(readers.map((reader) => [reader.email, 1])));
      expect(ledger.map((record) => record.status)).toEqual(readers.map(() => 'sent'));
    },
  );
});

describe('the dead letters in the admin API and page', () => {
  let world: TestWorld;
  let api: Hono;

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    await storeArticle(world);
  });

  afterAll(() => world.stop());

  const asAdmin = (method: string, extra: Record<string, string> = {}): RequestInit => ({
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/json', ...extra },
  });

  it('lists the dead letters, redrives the send jobs and leaves the poison, for an admin only', async () => {
    const [reader] = await addReaders(world, 1, 'api');
    await planDigestOnce(world.context, { ignoreSlot: true });
    const { Messages = [] } = await world.context.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: world.queues.sendUrl, WaitTimeSeconds: 1 }),
    );
    for (const body of [Messages[0]!.Body!, POISON]) {
      await world.context.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: world.queues.deadLetterUrl, MessageBody: body }),
      );
    }
    await world.context.clients.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: world.queues.sendUrl,
        ReceiptHandle: Messages[0]!.ReceiptHandle!,
      }),
    );

    const anonymous = await api.request('/admin/dead-letters/redrive', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    const formWithoutCsrf = await api.request('/admin/dead-letters/redrive', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    const listed = await api.request('/admin/dead-letters', asAdmin('GET'));
    const page = await api.request('/admin/dead-letters', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const redriven = await api.request(
      '/admin/dead-letters/redrive',
      asAdmin('POST', { 'content-type': 'application/json' }),
    );
    const sent = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(anonymous.status).toBe(401);
    expect(formWithoutCsrf.status).toBe(403);
    expect(listed.status).toBe(200);
    const listing = (await listed.json()) as {
      depth: number;
      letters: { kind: string; recipients: number }[];
    };
    expect(listing.depth).toBe(2);
    expect(listing.letters.map((letter) => letter.kind).sort()).toEqual(['digest', 'poison']);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).toContain('Dead letters');
    expect(pageHtml).toContain('action="/admin/dead-letters/redrive"');
    expect(redriven.status).toBe(200);
    expect(await redriven.json()).toEqual({ moved: 1, poison: 1, remaining: 1 });
    expect(sent.sent).toBe(1);
    expect(await emailsPerReader(world)).toEqual(new Map([[reader!.email, 1]]));
  });
});

/**
 * Locally the queues live only as long as the running `npm start` (the SQS stand-in keeps nothing
 * on disk), so `immuno-digest dlq` works beside it: here this test process plays the running
 * instance (its stand-ins, its runtime file) and the real CLI attaches to it.
 */
describe('`immuno-digest dlq` beside a running instance', () => {
  let dataDir: string;
  let environment: LocalEnvironment;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-dlq-'));
    environment = await openLocalEnvironment({
      env: { DATA_DIR: dataDir },
      ports: 'ephemeral',
      attach: false,
      logger: silentLogger,
    });
    await writeRuntimeInfo(dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoints: { ...environment.endpoints, api: 'http://127.0.0.1:9' },
    });
    const { context, queues } = environment;
    await context.articles.upsert(
      aCandidate({ url: 'https://research.example.org/dlq/cli', topics: { 'car-t': 5 } }),
      new Date(Date.now() - 86_400_000),
    );
    await context.subscribers.create(
      newSubscriber(
        { email: 'dlq-reader@example.org', topics: ['car-t'], status: 'confirmed' },
        new Date(Date.now() - 60_000),
      ),
    );
    await planDigestOnce(context, { ignoreSlot: true });
    const { Messages = [] } = await context.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.sendUrl, WaitTimeSeconds: 1 }),
    );
    for (const body of [Messages[0]!.Body!, POISON]) {
      await context.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.deadLetterUrl, MessageBody: body }),
      );
    }
    await context.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: queues.sendUrl, ReceiptHandle: Messages[0]!.ReceiptHandle! }),
    );
  });

  afterAll(async () => {
    await environment.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function cli(
    ...args: string[]
  ): Promise<{ code: number; stdout: string; result: Record<string, unknown> }> {
    return new Promise((resolve) => {
      execFile(
        'node',
        [CLI, 'dlq', ...args],
        { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 90_000 },
        (error, stdout) => {
          const last = stdout.trim().split('\n').at(-1) ?? '{}';
          let result: Record<string, unknown> = {};
          try {
            result = JSON.parse(last) as Record<string, unknown>;
          } catch {
            // Left empty: the assertions say what was expected.
          }
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, result });
        },
      );
    });
  }

  // Two runs of the real CLI, each loading the whole app: slow on a busy machine.
  it(
    'shows the dead letters, redrives the send job for the running instance to send, and leaves the poison',
    { timeout: 180_000 },
    async () => {
      const shown = await cli('show');
      const redriven = await cli('redrive');
      const sender = createLocalSender(environment, { waitTimeSeconds: 1 });
      sender.start();
      const ending = await sender.drain(30_000);
      await sender.stop();

      expect(shown.code).toBe(0);
      expect(shown.result).toMatchObject({ depth: 2 });
      expect(shown.stdout).toMatch(/digest weekly-\d{4}-W\d{2}, 1 reader/);
      expect(shown.stdout).toMatch(/poison PoisonMessageError: send job does not match its schema/);
      expect(redriven.code).toBe(0);
      expect(redriven.result).toMatchObject({
        moved: 1,
        poison: 1,
        remaining: 1,
        sentBy: `running instance (pid ${process.pid})`,
      });
      expect(ending).toBe('drained');
      expect(sender.totals).toMatchObject({ sent: 1, failed: 0 });
    },
  );
});
