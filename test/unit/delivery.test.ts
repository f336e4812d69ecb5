import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverJob, type DeliveryDependencies } from '../../functions/core/delivery/deliver-job.ts';
import { planDigest } from '../../functions/core/digest/plan-digest.ts';
import type { DigestJob } from '../../functions/core/delivery/send-job.ts';
import { createEmailRenderer, type EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import { createTokenService } from '../../functions/core/tokens/tokens.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import {
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
} from '../../functions/core/errors.ts';
import { loadTemplates, loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { topicLabels } from '../../functions/core/tagging/vocabulary.ts';
import { silentLogger } from '../../functions/ports/index.ts';
import type { TopicId } from '../../functions/core/topics.ts';
import {
  anArticle,
  ArrayQueue,
  FakeArticleStore,
  FakeLedger,
  FakeSubscriberStore,
  ManualClock,
  RecordingMailer,
} from '../helpers/fakes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let renderer: EmailRenderer;

beforeAll(async () => {
  const labels = Object.fromEntries(
    topicLabels(await loadVocabulary(`${ROOT}/content`)).map((t) => [t.id, t.label]),
  ) as Record<TopicId, string>;
  renderer = createEmailRenderer({
    templates: await loadTemplates(`${ROOT}/templates`),
    topicLabels: labels,
    siteUrl: 'https://digest.example.org',
    postalAddress: '1 Example Street, Springfield',
    mjml: { validationLevel: 'strict' },
  });
});

describe('planning and sending a week', () => {
  let clock: ManualClock;
  let subscribers: FakeSubscriberStore;
  let articles: FakeArticleStore;
  let ledger: FakeLedger;
  let mailer: RecordingMailer;
  let queue: ArrayQueue;
  let deps: DeliveryDependencies;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));
    subscribers = new FakeSubscriberStore();
    articles = new FakeArticleStore();
    ledger = new FakeLedger();
    mailer = new RecordingMailer();
    queue = new ArrayQueue();
    deps = {
      subscribers,
      articles,
      ledger,
      mailer,
      limiter: { acquire: async () => undefined },
      renderer,
      tokens: createTokenService('a-test-secret-that-is-long-enough-000'),
      clock,
      logger: silentLogger,
      sleep: async () => undefined,
      settings: {
        siteUrl: 'https://digest.example.org',
        unsubscribeMailto: 'unsubscribe@digest.example.org',
        leaseMs: 60_000,
        throttleRetries: 2,
        backoffBaseMs: 1,
      },
    };
  });

  const plan = (options: { ignoreSlot?: boolean } = {}) =>
    planDigest(
      { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 2, ...options },
      { ...deps, queue },
    );

  const reader = async (local: string, topics: TopicId[]) => {
    const subscriber = newSubscriber(
      { email: `${local}@example.org`, topics, status: 'confirmed' },
      clock.now(),
    );
    await subscribers.create(subscriber);
    return subscriber;
  };

  it('groups readers with identical selections and chunks each group by recipientsPerJob', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z', topics: { 'car-t': 3 } }));
    for (const name of ['a', 'b', 'c']) await reader(name, ['car-t']);
    await reader('d', ['melanoma']);

    const summary = await plan();

    expect(summary).toMatchObject({
      confirmed: 4,
      due: 4,
      planned: 3,
      skippedNoArticles: 1,
      groups: 1,
      jobs: 2,
    });
    expect(queue.jobs.map((job) => job.recipients.length)).toEqual([2, 1]);
  });

  it('sends each recipient once even when the same job is delivered twice', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    const a = await reader('a', ['car-t']);
    await plan();
    const job = queue.jobs[0]!;

    const first = await deliverJob(job, deps);
    const second = await deliverJob(job, deps);

    expect(first).toMatchObject({ sent: 1, retry: false });
    expect(second).toMatchObject({ sent: 0, skipped: 1 });
    expect(mailer.sent.map((email) => email.to)).toEqual([a.email]);
    expect((await subscribers.get(a.subscriberId))?.lastDigestId).toBe('weekly-2026-W48');
  });

  it('retries throttling in place and sends', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    await reader('a', ['car-t']);
    await plan();
    mailer.failWith.push(new MailThrottledError('slow down'), new MailThrottledError('slow down'));

    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 1, retry: false });
  });

  it('gives the message back when throttling persists, and sends on redelivery', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    await reader('a', ['car-t']);
    await plan();
    mailer.failWith.push(...Array.from({ length: 3 }, () => new MailThrottledError('slow down')));

    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, retry: true });
    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 1, retry: false });
  });

  it('records a rejected address as failed and never retries it', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    const a = await reader('a', ['car-t']);
    await plan();
    mailer.failWith.push(new MailRejectedError('address does not exist'));

    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, failed: 1, retry: false });
    expect((await ledger.listForDigest('weekly-2026-W48'))[0]).toMatchObject({
      subscriberId: a.subscriberId,
      status: 'failed',
    });
  });

  it('stops at the daily quota and leaves the rest for later', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    await reader('a', ['car-t']);
    await reader('b', ['car-t']);
    await plan();
    mailer.failWith.push(new MailQuotaExceededError('Daily message quota exceeded'));

    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, retry: true, stop: true });
    expect(mailer.sent).toHaveLength(0);
  });

  it('does not mail a reader who unsubscribed after planning', async () => {
    articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));
    const a = await reader('a', ['car-t']);
    await plan();
    await subscribers.setStatus(a.subscriberId, 'unsubscribed', clock.now());

    expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, skipped: 1 });
    expect(mailer.sent).toHaveLength(0);
  });

  it('never sends an article twice: next week starts where this digest ended', async () => {
    articles.add(anArticle({ id: 'old', firstSeenAt: '2026-11-22T00:00:00Z' }));
    await reader('a', ['car-t']);
    await plan();
    await deliverJob(queue.jobs[0]!, deps);

    clock.set('2026-11-30T09:00:00Z');
    articles.add(anArticle({ id: 'new', firstSeenAt: '2026-11-27T00:00:00Z' }));
    queue.jobs.length = 0;
    await plan();

    const job = queue.jobs[0] as DigestJob;
    expect(job.digestId).toBe('weekly-2026-W49');
    expect(job.sections.flatMap((section) => section.articles.map((article) => article.articleId))).toEqual([
      'new',
    ]);
  });
});
