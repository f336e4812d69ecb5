import { beforeEach, describe, expect, it } from 'vitest';
import type { Article, ArticleCandidate } from '../../functions/model/articles.ts';
import type { ArticleReader } from '../../functions/ports/article-store.ts';

/** An empty article store, and the way articles come into it (ingest's writer, or the fake's add). */
export interface ArticleReaderUnderTest {
  readonly reader: ArticleReader;
  /** Stores the candidates as new works first seen at `firstSeenAt`; returns their ids in order. */
  store(candidates: readonly ArticleCandidate[], firstSeenAt: Date): Promise<string[]>;
}

/** The article a candidate becomes when it is stored as a new work. */
export function storedArticle(id: string, candidate: ArticleCandidate, firstSeenAt: Date): Article {
  return {
    id,
    title: candidate.title,
    url: candidate.url,
    summary: candidate.summary,
    publishedAt: candidate.publishedAt,
    firstSeenAt: firstSeenAt.toISOString(),
    sources: [candidate.source],
    identifiers: candidate.identifiers,
    studyTypes: candidate.studyTypes,
    topics: candidate.topics,
    relevant: candidate.relevant,
  };
}

/**
 * What every ArticleReader promises, written once and run against the in-memory fake (unit
 * project) and the DynamoDB store on dynalite (integration project), so the planner's, the
 * sender's and the archive's unit tests read articles as production does. Deduplication on
 * write is the DynamoDB store's alone and has its own tests.
 */
export function describeArticleReaderContract(
  name: string,
  makeStore: () => ArticleReaderUnderTest | Promise<ArticleReaderUnderTest>,
): void {
  describe(`the article reader contract: ${name}`, () => {
    let store: ArticleReaderUnderTest;
    let counter = 0;

    beforeEach(async () => {
      store = await makeStore();
    });

    function candidate(fields: Partial<ArticleCandidate> = {}): ArticleCandidate {
      counter += 1;
      const url = `https://journal.example.org/contract/${counter}`;
      return {
        title: `Contract study ${counter}`,
        url,
        summary: `Summary ${counter}.`,
        publishedAt: '2026-11-20T10:00:00.000Z',
        source: { sourceId: 'journal', sourceName: 'Journal', weight: 1.5 },
        identifiers: { doi: `10.1000/contract.${counter}` },
        studyTypes: ['phase-2'],
        topics: { 'car-t': 4, melanoma: 1 },
        relevant: true,
        identityKeys: [`doi:10.1000/contract.${counter}`, `url:${url}`],
        ...fields,
      };
    }

    it('reads stored articles back whole, each known id once, unknown ids left out', async () => {
      const firstSeenAt = new Date('2026-11-24T09:00:00.000Z');
      const candidates = [candidate(), candidate({ relevant: false, topics: {}, studyTypes: [] })];
      const ids = await store.store(candidates, firstSeenAt);

      const found = await store.reader.getMany([ids[1]!, 'no-such-article', ids[0]!, ids[1]!]);

      expect([...found].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        candidates
          .map((c, index) => storedArticle(ids[index]!, c, firstSeenAt))
          .sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(await store.reader.getMany([])).toEqual([]);
    });

    it('reads more articles at once than one batch request holds', async () => {
      const candidates = Array.from({ length: 130 }, () => candidate());
      const ids = await store.store(candidates, new Date('2026-11-24T09:00:00.000Z'));

      const found = await store.reader.getMany(ids);

      expect(found.map((article) => article.id).sort()).toEqual([...ids].sort());
    });

    it('lists the articles first seen in (from, to]: the end included, the start not, across days', async () => {
      const from = new Date('2026-11-23T08:00:00.000Z');
      const to = new Date('2026-11-26T08:00:00.000Z');
      const seen = async (iso: string) => (await store.store([candidate()], new Date(iso)))[0]!;
      await seen('2026-11-23T07:59:59.999Z');
      await seen(from.toISOString());
      const inside = [
        await seen('2026-11-23T08:00:00.001Z'),
        await seen('2026-11-24T23:59:59.999Z'),
        await seen('2026-11-25T00:00:00.000Z'),
        await seen(to.toISOString()),
      ];
      await seen('2026-11-26T08:00:00.001Z');

      const listed = await store.reader.listFirstSeenBetween(from, to);

      expect(listed.map((article) => article.id).sort()).toEqual([...inside].sort());
      expect(
        await store.reader.listFirstSeenBetween(
          new Date('2026-12-01T00:00:00.000Z'),
          new Date('2026-12-02T00:00:00.000Z'),
        ),
      ).toEqual([]);
    });
  });
}
