import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { loadListStats } from '../../functions/core/list-health/dashboard.ts';
import { isoWeekOf } from '../../functions/core/list-health/reader-counts.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { DeliveryKey } from '../../functions/model/deliveries.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { aCandidate } from '../helpers/articles.ts';
import { createTestWorld } from '../helpers/test-context.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const DAY_MS = 86_400_000;

/**
 * The dashboard on a seeded world of the real stand-ins: its reader counts are the subscriber
 * table's, its emails per week the ledger's, its rates the bounces and complaints recorded over the
 * emails sent, and its feed health the source states and the articles stored.
 */
describe('the list-health dashboard', () => {
  let world: TestWorld;
  const now = new Date();
  const thisWeek = `weekly-${isoWeekOf(now)}`;
  const lastWeek = `weekly-${isoWeekOf(new Date(now.getTime() - 7 * DAY_MS))}`;

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN } });
    const { context } = world;
    const cast: [string, TopicId[], SubscriberStatus, boolean?][] = [
      ['a', ['car-t'], 'confirmed'],
      ['b', ['car-t', 'melanoma'], 'confirmed'],
      ['c', ['leukemia'], 'confirmed'],
      ['d', ['melanoma'], 'confirmed', true],
      ['e', ['car-t'], 'unsubscribed'],
      ['f', ['car-t'], 'pending'],
    ];
    const joined = new Date(now.getTime() - 40 * DAY_MS);
    for (const [name, topics, status, paused] of cast) {
      const reader = newSubscriber(
        { email: world.email(name), topics, status },
        joined,
        context.subscriberIds,
      );
      await context.subscribers.create({ ...reader, ...(paused ? { paused: true } : {}) });
    }
    // SES's events: one reader bounced two days ago, one complained 20 days ago, and an address
    // with no reader (a confirmation) bounced yesterday; one reader asked to be erased.
    const idOf = (name: string) => context.subscriberIds.idFor(world.email(name));
    const bouncer = newSubscriber(
      { email: world.email('g'), topics: ['car-t'], status: 'confirmed' },
      joined,
      context.subscriberIds,
    );
    await context.subscribers.create(bouncer);
    await context.subscribers.setStatus(
      bouncer.subscriberId,
      'bounced',
      new Date(now.getTime() - 2 * DAY_MS),
    );
    const complainer = newSubscriber(
      { email: world.email('h'), topics: ['car-t'], status: 'confirmed' },
      joined,
      context.subscriberIds,
    );
    await context.subscribers.create(complainer);
    await context.subscribers.setStatus(
      complainer.subscriberId,
      'complained',
      new Date(now.getTime() - 20 * DAY_MS),
    );
    await context.subscribers.suppress(idOf('stranger'), 'bounced', new Date(now.getTime() - DAY_MS));
    const leaver = newSubscriber(
      { email: world.email('i'), topics: ['car-t'], status: 'confirmed' },
      joined,
      context.subscriberIds,
    );
    await context.subscribers.create(leaver);
    await context.subscribers.erase(leaver.subscriberId, now);

    // The ledger: this week 3 sent (a day ago), 1 skipped, 1 failed; last week 4 sent (10 days ago).
    const settle = async (key: DeliveryKey, outcome: 'sent' | 'skipped' | 'failed', at: Date) => {
      // The planner records "nothing new" without a claim; a send claims first.
      if (outcome !== 'skipped') await context.ledger.claim(key, at, 60_000);
      if (outcome === 'sent') await context.ledger.markSent(key, `m-${key.subscriberId}`, at);
      if (outcome === 'skipped') await context.ledger.markSkipped(key, 'nothing new', at);
      if (outcome === 'failed') await context.ledger.markFailed(key, 'rejected', at);
    };
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const tenDaysAgo = new Date(now.getTime() - 10 * DAY_MS);
    for (const [index, outcome] of (['sent', 'sent', 'sent', 'skipped', 'failed'] as const).entries()) {
      await settle({ digestId: thisWeek, subscriberId: `reader-${index}` }, outcome, dayAgo);
    }
    for (let index = 0; index < 4; index += 1) {
      await settle({ digestId: lastWeek, subscriberId: `reader-${index}` }, 'sent', tenDaysAgo);
    }

    // Feed health: one source failed twice after its last success; another brought two articles.
    const [first, second] = context.sources.filter((source) => source.enabled);
    await context.sourceState.recordSuccess(first!.id, new Date(now.getTime() - 3 * DAY_MS), {});
    await context.sourceState.recordFailure(first!.id, new Date(now.getTime() - 2 * DAY_MS), 'HTTP 503');
    await context.sourceState.recordFailure(first!.id, new Date(now.getTime() - DAY_MS), 'HTTP 503');
    await context.sourceState.recordSuccess(second!.id, dayAgo, {});
    const ref = { sourceId: second!.id, sourceName: second!.name, weight: 1 };
    await context.articles.upsert(aCandidate({ 'car-t': 0.9 }, { source: ref }), dayAgo);
    await context.articles.upsert(
      aCandidate({ 'car-t': 0.9 }, { source: ref }),
      new Date(now.getTime() - 12 * DAY_MS),
    );
  });

  afterAll(() => world.stop());

  it('counts readers as the subscriber table holds them, by status and by topic', async () => {
    const stats = await loadListStats(world.context);

    expect(stats.readers.byState).toEqual({
      confirmed: 3,
      paused: 1,
      pending: 1,
      unsubscribed: 1,
      bounced: 2,
      complained: 1,
      erased: 1,
    });
    // Confirmed, not paused: a (car-t), b (car-t, melanoma), c (leukemia).
    expect(stats.readers.byTopic).toEqual({ 'car-t': 2, melanoma: 1, leukemia: 1 });
    const confirmedInTable = await world.context.subscribers.listConfirmed();
    expect(stats.readers.byState.confirmed + stats.readers.byState.paused).toBe(confirmedInTable.length);
    // This week's count is kept for the 12-week history.
    expect(stats.history).toHaveLength(12);
    expect(stats.history.at(-1)).toEqual({ week: isoWeekOf(now), counts: stats.readers });
    expect(await world.context.weeklyCounts.has(isoWeekOf(now))).toBe(true);
  });

  it('gives the emails of each digest week as the ledger counts them', async () => {
    const stats = await loadListStats(world.context);

    const weekOf = (digestId: string) => stats.digestWeeks.find((week) => week.digestId === digestId);
    expect(weekOf(thisWeek)).toEqual({ digestId: thisWeek, sent: 3, skipped: 1, failed: 1, inFlight: 0 });
    expect(weekOf(lastWeek)).toEqual({ digestId: lastWeek, sent: 4, skipped: 0, failed: 0, inFlight: 0 });
    for (const week of stats.digestWeeks) {
      const ledger = await world.context.ledger.countByStatus(week.digestId);
      expect([week.sent, week.skipped, week.failed, week.inFlight]).toEqual([
        ledger.sent,
        ledger.skipped,
        ledger.failed,
        ledger.claimed,
      ]);
    }
    expect(stats.digestWeeks[0]!.digestId).toBe(thisWeek);
  });

  it('puts bounce and complaint rates over 7 and 30 days beside SES’s thresholds, warning above half', async () => {
    const stats = await loadListStats(world.context);

    const [week, month] = stats.deliverability;
    // 7 days: 3 sent, 2 hard bounces (a reader, a confirmation), no complaint.
    expect(week).toMatchObject({
      days: 7,
      sent: 3,
      bounce: { events: 2, level: 'review' },
      complaint: { events: 0, level: 'ok' },
    });
    expect(week!.bounce.rate).toBeCloseTo(2 / 3);
    // 30 days: 7 sent, 2 bounces, 1 complaint.
    expect(month).toMatchObject({
      days: 30,
      sent: 7,
      bounce: { events: 2 },
      complaint: { events: 1, level: 'review' },
    });
    expect(month!.bounce).toMatchObject({ warnAt: 0.025, sesReviewAt: 0.05 });
    expect(month!.complaint).toMatchObject({ warnAt: 0.0005, sesReviewAt: 0.001 });
  });

  it('reports each source’s health: failures in a row, last error, items in 7 and 30 days', async () => {
    const stats = await loadListStats(world.context);
    const [first, second] = world.context.sources.filter((source) => source.enabled);

    const failing = stats.feeds.find((feed) => feed.sourceId === first!.id);
    expect(failing).toMatchObject({ status: 'failing', consecutiveFailures: 2, lastError: 'HTTP 503' });
    const fed = stats.feeds.find((feed) => feed.sourceId === second!.id);
    expect(fed).toMatchObject({ status: 'ok', items7d: 1, items30d: 2, consecutiveFailures: 0 });
    expect(stats.feeds).toHaveLength(world.context.sources.filter((source) => source.enabled).length);
    expect(stats.deadLetterDepth).toBe(0);
  });

  it('serves the same figures at GET /admin/stats and on the admin home page, only to an admin', async () => {
    const api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };

    const json = await api.request('/admin/stats', { headers });
    const page = await api.request('/admin', { headers });
    const anonymous = await api.request('/admin/stats');

    expect(json.status).toBe(200);
    const stats = (await json.json()) as Awaited<ReturnType<typeof loadListStats>>;
    expect(stats.readers.byState.confirmed).toBe(3);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Dashboard</h1>');
    expect(html).toMatch(/<svg class="chart"[^>]*role="img"/);
    expect(html).not.toContain(world.email('a'));
    expect(anonymous.status).toBe(401);
  });

  it('records each planning run in the run log, and takes the week’s reader counts once', async () => {
    const quiet = await createTestWorld();
    try {
      await planDigestOnce(quiet.context);
      await planDigestOnce(quiet.context, { dryRun: true });

      const runs = await quiet.context.runLog.latest('plan-digest');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ kind: 'plan-digest', counts: { planned: 0, due: 0 } });
      expect(await quiet.context.weeklyCounts.has(isoWeekOf(quiet.context.clock.now()))).toBe(true);
    } finally {
      quiet.stop();
    }
  });
});
