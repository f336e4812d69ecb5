import { beforeEach, describe, expect, it } from 'vitest';
import {
  ARCHIVE_PAGE_WEEKS,
  buildEdition,
  isPublished,
  listEditions,
  loadEdition,
  OLDEST_EDITION_WEEKS,
  publishedWeeks,
  weekIdOf,
  weekRange,
  type ArchiveDependencies,
} from '../../functions/core/archive/editions.ts';
import { anArticle, FakeArticleStore, FakeEditionStore, ManualClock } from '../../testkit/fakes.ts';

const LIMITS = { maxPerTopic: 2, maxArticles: 24 };

describe('ISO weeks of the archive', () => {
  it.each([
    ['2026-11-23T00:00:00.001Z', '2026-W48'],
    ['2026-11-29T23:59:59.999Z', '2026-W48'],
    ['2027-01-01T12:00:00Z', '2026-W53'],
    ['2024-12-30T12:00:00Z', '2025-W01'],
  ])('puts %s in %s (UTC)', (at, week) => {
    expect(weekIdOf(new Date(at))).toBe(week);
  });

  it('knows where a week starts and ends', () => {
    expect(weekRange('2026-W48')).toEqual({
      weekId: '2026-W48',
      start: new Date('2026-11-23T00:00:00Z'),
      end: new Date('2026-11-30T00:00:00Z'),
    });
  });

  it.each(['2026-W54', '2025-W53', '2026-W00', '2026-w48', '2026-W4', 'W48', '', '2026-W48x', '../etc'])(
    'refuses %j',
    (weekId) => {
      expect(weekRange(weekId)).toBeUndefined();
    },
  );

  it('publishes a week an hour after it ends, and not beyond three years back', () => {
    const week = weekRange('2026-W48')!;

    expect(isPublished(week, new Date('2026-11-30T00:59:59Z'))).toBe(false);
    expect(isPublished(week, new Date('2026-11-30T01:00:00Z'))).toBe(true);
    expect(isPublished(week, new Date(week.end.getTime() + OLDEST_EDITION_WEEKS * 7 * 86_400_000))).toBe(
      false,
    );
  });

  it('lists published weeks newest first, and pages back from a given week', () => {
    const now = new Date('2026-11-30T00:30:00Z'); // week 48 ended half an hour ago: not out yet

    expect(publishedWeeks(now, 3).map((week) => week.weekId)).toEqual(['2026-W47', '2026-W46', '2026-W45']);
    expect(publishedWeeks(now, 2, weekRange('2026-W02')).map((week) => week.weekId)).toEqual([
      '2026-W01',
      '2025-W52',
    ]);
  });
});

describe('building an edition', () => {
  const week = weekRange('2026-W48')!;

  it('keeps the best articles of each topic first seen in the week, and nothing from outside it', () => {
    const articles = [
      anArticle({ id: 'strong', topics: { 'car-t': 9 }, firstSeenAt: '2026-11-24T10:00:00Z' }),
      anArticle({ id: 'middling', topics: { 'car-t': 5 }, firstSeenAt: '2026-11-25T10:00:00Z' }),
      anArticle({ id: 'weak', topics: { 'car-t': 2 }, firstSeenAt: '2026-11-25T10:00:00Z' }),
      anArticle({ id: 'melanoma', topics: { melanoma: 4 }, firstSeenAt: '2026-11-29T23:00:00Z' }),
      anArticle({ id: 'last-week', topics: { melanoma: 9 }, firstSeenAt: '2026-11-22T23:00:00Z' }),
      anArticle({
        id: 'off-topic',
        topics: { melanoma: 9 },
        relevant: false,
        firstSeenAt: '2026-11-24T10:00:00Z',
      }),
    ];

    const edition = buildEdition(week, articles, LIMITS, new Date('2026-12-01T00:00:00Z'));

    expect(edition).toMatchObject({
      weekId: '2026-W48',
      articleCount: 3,
      sections: [
        { topic: 'car-t', articleIds: ['strong', 'middling'] },
        { topic: 'melanoma', articleIds: ['melanoma'] },
      ],
    });
  });
});

describe('the archive over its stores', () => {
  let clock: ManualClock;
  let articles: FakeArticleStore;
  let editions: FakeEditionStore;
  let deps: ArchiveDependencies;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-12-02T12:00:00Z'));
    articles = new FakeArticleStore();
    editions = new FakeEditionStore();
    deps = { articles, editions, clock };
  });

  it('lists the weeks that have articles, builds each edition once, and keeps it', async () => {
    articles.add(
      anArticle({ id: 'w48', topics: { vaccines: 3 }, firstSeenAt: '2026-11-25T10:00:00Z' }),
      anArticle({ id: 'w46', topics: { access: 3 }, firstSeenAt: '2026-11-11T10:00:00Z' }),
      anArticle({ id: 'this-week', topics: { access: 3 }, firstSeenAt: '2026-12-01T10:00:00Z' }),
    );

    const page = await listEditions(LIMITS, deps);

    expect(page.editions.map((edition) => edition.weekId)).toEqual(['2026-W48', '2026-W46']);
    expect(editions.items.size).toBe(ARCHIVE_PAGE_WEEKS);
    expect(page.olderBefore).toBe(weekIdOf(new Date('2026-09-10T00:00:00Z')));

    // A finished week never changes: an article that turned up in it later is not added.
    articles.add(anArticle({ id: 'late', topics: { vaccines: 9 }, firstSeenAt: '2026-11-26T10:00:00Z' }));
    const again = await listEditions(LIMITS, deps);
    expect(again.editions[0]?.sections).toEqual([{ topic: 'vaccines', articleIds: ['w48'] }]);
  });

  it('ends the archive at a page of empty weeks', async () => {
    const page = await listEditions(LIMITS, deps, '2026-W10');

    expect(page).toEqual({ editions: [], olderBefore: undefined, before: '2026-W10' });
  });

  it('loads an edition with its articles, and refuses weeks that are not out', async () => {
    articles.add(anArticle({ id: 'w48', topics: { vaccines: 3 }, firstSeenAt: '2026-11-25T10:00:00Z' }));

    const edition = await loadEdition('2026-W48', LIMITS, deps);

    expect(edition?.sections.map((section) => section.articles.map((article) => article.id))).toEqual([
      ['w48'],
    ]);
    expect(await loadEdition('2026-W49', LIMITS, deps)).toBeUndefined();
    expect(await loadEdition('2026-W99', LIMITS, deps)).toBeUndefined();
    expect(editions.items.has('2026-W49')).toBe(false);
  });
});
