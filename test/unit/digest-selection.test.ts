import { describe, expect, it } from 'vitest';
import { selectArticles, selectionKey } from '../../functions/core/digest/select.ts';
import { isDue, slotHasPassed, weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { anArticle, testSubscriberIds } from '../../testkit/fakes.ts';

const now = new Date('2026-11-26T12:00:00Z');
const limits = { maxPerTopic: 5, maxArticles: 25 };

describe('selectArticles', () => {
  it('puts each article once, in the section of its best-scoring topic among the reader’s', () => {
    const both = anArticle({ topics: { 'car-t': 2, leukemia: 6 } });
    const cart = anArticle({ topics: { 'car-t': 4 } });

    const selection = selectArticles([both, cart], ['car-t', 'leukemia'], limits, now);

    expect(selection.sections).toEqual([
      { topic: 'car-t', articles: [{ articleId: cart.id, matchedTopics: ['car-t'] }] },
      { topic: 'leukemia', articles: [{ articleId: both.id, matchedTopics: ['car-t', 'leukemia'] }] },
    ]);
  });

  it('leaves out other topics and irrelevant articles', () => {
    const melanoma = anArticle({ topics: { melanoma: 5 } });
    const irrelevant = anArticle({ topics: { 'car-t': 5 }, relevant: false });

    expect(selectArticles([melanoma, irrelevant], ['car-t'], limits, now).sections).toEqual([]);
  });

  it('keeps at most maxPerTopic per section and maxArticles in all, best first', () => {
    const articles = Array.from({ length: 12 }, (_, index) =>
      anArticle({ topics: { vaccines: index + 1, autoimmune: index + 1 } }),
    );

    const selection = selectArticles(
      articles,
      ['vaccines', 'autoimmune'],
      { maxPerTopic: 5, maxArticles: 4 },
      now,
    );

    const ids = selection.sections.flatMap((section) => section.articles.map((article) => article.articleId));
    expect(ids).toHaveLength(4);
    expect(ids).toEqual(
      articles
        .slice(-4)
        .reverse()
        .map((article) => article.id),
    );
  });

  it('ranks a heavier source and a fresher article higher at equal topic score', () => {
    const old = anArticle({ topics: { access: 2 }, publishedAt: '2026-10-01T00:00:00Z' });
    const fresh = anArticle({ topics: { access: 2 }, publishedAt: '2026-11-25T00:00:00Z' });
    const weighty = anArticle({
      topics: { access: 2 },
      publishedAt: '2026-10-01T00:00:00Z',
      sources: [{ sourceId: 'nci', sourceName: 'NCI', weight: 2 }],
    });

    const order = selectArticles([old, fresh, weighty], ['access'], limits, now).sections[0]!.articles.map(
      (a) => a.articleId,
    );

    expect(order).toEqual([weighty.id, fresh.id, old.id]);
  });

  it('gives identical selections the same key and different ones different keys', () => {
    const article = anArticle();
    const a = selectArticles([article], ['car-t'], limits, now);
    const b = selectArticles([article], ['car-t', 'melanoma'], limits, now);
    const c = selectArticles([article], ['car-t', 'leukemia'], limits, now);

    expect(selectionKey(a)).toBe(selectionKey(b));
    expect(selectionKey(a)).toBe(selectionKey(c));
    expect(selectionKey(a)).not.toBe(
      selectionKey(selectArticles([article, anArticle()], ['car-t'], limits, now)),
    );
  });
});

describe('the weekly schedule', () => {
  const reader = (weekday: number, hour: number, timeZone: string) => ({
    ...newSubscriber(
      {
        email: 'a@example.org',
        topics: ['car-t'],
        status: 'confirmed',
        delivery: { weekday, hour, timeZone },
      },
      now,
      testSubscriberIds,
    ),
  });

  it('names the week in the reader’s zone', () => {
    // Sunday 23:30 in UTC is already Monday of the next ISO week in Tokyo.
    const sundayNight = new Date('2026-11-29T23:30:00Z');

    expect(weeklyDigestId({ weekday: 1, hour: 8, timeZone: 'UTC' }, sundayNight)).toBe('weekly-2026-W48');
    expect(weeklyDigestId({ weekday: 1, hour: 8, timeZone: 'Asia/Tokyo' }, sundayNight)).toBe(
      'weekly-2026-W49',
    );
  });

  it('is due once the slot has passed in the reader’s zone, and catches up later in the week', () => {
    const mondayEightNewYork = reader(1, 8, 'America/New_York');

    expect(slotHasPassed(mondayEightNewYork.delivery, new Date('2026-11-23T12:59:00Z'))).toBe(false);
    expect(slotHasPassed(mondayEightNewYork.delivery, new Date('2026-11-23T13:00:00Z'))).toBe(true);
    expect(isDue(mondayEightNewYork, new Date('2026-11-26T12:00:00Z'))).toBe(true);
  });

  // Found by the chaos soak: the slot hour was added to midnight as elapsed time, so on a
  // clock-change Sunday a 13:00 slot began at 14:00 (spring) and the digest came an hour late.
  it('begins the slot at the reader’s clock hour on a day the clocks change', () => {
    const sundayOnePmNewYork = { weekday: 7, hour: 13, timeZone: 'America/New_York' };
    const sundayTenAmLondon = { weekday: 7, hour: 10, timeZone: 'Europe/London' };
    const sundayTwoAmNewYork = { weekday: 7, hour: 2, timeZone: 'America/New_York' };

    // 8 March 2026: New York springs forward at 02:00 (EST → EDT); 13:00 EDT is 17:00 UTC.
    expect(slotHasPassed(sundayOnePmNewYork, new Date('2026-03-08T16:59:00Z'))).toBe(false);
    expect(slotHasPassed(sundayOnePmNewYork, new Date('2026-03-08T17:00:00Z'))).toBe(true);
    // 25 October 2026: London falls back at 02:00 (BST → GMT); 10:00 GMT is 10:00 UTC.
    expect(slotHasPassed(sundayTenAmLondon, new Date('2026-10-25T09:59:00Z'))).toBe(false);
    expect(slotHasPassed(sundayTenAmLondon, new Date('2026-10-25T10:00:00Z'))).toBe(true);
    // 02:00 does not exist that day in New York: the slot begins when the clock jumps to 03:00 EDT.
    expect(slotHasPassed(sundayTwoAmNewYork, new Date('2026-03-08T06:59:00Z'))).toBe(false);
    expect(slotHasPassed(sundayTwoAmNewYork, new Date('2026-03-08T07:00:00Z'))).toBe(true);
  });

  it('is not due twice in a week, nor while a recent plan is still being sent', () => {
    const base = reader(1, 8, 'UTC');

    expect(isDue({ ...base, lastDigestId: 'weekly-2026-W48' }, now)).toBe(false);
    expect(
      isDue({ ...base, plannedDigestId: 'weekly-2026-W48', plannedAt: '2026-11-26T11:00:00Z' }, now),
    ).toBe(false);
    expect(
      isDue({ ...base, plannedDigestId: 'weekly-2026-W48', plannedAt: '2026-11-24T11:00:00Z' }, now),
    ).toBe(true);
  });

  it('is never due for a reader who is not confirmed or paused', () => {
    const base = reader(1, 8, 'UTC');

    for (const status of ['pending', 'unsubscribed', 'bounced', 'complained'] as const) {
      expect(isDue({ ...base, status }, now, { ignoreSlot: true })).toBe(false);
    }
    expect(isDue({ ...base, paused: true }, now, { ignoreSlot: true })).toBe(false);
  });
});
