import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectArticles, type Selection } from '../../functions/core/digest/select.ts';
import type { Article } from '../../functions/model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';
import { anArticle } from '../../testkit/fakes.ts';

/**
 * The selection's promises over random weeks: random articles on a few overlapping topics (ties
 * and shared articles are common), random readers and limits. The expected sizes come from
 * min-cut formulas computed by brute force over topic subsets, not from another run of the
 * algorithm: a largest set of sections with distinct articles has
 * min over S of (|topics outside S| + |articles of S|) sections (König), and a fullest digest
 * min over S of (maxPerTopic × |topics outside S| + |articles of S|) articles (max-flow min-cut).
 */

const now = new Date('2026-11-26T12:00:00Z');
const POOL: readonly TopicId[] = ['car-t', 'checkpoint-inhibitors', 'leukemia', 'melanoma', 'lung-cancer'];
/** A topic no generated article is on: readers who chose it must get its quiet line. */
const NEVER: TopicId = 'kidney-cancer';

const articleArbitrary = fc.record({
  scores: fc.dictionary(fc.constantFrom(...POOL), fc.integer({ min: 1, max: 6 }), {
    minKeys: 1,
    maxKeys: 3,
  }),
  /** One article in ten is not relevant (0): selection must leave it out. */
  relevance: fc.integer({ min: 0, max: 9 }),
  weight: fc.constantFrom(1, 1, 1.5),
  ageDays: fc.integer({ min: 0, max: 20 }),
});

const weekArbitrary = fc.record({
  drafts: fc.array(articleArbitrary, { maxLength: 24 }),
  topics: fc.subarray([...POOL, NEVER], { minLength: 1 }),
  maxPerTopic: fc.integer({ min: 1, max: 5 }),
  maxArticles: fc.integer({ min: 1, max: 25 }),
});

type Drawn = typeof weekArbitrary extends fc.Arbitrary<infer T> ? T : never;

type Week = {
  articles: Article[];
  topics: TopicId[];
  limits: { maxPerTopic: number; maxArticles: number };
};

let serial = 0;
function weekOf(drawn: Drawn): Week {
  const articles = drawn.drafts.map((draft) => {
    serial += 1;
    return anArticle({
      // Ids not in creation order, so that id tie-breaks are exercised against the input order.
      id: `p-${(serial * 7919) % 100_003}-${serial}`,
      topics: draft.scores,
      relevant: draft.relevance > 0,
      sources: [{ sourceId: 's', sourceName: 'S', weight: draft.weight }],
      publishedAt: new Date(now.getTime() - draft.ageDays * 86_400_000).toISOString(),
    });
  });
  return {
    articles,
    topics: drawn.topics,
    limits: { maxPerTopic: drawn.maxPerTopic, maxArticles: drawn.maxArticles },
  };
}

/** The articles a topic could show: relevant and scored on it. */
function eligible(week: Week, topic: TopicId): Set<string> {
  return new Set(
    week.articles
      .filter((article) => article.relevant && (article.topics[topic] ?? 0) > 0)
      .map((article) => article.id),
  );
}

/** min over subsets S of the topics with articles of (perTopic × |outside S| + |articles of S|). */
function minCut(week: Week, perTopic: number): number {
  const topics = week.topics.filter((topic) => eligible(week, topic).size > 0);
  let best = Infinity;
  for (let mask = 0; mask < 1 << topics.length; mask += 1) {
    const inside = topics.filter((_, index) => mask & (1 << index));
    const neighbours = new Set(inside.flatMap((topic) => [...eligible(week, topic)]));
    best = Math.min(best, perTopic * (topics.length - inside.length) + neighbours.size);
  }
  return best;
}

function idsOf(selection: Selection): string[] {
  return selection.sections.flatMap((section) => section.articles.map((article) => article.articleId));
}

const select = (week: Week, articles = week.articles) =>
  selectArticles(articles, week.topics, week.limits, now);

const RUNS = { numRuns: 400 };

describe('selectArticles over random weeks', () => {
  it('never leaves out a chosen topic that has articles, unless no arrangement could show it', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        // Prepare
        const week = weekOf(drawn);

        // Act
        const selection = select(week);

        // Assess: as many sections as distinct articles can fill (within the cap) …
        expect(selection.sections.length).toBe(Math.min(week.limits.maxArticles, minCut(week, 1)));
        // … and a topic left without one has every article it could show in the digest already.
        if (week.limits.maxArticles >= week.topics.length) {
          const shown = new Set(idsOf(selection));
          for (const topic of week.topics) {
            if (selection.sections.some((section) => section.topic === topic)) continue;
            for (const id of eligible(week, topic)) expect(shown.has(id)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('gives every chosen topic with an article of its own a section when the cap allows', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        // Prepare: each chosen topic but the empty one gets an article on it alone.
        const week = weekOf(drawn);
        const own = week.topics
          .filter((topic) => topic !== NEVER)
          .map((topic) => anArticle({ id: `own-${topic}-${(serial += 1)}`, topics: { [topic]: 1 } }));
        const withOwn = { ...week, articles: [...week.articles, ...own] };
        const limits = { ...week.limits, maxArticles: Math.max(week.limits.maxArticles, week.topics.length) };

        // Act
        const selection = selectArticles(withOwn.articles, week.topics, limits, now);

        // Assess
        expect(selection.sections.map((section) => section.topic)).toEqual(
          TOPIC_IDS.filter((id) => week.topics.includes(id) && id !== NEVER),
        );
      }),
      RUNS,
    );
  });

  it('lists as quiet exactly the chosen topics with no article in the window', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        const week = weekOf(drawn);

        const selection = select(week);

        expect(selection.quietTopics).toEqual(
          TOPIC_IDS.filter((id) => week.topics.includes(id) && eligible(week, id).size === 0),
        );
        for (const section of selection.sections) expect(selection.quietTopics).not.toContain(section.topic);
      }),
      RUNS,
    );
  });

  it('shows no article twice, keeps the caps, and puts each article only under a topic it is on', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        const week = weekOf(drawn);
        const byId = new Map(week.articles.map((article) => [article.id, article]));

        const selection = select(week);

        const ids = idsOf(selection);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBeLessThanOrEqual(week.limits.maxArticles);
        for (const section of selection.sections) {
          expect(section.articles.length).toBeGreaterThan(0);
          expect(section.articles.length).toBeLessThanOrEqual(week.limits.maxPerTopic);
          expect(week.topics).toContain(section.topic);
          for (const { articleId, matchedTopics } of section.articles) {
            const article = byId.get(articleId)!;
            expect(article.relevant).toBe(true);
            expect(article.topics[section.topic] ?? 0).toBeGreaterThan(0);
            expect(matchedTopics).toEqual(
              TOPIC_IDS.filter((id) => week.topics.includes(id) && (article.topics[id] ?? 0) > 0),
            );
          }
        }
        // Sections in topic order.
        const order = selection.sections.map((section) => TOPIC_IDS.indexOf(section.topic));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }),
      RUNS,
    );
  });

  it('fills the digest as far as the limits and the articles allow', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        const week = weekOf(drawn);

        const selection = select(week);

        expect(idsOf(selection).length).toBe(
          Math.min(week.limits.maxArticles, minCut(week, week.limits.maxPerTopic)),
        );
      }),
      RUNS,
    );
  });

  it('shares the places in turns: a section that could take more has at most one fewer than any other', () => {
    fc.assert(
      fc.property(weekArbitrary, (drawn) => {
        const week = weekOf(drawn);

        const selection = select(week);

        const shown = new Set(idsOf(selection));
        const count = (topic: TopicId) =>
          selection.sections.find((section) => section.topic === topic)?.articles.length ?? 0;
        for (const topic of week.topics) {
          const couldTakeMore =
            count(topic) < week.limits.maxPerTopic && [...eligible(week, topic)].some((id) => !shown.has(id));
          if (!couldTakeMore) continue;
          for (const other of selection.sections)
            expect(other.articles.length).toBeLessThanOrEqual(count(topic) + 1);
        }
      }),
      RUNS,
    );
  });

  it('is deterministic: the same week in any order gives the same selection', () => {
    fc.assert(
      fc.property(
        weekArbitrary.chain((drawn) =>
          fc.tuple(
            fc.constant(drawn),
            fc.shuffledSubarray(
              drawn.drafts.map((_, index) => index),
              { minLength: drawn.drafts.length },
            ),
          ),
        ),
        ([drawn, order]) => {
          const week = weekOf(drawn);
          const shuffled = order.map((index) => week.articles[index]!);

          expect(select(week, shuffled)).toEqual(select(week));
        },
      ),
      RUNS,
    );
  });
});
