import { beforeAll, describe, expect, it } from 'vitest';
import { handOn } from '../../functions/core/delivery/hand-on.ts';
import type { JobOutcome } from '../../functions/core/delivery/deliver-job.ts';
import { prepareDigestBatch } from '../../functions/core/delivery/prepare-batch.ts';
import type { DigestJob } from '../../functions/core/delivery/send-job.ts';
import { STALL_HORIZON_MS } from '../../functions/core/delivery/send-policy.ts';
import type { EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { anArticle, FakeArticleStore } from '../../testkit/fakes.ts';
import { createTestRenderer } from '../helpers/digest-fixture.ts';

const NOW = new Date('2026-11-23T09:00:00Z');

const aDigestJob = (fields: Partial<DigestJob> = {}): DigestJob => ({
  kind: 'digest',
  version: 1,
  digestId: 'weekly-2026-W48',
  groupKey: 'group-1',
  windowEnd: '2026-11-23T09:00:00.000Z',
  sections: [{ topic: 'car-t', articles: [{ articleId: 'article-a', matchedTopics: ['car-t'] }] }],
  recipients: [
    { subscriberId: 'subscriber-000001', topicsKey: 'car-t' },
    { subscriberId: 'subscriber-000002', topicsKey: 'car-t' },
  ],
  ...fields,
});

const outcomeOf = (job: DigestJob, fields: Partial<JobOutcome>): JobOutcome => ({
  sent: 0,
  skipped: 0,
  failed: 0,
  remaining: { ...job, recipients: job.recipients.slice(1) },
  interruption: undefined,
  ...fields,
});

describe('handing a job on', () => {
  it('does nothing for a job that ended as planned', () => {
    const job = aDigestJob();

    expect(handOn(job, outcomeOf(job, { sent: 2, remaining: undefined }), NOW)).toEqual({ action: 'done' });
  });

  it('continues a job cut short by the deadline at once, with no stall', () => {
    const job = aDigestJob({ stalled: { since: '2026-11-23T08:00:00.000Z', handOns: 3 } });

    const next = handOn(job, outcomeOf(job, { sent: 0, interruption: 'deadline' }), NOW);

    expect(next).toEqual({
      action: 'continue',
      job: { ...aDigestJob(), recipients: job.recipients.slice(1) },
      delaySeconds: 0,
    });
  });

  it('continues a job SES refused after a backoff that grows with each hand-on in a row', () => {
    const job = aDigestJob();
    const first = handOn(job, outcomeOf(job, { interruption: 'unavailable' }), NOW, () => 1);
    if (first.action !== 'continue') throw new Error('expected a continuation');
    const later = new Date(NOW.getTime() + first.delaySeconds * 1000);

    const second = handOn(
      first.job,
      outcomeOf(first.job as DigestJob, { interruption: 'unavailable' }),
      later,
      () => 1,
    );

    expect(first).toMatchObject({
      delaySeconds: 60,
      job: { stalled: { since: NOW.toISOString(), handOns: 1 } },
    });
    expect(second).toMatchObject({
      delaySeconds: 120,
      job: { stalled: { since: NOW.toISOString(), handOns: 2 } },
    });
  });

  it('starts the stall again when the job got some emails through', () => {
    const job = aDigestJob({ stalled: { since: '2026-11-22T09:00:00.000Z', handOns: 40 } });

    const next = handOn(job, outcomeOf(job, { sent: 1, interruption: 'throttled' }), NOW, () => 0);

    expect(next).toMatchObject({
      action: 'continue',
      delaySeconds: 5,
      job: { stalled: { since: NOW.toISOString(), handOns: 1 } },
    });
  });

  it('gives a job up once SES has taken none of its emails for a day, but never at the daily quota', () => {
    const since = new Date(NOW.getTime() - STALL_HORIZON_MS).toISOString();
    const job = aDigestJob({ stalled: { since, handOns: 130 } });

    expect(handOn(job, outcomeOf(job, { interruption: 'unavailable' }), NOW)).toEqual({
      action: 'give-up',
      stalled: { since, handOns: 131 },
    });
    expect(handOn(job, outcomeOf(job, { interruption: 'configuration' }), NOW)).toMatchObject({
      action: 'give-up',
    });
    expect(handOn(job, outcomeOf(job, { interruption: 'quota' }), NOW)).toMatchObject({
      action: 'continue',
      delaySeconds: 900,
    });
  });
});

describe('preparing a batch of digest jobs', () => {
  let renderer: EmailRenderer;

  beforeAll(async () => {
    renderer = await createTestRenderer();
  });

  /** Articles that fail to read whenever a read asks for `broken`. */
  class BrokenReadArticles extends FakeArticleStore {
    readonly reads: string[][] = [];
    constructor(private readonly broken: string) {
      super();
    }
    override async getMany(ids: readonly string[]) {
      this.reads.push([...ids]);
      if (ids.includes(this.broken)) throw new Error(`cannot read ${this.broken}`);
      return super.getMany(ids);
    }
  }

  const jobFor = (articleId: string, groupKey: string) =>
    aDigestJob({
      groupKey,
      sections: [{ topic: 'car-t', articles: [{ articleId, matchedTopics: ['car-t'] }] }],
    });

  it('reads and renders the whole batch together when it can', async () => {
    const articles = new BrokenReadArticles('none');
    articles.add(anArticle({ id: 'article-1' }), anArticle({ id: 'article-2' }));
    const jobs = [jobFor('article-1', 'group-1'), jobFor('article-2', 'group-2')];

    const prepared = await prepareDigestBatch(jobs, { articles, renderer, logger: silentLogger });

    expect(articles.reads).toEqual([['article-1', 'article-2']]);
    expect(jobs.map((job) => prepared.get(job)?.ready)).toEqual([true, true]);
  });

  it('fails only the job whose articles cannot be read; the other four are ready', async () => {
    const articles = new BrokenReadArticles('article-3');
    const ids = ['article-1', 'article-2', 'article-3', 'article-4', 'article-5'];
    articles.add(...ids.map((id) => anArticle({ id })));
    const jobs = ids.map((id, index) => jobFor(id, `group-${index}`));

    const prepared = await prepareDigestBatch(jobs, { articles, renderer, logger: silentLogger });

    expect(jobs.map((job) => prepared.get(job)?.ready)).toEqual([true, true, false, true, true]);
    const broken = prepared.get(jobs[2]!);
    expect(broken?.ready === false && String(broken.error)).toContain('cannot read article-3');
    const ready = prepared.get(jobs[0]!);
    expect(ready?.ready && ready.input.articles.get('article-1')?.id).toBe('article-1');
  });
});
