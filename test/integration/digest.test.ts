import type { SQSEvent } from 'aws-lambda';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { handleSendBatch, planDigestOnce, type BatchReport } from '../../functions/app/jobs.ts';
import { previewDigest } from '../../functions/app/preview.ts';
import { ValidationError } from '../../functions/core/errors.ts';
import { createAppContext } from '../../functions/app/context.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { handleSesEvent } from '../../functions/app/mail-events.ts';
import { weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { DEFAULT_DELIVERY_SLOT } from '../../functions/model/subscribers.ts';
import { LocalSqsPoller } from '../../functions/local/sqs-poller.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type StoredEmail, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { runCrashingSender } from '../helpers/run-crashing-sender.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { startThrottlingSesProxy, type ThrottlingSesProxy } from '../../testkit/throttling-ses-proxy.ts';

/** Articles of the last few days, one or two per topic, with known ids (their URLs). */
const ARTICLES: { slug: string; topics: Partial<Record<TopicId, number>> }[] = [
  { slug: 'car-t-remission', topics: { 'car-t': 6, leukemia: 3 } },
  { slug: 'car-t-solid-tumours', topics: { 'car-t': 4 } },
  { slug: 'leukemia-blinatumomab', topics: { leukemia: 5, antibodies: 4 } },
  { slug: 'melanoma-adjuvant', topics: { melanoma: 5, 'checkpoint-inhibitors': 3 } },
  { slug: 'checkpoint-colitis', topics: { 'checkpoint-inhibitors': 4, 'side-effects': 5 } },
  { slug: 'lupus-car-t', topics: { autoimmune: 6, 'car-t': 3 } },
];

/** Each week's articles are new works (their own URLs), so a second week has news. */
const urlOf = (slug: string, week = 'w1') => `https://research.example.org/${week}/${slug}`;

async function storeWeek(world: TestWorld, firstSeenAt: Date, week = 'w1'): Promise<void> {
  for (const { slug, topics } of ARTICLES) {
    const candidate = aCandidate({
      url: urlOf(slug, week),
      title: `Study: ${slug.replace(/-/g, ' ')}`,
      summary: `What ${slug} means for patients.`,
      publishedAt: new Date(firstSeenAt.getTime() - 86_400_000).toISOString(),
      topics,
    });
    await world.context.articles.upsert(candidate, firstSeenAt);
  }
}

async function addReader(
  world: TestWorld,
  local: string,
  topics: TopicId[],
  status: SubscriberStatus = 'confirmed',
) {
  const subscriber = newSubscriber(
    { email: world.email(local), topics, status },
    new Date(),
    world.context.subscriberIds,
  );
  await world.context.subscribers.create(subscriber);
  return subscriber;
}

const slugsIn = (email: StoredEmail) =>
  ARTICLES.map((article) => article.slug).filter((slug) => email.body.text?.includes(urlOf(slug)));

const byRecipient = (emails: StoredEmail[]) => {
  const counts = new Map<string, number>();
  for (const email of emails)
    counts.set(email.destination.to[0]!, (counts.get(email.destination.to[0]!) ?? 0) + 1);
  return counts;
};

describe('weekly digests on the stand-ins', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    await storeWeek(world, new Date(Date.now() - 2 * 86_400_000));
  });

  afterAll(() => world.stop());

  it('gives each reader exactly their topics, and pending, unsubscribed, bounced and complained readers nothing', async () => {
    const readers = {
      cart: await addReader(world, 'cart', ['car-t']),
      cartTwin: await addReader(world, 'cart-twin', ['car-t']),
      blood: await addReader(world, 'blood', ['car-t', 'leukemia']),
      skin: await addReader(world, 'skin', ['melanoma', 'side-effects']),
      nothingNew: await addReader(world, 'kidney', ['kidney-cancer']),
    };
    const silent = await Promise.all(
      (['pending', 'unsubscribed', 'bounced', 'complained'] as const).map((status) =>
        addReader(world, status, ['car-t', 'leukemia', 'melanoma'], status),
      ),
    );

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(plan).toMatchObject({ planned: 4, skippedNoArticles: 1, groups: 3 });
    expect(totals).toMatchObject({ sent: 4, failed: 0, poison: 0 });
    const mine = await sentEmails(world.endpoints.ses, world.isMine);
    expect(byRecipient(mine)).toEqual(
      new Map(
        [readers.cart, readers.cartTwin, readers.blood, readers.skin].map((reader) => [reader.email, 1]),
      ),
    );
    for (const reader of silent)
      expect(mine.some((email) => email.destination.to.includes(reader.email))).toBe(false);

    const mailOf = (email: string) => mine.find((sent) => sent.destination.to[0] === email)!;
    // Each article once, in the section of its best topic among the reader's, nothing from other topics.
    expect(slugsIn(mailOf(readers.cart.email))).toEqual([
      'car-t-remission',
      'car-t-solid-tumours',
      'lupus-car-t',
    ]);
    expect(slugsIn(mailOf(readers.blood.email))).toEqual([
      'car-t-remission',
      'car-t-solid-tumours',
      'leukemia-blinatumomab',
      'lupus-car-t',
    ]);
    expect(slugsIn(mailOf(readers.skin.email))).toEqual(['melanoma-adjuvant', 'checkpoint-colitis']);
    expect(mailOf(readers.skin.email).body.text).toMatch(
      /MELANOMA & SKIN CANCERS[\s\S]*SIDE EFFECTS & SAFETY/,
    );
    expect(mailOf(readers.cart.email).body.text).not.toContain('LEUKEMIA');

    // The two readers of one group got the same digest with their own links.
    const [cart, twin] = [mailOf(readers.cart.email), mailOf(readers.cartTwin.email)];
    const unsubscribeLink = (email: StoredEmail) =>
      /href="([^"]*\/unsubscribe\?token=[^"]+)"/.exec(email.body.html!)![1]!;
    const token = (link: string) => new URL(link).searchParams.get('token')!;
    expect(
      world.context.tokens.verify(token(unsubscribeLink(cart)), 'unsubscribe', new Date()).subscriberId,
    ).toBe(readers.cart.subscriberId);
    expect(
      world.context.tokens.verify(token(unsubscribeLink(twin)), 'unsubscribe', new Date()).subscriberId,
    ).toBe(readers.cartTwin.subscriberId);
    // Their own web editions too: the view token of each names its reader.
    const viewToken = (email: StoredEmail) =>
      /\/digest\?token=([\w-]{6}\.v\.[^&"]+)/.exec(email.body.html!)![1]!;
    expect(world.context.tokens.verify(viewToken(cart), 'view', new Date()).subscriberId).toBe(
      readers.cart.subscriberId,
    );
    expect(world.context.tokens.verify(viewToken(twin), 'view', new Date()).subscriberId).toBe(
      readers.cartTwin.subscriberId,
    );
    const withoutLinks = (email: StoredEmail) =>
      email.body
        .html!.replaceAll(token(unsubscribeLink(email)), 'T')
        .replace(/token=[\w-]{6}\.m\.[^"]+/, '')
        .replace(viewToken(email), 'V');
    expect(withoutLinks(cart)).toBe(withoutLinks(twin));
    const headers = Object.fromEntries((cart.headers ?? []).map((header) => [header.name, header.value]));
    expect(headers['List-Unsubscribe']).toBe(
      `<${unsubscribeLink(cart)}>, <mailto:unsubscribe@immunotherapy-digest.example.org?subject=unsubscribe%20${token(unsubscribeLink(cart))}>`,
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(cart.from).toBe('Immunotherapy Digest <digest@immunotherapy-digest.example.org>');
    expect(cart.replyTo).toEqual(['editors@immunotherapy-digest.example.org']);

    // The ledger says the same: four sent with SES message ids, one skipped for want of articles.
    const ledger = await world.context.ledger.listForDigest(
      weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date()),
    );
    const mineInLedger = ledger.filter((record) =>
      [...Object.values(readers)].some((reader) => reader.subscriberId === record.subscriberId),
    );
    expect(mineInLedger.filter((record) => record.status === 'sent' && record.messageId)).toHaveLength(4);
    expect(
      mineInLedger.find((record) => record.subscriberId === readers.nothingNew.subscriberId)?.status,
    ).toBe('skipped');
  });

  it('sends nothing new when the digest runs again', async () => {
    const before = (await sentEmails(world.endpoints.ses, world.isMine)).length;

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(plan.planned).toBe(0);
    expect(totals.sent).toBe(0);
    expect((await sentEmails(world.endpoints.ses, world.isMine)).length).toBe(before);
  });

  it('stops mailing a reader after a hard bounce or a complaint, and keeps mailing the others', async () => {
    const bouncer = await addReader(world, 'bouncer', ['car-t']);
    const complainer = await addReader(world, 'complainer', ['car-t']);
    const steady = await addReader(world, 'steady', ['car-t']);
    await planDigestOnce(world.context, { ignoreSlot: true });
    await drainSendQueue(world.context, world.queues.sendUrl);

    const at = new Date();
    await handleSesEvent(world.context, {
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      time: at.toISOString(),
      detail: {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: bouncer.email }] },
      },
    });
    await handleSesEvent(world.context, {
      source: 'aws.ses',
      'detail-type': 'Email Complained',
      time: at.toISOString(),
      detail: {
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: complainer.email }] },
      },
    });
    const nextWeek = await createAppContext(world.context.config, {
      clients: world.context.clients,
      clock: { now: () => new Date(Date.now() + 7 * 86_400_000) },
      logger: silentLogger,
      mjmlValidation: 'strict',
    });
    await storeWeek(world, new Date(Date.now() + 6 * 86_400_000), 'w2');
    const plan = await planDigestOnce(nextWeek, { ignoreSlot: true });
    await drainSendQueue(nextWeek, world.queues.sendUrl);

    const counts = byRecipient(await sentEmails(world.endpoints.ses, world.isMine));
    expect(plan.planned).toBeGreaterThan(0);
    expect(counts.get(bouncer.email)).toBe(1);
    expect(counts.get(complainer.email)).toBe(1);
    expect(counts.get(steady.email)).toBe(2);
    expect((await world.context.subscribers.get(bouncer.subscriberId))?.status).toBe('bounced');
    expect((await world.context.subscribers.get(complainer.subscriberId))?.status).toBe('complained');
  });
});

describe('a sender killed midway', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld({ env: { RECIPIENTS_PER_JOB: '3' } });
    await storeWeek(world, new Date(Date.now() - 86_400_000));
  });

  afterAll(() => world.stop());

  it('is recovered by a re-run that delivers every remaining email exactly once', async () => {
    const topicSets: TopicId[][] = [['car-t'], ['melanoma'], ['car-t', 'leukemia'], ['autoimmune']];
    const readers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        addReader(world, `reader-${index}`, topicSets[index % topicSets.length]!),
      ),
    );
    const plan = await planDigestOnce(world.context, { ignoreSlot: true });

    const exit = await runCrashingSender(world, 5);
    const afterCrash = await sentEmails(world.endpoints.ses, world.isMine);
    // Claims of the killed sender are protected by their lease; a later run takes them over.
    const later = await createAppContext(world.context.config, {
      clients: world.context.clients,
      clock: { now: () => new Date(Date.now() + 6 * 60_000) },
      logger: silentLogger,
      mjmlValidation: 'strict',
    });
    const rerun = await drainSendQueue(later, world.queues.sendUrl);

    expect(plan.planned).toBe(12);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(afterCrash).toHaveLength(5);
    expect(rerun.sent).toBe(7);
    expect(byRecipient(await sentEmails(world.endpoints.ses, world.isMine))).toEqual(
      new Map(readers.map((reader) => [reader.email, 1])),
    );
  });
});

describe('sending through an SES that throttles', () => {
  let proxy: ThrottlingSesProxy;
  let world: TestWorld;

  beforeAll(async () => {
    proxy = await startThrottlingSesProxy(inject('standIns').ses, 4);
    // The limiter believes in 40/s: SES (the proxy) allows 4, so throttling is certain.
    world = await createTestWorld({
      env: { SES_ENDPOINT: proxy.endpoint, SES_MAX_SEND_RATE: '40', RECIPIENTS_PER_JOB: '4' },
    });
    await storeWeek(world, new Date(Date.now() - 86_400_000));
  });

  afterEach(() => {
    proxy.quotaExceeded = false;
  });

  afterAll(async () => {
    world.stop();
    await proxy.stop();
  });

  it('retries throttled sends with backoff until every reader has their one email', async () => {
    const readers = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        addReader(world, `throttled-${index}`, index % 2 ? ['car-t'] : ['melanoma']),
      ),
    );

    await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl, { timeoutMs: 50_000 });

    expect(proxy.throttled).toBeGreaterThan(0);
    expect(totals).toMatchObject({ sent: 16, failed: 0 });
    expect(byRecipient(await sentEmails(world.endpoints.ses, world.isMine))).toEqual(
      new Map(readers.map((reader) => [reader.email, 1])),
    );
  });

  it('stops at the daily quota and leaves the unsent jobs queued for later, claims given back', async () => {
    const readers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => addReader(world, `quota-${index}`, ['autoimmune'])),
    );
    const nextWeek = new Date(Date.now() + 7 * 86_400_000);
    const later = await createAppContext(world.context.config, {
      clients: world.context.clients,
      clock: { now: () => nextWeek },
      logger: silentLogger,
      mjmlValidation: 'strict',
    });
    await storeWeek(world, new Date(nextWeek.getTime() - 86_400_000), 'quota-week');
    const plan = await planDigestOnce(later, { ignoreSlot: true });
    proxy.quotaExceeded = true;

    const reports = await sendUntil(world, later, (report) => report.quotaExceeded);
    const { Attributes } = await world.context.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: world.queues.sendUrl,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const ledger = await later.ledger.listForDigest(weeklyDigestId(DEFAULT_DELIVERY_SLOT, nextWeek));

    expect(plan.jobs).toBeGreaterThan(1);
    expect(reports.at(-1)).toMatchObject({ quotaExceeded: true, sent: 0 });
    expect(reports.at(-1)!.continued).toBeGreaterThanOrEqual(1);
    expect(Number(Attributes?.ApproximateNumberOfMessagesDelayed)).toBeGreaterThanOrEqual(1);
    expect(ledger.filter((record) => record.status === 'sent')).toEqual([]);
    for (const reader of readers) {
      expect(await sentEmails(world.endpoints.ses, (to) => to === reader.email)).toEqual([]);
    }
  });
});

/** Runs the send handler behind the poller until a batch report satisfies `done`; returns all reports. */
async function sendUntil(
  world: TestWorld,
  context: TestWorld['context'],
  done: (report: BatchReport) => boolean,
) {
  const reports: BatchReport[] = [];
  const poller = new LocalSqsPoller(
    context.clients.sqs,
    async (event: SQSEvent) => {
      const report = await handleSendBatch(context, event);
      reports.push(report);
      return report.response;
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
  const deadline = Date.now() + 20_000;
  while (!reports.some(done) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await poller.stop();
  return reports;
}

describe('the send queue', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    await storeWeek(world, new Date(Date.now() - 86_400_000));
  });

  afterAll(() => world.stop());

  it('sends the good jobs of a batch and moves a poison message to the DLQ after its retries', async () => {
    const reader = await addReader(world, 'beside-poison', ['melanoma']);
    await world.context.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: world.queues.sendUrl,
        MessageBody: '{"kind":"digest","version":1}',
      }),
    );
    await planDigestOnce(world.context, { ignoreSlot: true });

    const totals = await drainSendQueue(world.context, world.queues.sendUrl, { timeoutMs: 40_000 });
    const { Messages = [] } = await world.context.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: world.queues.deadLetterUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );

    expect(totals.sent).toBe(1);
    expect(totals.poison).toBe(5);
    expect(Messages.map((message) => message.Body)).toEqual(['{"kind":"digest","version":1}']);
    expect(await sentEmails(world.endpoints.ses, (to) => to === reader.email)).toHaveLength(1);
  });
});

describe('a preview', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    await storeWeek(world, new Date(Date.now() - 86_400_000));
  });

  afterAll(() => world.stop());

  it('is the whole MIME message SES would send, with the sender’s headers and both parts', async () => {
    const preview = await previewDigest(world.context, {
      topics: ['melanoma', 'car-t'],
      to: 'reader@example.org',
      days: 7,
    });
    const eml = (await preview.mime()).toString();

    expect(preview.articles).toBe(4);
    expect(eml).toMatch(/^From: Immunotherapy Digest <digest@immunotherapy-digest\.example\.org>$/m);
    expect(eml).toMatch(/^To: reader@example\.org$/m);
    expect(eml).toMatch(/^Reply-To: editors@immunotherapy-digest\.example\.org$/m);
    expect(eml).toMatch(/^Subject: Your Immunotherapy Digest: 4 new articles, week of/m);
    expect(eml).toMatch(
      /^List-Unsubscribe:\s+<http:\/\/localhost:3000\/unsubscribe\?token=[\w-]{6}\.u\.[^>]+>,\s+<mailto:/m,
    );
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(eml).toMatch(/^Message-ID: <preview-[0-9a-f]+@immunotherapy-digest\.example\.org>$/m);
    expect(eml).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(eml.indexOf('Content-Type: text/plain')).toBeLessThan(eml.indexOf('Content-Type: text/html'));
  });

  it('says what to do when no stored article matches the topics', async () => {
    await expect(
      previewDigest(world.context, { topics: ['kidney-cancer'], to: 'reader@example.org', days: 7 }),
    ).rejects.toThrow(ValidationError);
    await expect(
      previewDigest(world.context, { topics: ['kidney-cancer'], to: 'reader@example.org', days: 7 }),
    ).rejects.toThrow(/run `npx immuno-digest ingest` first/);
  });
});
