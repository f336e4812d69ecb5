import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deliverJob,
  type DeliveryDependencies,
  type DeliveryRun,
} from '../../functions/core/delivery/deliver-job.ts';
import { planDigest } from '../../functions/core/digest/plan-digest.ts';
import type { DigestJob } from '../../functions/core/delivery/send-job.ts';
import type { EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import {
  MailConfigurationError,
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../../functions/core/errors.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import {
  anArticle,
  inMemoryDelivery,
  ManualClock,
  RecordingMailer,
  testSubscriberIds,
  type ArrayQueue,
  type FakeArticleStore,
  type FakeLedger,
  type FakePlannerCursor,
  type FakeSubscriberStore,
} from '../../testkit/fakes.ts';
import { createTestRenderer } from '../helpers/digest-fixture.ts';

let renderer: EmailRenderer;

beforeAll(async () => {
  renderer = await createTestRenderer();
});

describe('planning and sending a week', () => {
  let clock: ManualClock;
  let subscribers: FakeSubscriberStore;
  let articles: FakeArticleStore;
  let ledger: FakeLedger;
  let mailer: RecordingMailer;
  let queue: ArrayQueue;
  let plannerCursor: FakePlannerCursor;
  let deps: DeliveryDependencies;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));
    mailer = new RecordingMailer();
    ({ subscribers, articles, ledger, queue, plannerCursor, deps } = inMemoryDelivery({
      renderer,
      mailer,
      clock,
    }));
  });

  const plan = (options: { ignoreSlot?: boolean; dryRun?: boolean; maxArticles?: number } = {}) =>
    planDigest(
      { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 2, ...options },
      { ...deps, queue, subscribers, plannerCursor },
    );

  const reader = async (local: string, topics: TopicId[]) => {
    const subscriber = newSubscriber(
      { email: `${local}@example.org`, topics, status: 'confirmed' },
      clock.now(),
      testSubscriberIds,
    );
    await subscribers.create(subscriber);
    return subscriber;
  };

  const run = (overrides: Partial<DeliveryRun> = {}): DeliveryRun => ({
    stoppedBy: undefined,
    shouldYield: () => false,
    ...overrides,
  });

  const aWeekOfCarT = () => articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z' }));

  describe('the planner', () => {
    it('groups readers with identical selections and chunks each group by recipientsPerJob', async () => {
      articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z', topics: { 'car-t': 3 } }));
      for (const name of ['a', 'b', 'c']) await reader(name, ['car-t']);
      await reader('d', ['melanoma']);

      const summary = await plan();

      expect(summary).toMatchObject({
        readersRead: 4,
        due: 4,
        planned: 3,
        skippedNoArticles: 1,
        groups: 1,
        jobs: 2,
      });
      expect(queue.digestJobs.map((job) => job.recipients.length)).toEqual([2, 1]);
      expect(new Set(queue.digestJobs.map((job) => job.groupKey)).size).toBe(1);
    });

    it('records a reader with nothing new as skipped, sends nothing, and leaves them until next week', async () => {
      aWeekOfCarT();
      const d = await reader('d', ['melanoma']);

      await plan();
      clock.advance(3600_000);
      articles.add(anArticle({ firstSeenAt: '2026-11-23T09:30:00Z', topics: { melanoma: 4 } }));
      const laterThatDay = await plan();

      expect(await ledger.listForDigest('weekly-2026-W48')).toMatchObject([
        { subscriberId: d.subscriberId, status: 'skipped', reason: 'no matching articles' },
      ]);
      expect(laterThatDay.due).toBe(0);
      clock.set('2026-11-30T09:00:00Z');
      expect((await plan()).planned).toBe(1);
    });

    it('plans nothing and records nothing in a dry run', async () => {
      aWeekOfCarT();
      const a = await reader('a', ['car-t']);
      await reader('d', ['melanoma']);

      const summary = await plan({ dryRun: true });

      expect(summary).toMatchObject({ planned: 1, skippedNoArticles: 1, jobs: 1 });
      expect(queue.jobs).toHaveLength(0);
      expect(ledger.items.size).toBe(0);
      expect((await subscribers.get(a.subscriberId))?.plannedDigestId).toBeUndefined();
    });

    it('does not plan a reader again within the hour, but does once a planned job stayed undelivered a day', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await plan();

      clock.advance(3600_000);
      expect((await plan()).due).toBe(0);
      clock.advance(24 * 3600_000);
      expect((await plan()).planned).toBe(1);
    });

    it('starts a first digest seven days back and a later one where the last delivered digest ended', async () => {
      articles.add(
        anArticle({ id: 'eight-days-old', firstSeenAt: '2026-11-15T08:00:00Z' }),
        anArticle({ id: 'six-days-old', firstSeenAt: '2026-11-17T10:00:00Z' }),
      );
      const a = await reader('a', ['car-t']);
      await plan();
      const first = queue.jobs[0] as DigestJob;
      await deliverJob(first, deps);

      clock.set('2026-12-07T09:00:00Z');
      articles.add(anArticle({ id: 'after-first-digest', firstSeenAt: '2026-11-23T09:00:01Z' }));
      queue.jobs.length = 0;
      await plan();

      expect(first.sections[0]!.articles.map((article) => article.articleId)).toEqual(['six-days-old']);
      expect((await subscribers.get(a.subscriberId))?.lastDigestAt).toBe('2026-11-23T09:00:00.000Z');
      expect((queue.jobs[0] as DigestJob).sections[0]!.articles.map((article) => article.articleId)).toEqual([
        'after-first-digest',
      ]);
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
      expect(job.sections.flatMap((section) => section.articles.map((article) => article.articleId))).toEqual(
        ['new'],
      );
    });
  });

  describe('the sender', () => {
    it('sends each recipient once even when the same job is delivered twice', async () => {
      aWeekOfCarT();
      const a = await reader('a', ['car-t']);
      await plan();
      const job = queue.jobs[0]!;

      const first = await deliverJob(job, deps);
      const second = await deliverJob(job, deps);

      expect(first).toMatchObject({ sent: 1, remaining: undefined, interruption: undefined });
      expect(second).toMatchObject({ sent: 0, skipped: 1 });
      expect(mailer.sent.map((email) => email.to)).toEqual([a.email]);
      expect((await subscribers.get(a.subscriberId))?.lastDigestId).toBe('weekly-2026-W48');
    });

    it('sends html and text with one-click List-Unsubscribe headers and the digest and group as tags', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await plan();

      await deliverJob(queue.jobs[0]!, deps);

      const [email] = mailer.sent;
      const headers = Object.fromEntries(email!.headers.map((header) => [header.name, header.value]));
      expect(headers['List-Unsubscribe']).toMatch(
        /^<https:\/\/digest\.example\.org\/unsubscribe\?token=[\w-]{6}\.u\.[\w.-]+>, <mailto:unsubscribe@digest\.example\.org\?subject=unsubscribe%20[\w-]{6}\.u\.[\w.-]+>$/,
      );
      expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(email!.tags).toEqual({
        kind: 'digest',
        digest: 'weekly-2026-W48',
        group: queue.digestJobs[0]!.groupKey,
      });
      expect(email!.html).toContain(
        headers['List-Unsubscribe']!.slice(1, headers['List-Unsubscribe']!.indexOf('>')),
      );
      expect(email!.text).toContain('Why you got this: you follow CAR-T & cell therapy.');
    });

    it('retries throttling in place and sends', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await plan();
      mailer.failWith.push(new MailThrottledError('slow down'), new MailThrottledError('slow down'));

      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 1, remaining: undefined });
    });

    it('hands the rest of the job on when throttling persists, and the continuation sends it', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await reader('b', ['car-t']);
      await plan();
      mailer.failWith.push(...Array.from({ length: 3 }, () => new MailThrottledError('slow down')));

      const outcome = await deliverJob(queue.jobs[0]!, deps);
      const continued = await deliverJob(outcome.remaining!, deps);

      expect(outcome).toMatchObject({ sent: 0, interruption: 'throttled' });
      expect(outcome.remaining!.recipients).toEqual(queue.digestJobs[0]!.recipients);
      expect(continued).toMatchObject({ sent: 2, remaining: undefined });
    });

    it('records a rejected address as failed, never retries it, and carries on with the others', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await reader('b', ['car-t']);
      await plan();
      const [first] = queue.digestJobs[0]!.recipients;
      mailer.failWith.push(new MailRejectedError('address does not exist'));

      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({
        sent: 1,
        failed: 1,
        remaining: undefined,
      });
      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, skipped: 2 });
      expect(
        (await ledger.listForDigest('weekly-2026-W48')).find((r) => r.subscriberId === first!.subscriberId),
      ).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining('address does not exist'),
      });
    });

    it('stops at the daily quota: this job and every other job of the run hand their recipients on unsent', async () => {
      aWeekOfCarT();
      for (const name of ['a', 'b', 'c']) await reader(name, ['car-t']);
      await plan();
      const shared = run();
      mailer.failWith.push(new MailQuotaExceededError('Daily message quota exceeded'));

      const first = await deliverJob(queue.jobs[0]!, deps, shared);
      const second = await deliverJob(queue.jobs[1]!, deps, shared);

      expect(shared.stoppedBy).toBe('quota');
      expect(first).toMatchObject({ sent: 0, interruption: 'quota' });
      expect(first.remaining!.recipients).toHaveLength(2);
      expect(second).toMatchObject({ sent: 0, interruption: 'quota' });
      expect(second.remaining!.recipients).toHaveLength(1);
      expect(mailer.sent).toHaveLength(0);
      expect((await ledger.listForDigest('weekly-2026-W48')).every((r) => r.status === 'claimed')).toBe(true);
    });

    it('with several recipients in flight, hands on every unsent one at the quota: none lost, none twice', async () => {
      aWeekOfCarT();
      for (let index = 0; index < 7; index += 1) await reader(`r${index}`, ['car-t']);
      await planDigest(
        { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50 },
        { ...deps, queue, subscribers, plannerCursor },
      );
      const concurrent = { ...deps, settings: { ...deps.settings, concurrency: 3 } };
      let calls = 0;
      const quotaOnThird = {
        send: async (email: Parameters<typeof mailer.send>[0]) => {
          calls += 1;
          if (calls === 3) throw new MailQuotaExceededError('Daily message quota exceeded');
          return mailer.send(email);
        },
      };

      const stopped = await deliverJob(queue.jobs[0]!, { ...concurrent, mailer: quotaOnThird }, run());
      const resumed = await deliverJob(stopped.remaining!, concurrent, run());

      expect(stopped.interruption).toBe('quota');
      expect(stopped.sent + stopped.remaining!.recipients.length).toBe(7);
      expect(resumed).toMatchObject({ sent: 7 - stopped.sent, remaining: undefined });
      expect(new Set(mailer.sent.map((email) => email.to)).size).toBe(7);
      expect(mailer.sent).toHaveLength(7);
    });

    it('hands the unsent recipients on when the sender is about to run out of time', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await reader('b', ['car-t']);
      await plan();

      const outcome = await deliverJob(
        queue.jobs[0]!,
        deps,
        run({ shouldYield: () => mailer.sent.length >= 1 }),
      );

      expect(outcome).toMatchObject({ sent: 1, interruption: 'deadline' });
      expect(outcome.remaining!.recipients).toEqual(queue.digestJobs[0]!.recipients.slice(1));
    });

    it('hands the job on unsent when SES stays unavailable, stops the run, and the continuation sends it', async () => {
      aWeekOfCarT();
      for (const name of ['a', 'b', 'c']) await reader(name, ['car-t']);
      await plan();
      const shared = run();
      mailer.failWith.push(...Array.from({ length: 3 }, () => new MailUnavailableError('503')));

      const first = await deliverJob(queue.jobs[0]!, deps, shared);
      const second = await deliverJob(queue.jobs[1]!, deps, shared);
      const continued = await deliverJob(first.remaining!, deps);

      expect(shared.stoppedBy).toBe('unavailable');
      expect(first).toMatchObject({ sent: 0, failed: 0, interruption: 'unavailable' });
      expect(first.remaining!.recipients).toEqual(queue.digestJobs[0]!.recipients);
      expect(second).toMatchObject({ sent: 0, interruption: 'unavailable' });
      expect(mailer.sent.map((email) => email.to)).toHaveLength(2);
      expect(continued).toMatchObject({ sent: 2, remaining: undefined, interruption: undefined });
    });

    it('stops the run at a problem with SES’s setup and leaves every reader unsent, not failed', async () => {
      aWeekOfCarT();
      for (const name of ['a', 'b', 'c']) await reader(name, ['car-t']);
      await plan();
      const shared = run();
      mailer.failWith.push(
        new MailConfigurationError(
          'identity-not-verified',
          'SES: MessageRejected: Email address is not verified.',
        ),
      );

      const first = await deliverJob(queue.jobs[0]!, deps, shared);
      const second = await deliverJob(queue.jobs[1]!, deps, shared);
      const ledgerAfter = await ledger.listForDigest('weekly-2026-W48');
      const resumed = await deliverJob(first.remaining!, deps);

      expect(shared).toMatchObject({
        stoppedBy: 'configuration',
        configurationProblem: 'identity-not-verified',
      });
      expect(first).toMatchObject({ sent: 0, failed: 0, interruption: 'configuration' });
      expect(first.remaining!.recipients).toHaveLength(2);
      expect(second).toMatchObject({ sent: 0, failed: 0, interruption: 'configuration' });
      expect(second.remaining!.recipients).toHaveLength(1);
      expect(ledgerAfter.map((record) => record.status)).toEqual(['claimed']);
      expect(ledgerAfter[0]!.leaseUntil! < clock.now().toISOString()).toBe(true);
      expect(resumed).toMatchObject({ sent: 2, failed: 0 });
    });

    it('leaves the claim of a sender that crashed mid-send to its lease, then another sender takes it over', async () => {
      aWeekOfCarT();
      await reader('a', ['car-t']);
      await plan();
      mailer.failWith.push(new Error('process killed'));

      await expect(deliverJob(queue.jobs[0]!, deps)).rejects.toThrow('process killed');
      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, skipped: 1 });
      clock.advance(deps.settings.leaseMs + 1);
      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 1 });
      expect(mailer.sent).toHaveLength(1);
    });

    it('repairs the reader’s window when a send was recorded in the ledger but not on the reader', async () => {
      aWeekOfCarT();
      const a = await reader('a', ['car-t']);
      await plan();
      const job = queue.digestJobs[0]!;
      await ledger.claim({ digestId: job.digestId, subscriberId: a.subscriberId }, clock.now(), 60_000);
      await ledger.markSent({ digestId: job.digestId, subscriberId: a.subscriberId }, 'ses-1', clock.now());

      expect(await deliverJob(job, deps)).toMatchObject({ sent: 0, skipped: 1 });
      expect((await subscribers.get(a.subscriberId))?.lastDigestId).toBe('weekly-2026-W48');
      expect(mailer.sent).toHaveLength(0);
    });

    it('does not mail a reader who unsubscribed after planning', async () => {
      aWeekOfCarT();
      const a = await reader('a', ['car-t']);
      await plan();
      await subscribers.setStatus(a.subscriberId, 'unsubscribed', clock.now());

      expect(await deliverJob(queue.jobs[0]!, deps)).toMatchObject({ sent: 0, skipped: 1 });
      expect(mailer.sent).toHaveLength(0);
    });

    it('does not send a selection made for other topics: the reader is planned again with their new ones', async () => {
      aWeekOfCarT();
      articles.add(anArticle({ firstSeenAt: '2026-11-22T00:00:00Z', topics: { melanoma: 3 } }));
      const a = await reader('a', ['car-t']);
      await plan();
      await subscribers.updateProfile(a.subscriberId, { topics: ['melanoma'] }, clock.now());

      const outcome = await deliverJob(queue.jobs[0]!, deps);
      queue.jobs.length = 0;
      const replanned = await plan();

      expect(outcome).toMatchObject({ sent: 0, skipped: 1 });
      expect(replanned.planned).toBe(1);
      expect((queue.jobs[0] as DigestJob).sections.map((section) => section.topic)).toEqual(['melanoma']);
    });
  });
});
