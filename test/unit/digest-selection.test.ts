import { describe, expect, it } from 'vitest';
import { selectArticles, selectionKey } from '../../functions/core/digest/select.ts';
import { isDue, slotHasPassed, weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { anArticle } from '../../testkit/fakes.ts';

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

    const selection = selectArticles([melanoma, irrelevant], ['car-t'], limits, now);

    expect(selection.sections).toEqual([]);
    expect(selection.quietTopics).toEqual(['car-t']);
  });

  // Issue 14, finding 1: a reader of checkpoint inhibitors + lung cancer got five checkpoint
  // articles and no lung-cancer section. The lung-cancer articles scored higher on checkpoint
  // inhibitors, so their best section was checkpoint's; once it was full they were dropped
  // instead of going to the reader's next matching topic.
  it('keeps a section for every chosen topic when articles score higher on another (finding 1)', () => {
    const checkpointOnly = Array.from({ length: 6 }, () =>
      anArticle({ topics: { 'checkpoint-inhibitors': 5 } }),
    );
    const lungAndCheckpoint = Array.from({ length: 5 }, () =>
      anArticle({ topics: { 'checkpoint-inhibitors': 6, 'lung-cancer': 3 } }),
    );

    const selection = selectArticles(
      [...checkpointOnly, ...lungAndCheckpoint],
      ['checkpoint-inhibitors', 'lung-cancer'],
      limits,
      now,
    );

    expect(selection.sections.map((section) => [section.topic, section.articles.length])).toEqual([
      ['checkpoint-inhibitors', 5],
      ['lung-cancer', 5],
    ]);
    expect(selection.quietTopics).toEqual([]);
    const ids = selection.sections.flatMap((section) => section.articles.map((article) => article.articleId));
    expect(new Set(ids).size).toBe(10);
  });

  it('moves an article to the reader’s next matching topic when its best section is full', () => {
    const melanoma = Array.from({ length: 3 }, () => anArticle({ topics: { melanoma: 6 } }));
    const alsoCombination = anArticle({ topics: { melanoma: 5, 'combination-therapy': 2 } });

    const selection = selectArticles(
      [...melanoma, alsoCombination],
      ['melanoma', 'combination-therapy'],
      { maxPerTopic: 3, maxArticles: 25 },
      now,
    );

    expect(selection.sections).toEqual([
      {
        topic: 'melanoma',
        articles: melanoma.map((a) => ({ articleId: a.id, matchedTopics: ['melanoma'] })),
      },
      {
        topic: 'combination-therapy',
        articles: [{ articleId: alsoCombination.id, matchedTopics: ['melanoma', 'combination-therapy'] }],
      },
    ]);
  });

  it('moves sections along a chain to free an article for a topic that has no other', () => {
    // Melanoma's only article fits leukemia better; leukemia's other article is CAR-T's best; CAR-T
    // has one more. Each moves one step, and all three topics get a section.
    const melanomaOnly = anArticle({ topics: { leukemia: 9, melanoma: 1 } });
    const leukemiaNext = anArticle({ topics: { 'car-t': 9, leukemia: 1 } });
    const cartNext = anArticle({ topics: { 'car-t': 2 } });

    const selection = selectArticles(
      [melanomaOnly, leukemiaNext, cartNext],
      ['car-t', 'leukemia', 'melanoma'],
      limits,
      now,
    );

    expect(
      selection.sections.map((section) => [section.topic, section.articles.map((a) => a.articleId)]),
    ).toEqual([
      ['car-t', [cartNext.id]],
      ['leukemia', [leukemiaNext.id]],
      ['melanoma', [melanomaOnly.id]],
    ]);
  });

  it('gives a topic whose only article another section took first that article, when the other has more', () => {
    // The one lung-cancer article scores higher on checkpoint inhibitors and would be their pick;
    // checkpoint inhibitors have other articles, so lung cancer gets it.
    const onlyLung = anArticle({ topics: { 'checkpoint-inhibitors': 9, 'lung-cancer': 1 } });
    const checkpoint = anArticle({ topics: { 'checkpoint-inhibitors': 2 } });

    const selection = selectArticles(
      [onlyLung, checkpoint],
      ['checkpoint-inhibitors', 'lung-cancer'],
      limits,
      now,
    );

    expect(
      selection.sections.map((section) => [section.topic, section.articles.map((a) => a.articleId)]),
    ).toEqual([
      ['checkpoint-inhibitors', [checkpoint.id]],
      ['lung-cancer', [onlyLung.id]],
    ]);
  });

  it('lists the chosen topics with nothing in the window as quiet, in topic order', () => {
    const cart = anArticle({ topics: { 'car-t': 3 } });

    const selection = selectArticles([cart], ['lung-cancer', 'car-t', 'melanoma'], limits, now);

    expect(selection.sections.map((section) => section.topic)).toEqual(['car-t']);
    expect(selection.quietTopics).toEqual(['melanoma', 'lung-cancer']);
  });

  it('shares maxArticles between the sections in turns, best first, and keeps at most maxPerTopic per section', () => {
    // Twelve articles equally about both topics: the sections take turns, and a tie goes to the
    // earlier topic (vaccines) while the other takes its next best.
    const articles = Array.from({ length: 12 }, (_, index) =>
      anArticle({ topics: { vaccines: index + 1, autoimmune: index + 1 } }),
    );
    const best = articles.slice(-4).reverse();

    const selection = selectArticles(
      articles,
      ['vaccines', 'autoimmune'],
      { maxPerTopic: 5, maxArticles: 4 },
      now,
    );

    expect(selection.sections).toEqual([
      {
        topic: 'vaccines',
        articles: [best[0]!, best[2]!].map((a) => ({
          articleId: a.id,
          matchedTopics: ['vaccines', 'autoimmune'],
        })),
      },
      {
        topic: 'autoimmune',
        articles: [best[1]!, best[3]!].map((a) => ({
          articleId: a.id,
          matchedTopics: ['vaccines', 'autoimmune'],
        })),
      },
    ]);
    const oneTopic = selectArticles(articles, ['vaccines'], { maxPerTopic: 5, maxArticles: 25 }, now);
    expect(oneTopic.sections[0]!.articles.map((a) => a.articleId)).toEqual(
      articles
        .slice(-5)
        .reverse()
        .map((a) => a.id),
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
    const other = anArticle();
    const a = selectArticles([article, other], ['car-t'], limits, now);
    const b = selectArticles([other, article], ['car-t'], limits, now);

    expect(selectionKey(a)).toBe(selectionKey(b));
    expect(selectionKey(a)).not.toBe(selectionKey(selectArticles([article], ['car-t'], limits, now)));
    // Another topic with nothing new is a quiet line in the email: another digest.
    expect(selectionKey(a)).not.toBe(
      selectionKey(selectArticles([article, other], ['car-t', 'melanoma'], limits, now)),
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
