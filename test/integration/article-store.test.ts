import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store.ts';
import { identityKeys, TITLE_MATCH_MS } from '../../functions/core/ingest/identity.ts';
import { IngestBusyError } from '../../functions/core/errors.ts';
import type { ArticleCandidate } from '../../functions/model/articles.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

const NOW = new Date();
const FAST_LEASE = { ttlMs: 1500, renewEveryMs: 400, safetyMarginMs: 300, pollEveryMs: 50 };

function candidate(
  sourceId: string,
  fields: { title: string; url: string; doi?: string; publishedAt?: string },
): ArticleCandidate {
  const publishedAt = fields.publishedAt ?? '2026-11-20T10:00:00.000Z';
  const identifiers = fields.doi ? { doi: fields.doi } : {};
  return {
    title: fields.title,
    url: fields.url,
    summary: '',
    publishedAt,
    source: { sourceId, sourceName: sourceId, weight: 1 },
    identifiers,
    studyTypes: [],
    topics: {},
    relevant: true,
    identityKeys: identityKeys({
      identifiers,
      url: fields.url,
      title: fields.title,
      publishedAt: new Date(publishedAt),
    }),
  };
}

describe('DynamoArticleStore on dynalite', () => {
  let world: TestWorld;
  let store: DynamoArticleStore;

  beforeAll(async () => {
    world = await createTestWorld();
    store = new DynamoArticleStore(
      world.context.clients.documents,
      world.context.config.tables.articles,
      FAST_LEASE,
    );
  });

  afterAll(() => world.stop());

  it('keeps one article per work when batches sharing keys are stored at once', async () => {
    const title = 'Subcutaneous amivantamab with lazertinib in EGFR-mutant lung cancer';
    const writer = await store.openWriter();

    const results = await Promise.all([
      writer.store(
        [candidate('journal', { title, url: 'https://journal.example.org/a1', doi: '10.1/amivantamab' })],
        NOW,
      ),
      writer.store([candidate('news', { title: `${title}.`, url: 'https://news.example.org/story' })], NOW),
      writer.store(
        [
          candidate('pubmed', {
            title: 'A different title for the same DOI',
            url: 'https://pubmed.example.org/1',
            doi: '10.1/amivantamab',
          }),
        ],
        NOW,
      ),
    ]);
    await writer.close();

    const ids = new Set(results.flat().map((result) => result.articleId));
    expect(ids.size).toBe(1);
    expect(
      results
        .flat()
        .map((result) => result.outcome)
        .sort(),
    ).toEqual(['created', 'merged', 'merged']);
    const [article] = await store.getMany([...ids]);
    expect(article!.sources.map((source) => source.sourceId).sort()).toEqual(['journal', 'news', 'pubmed']);
  });

  it('stores each work once however its sightings are split into concurrent batches (property)', async () => {
    let run = 0;
    const sighting = fc.record({ hasDoi: fc.boolean(), urlVariant: fc.integer({ min: 0, max: 2 }) });
    const work = fc.array(sighting, { minLength: 1, maxLength: 4 });

    await fc.assert(
      fc.asyncProperty(
        fc.array(work, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        async (works, batchCount, seed) => {
          run += 1;
          // Every sighting of a work carries its title (and maybe its DOI, and one of its URLs).
          const candidates = works.flatMap((sightings, w) =>
            sightings.map((s, i) =>
              candidate(`source-${i}`, {
                title: `Property run ${run} work ${w} of a checkpoint inhibitor trial`,
                url: `https://site-${s.urlVariant}.example.org/run-${run}/work-${w}`,
                ...(s.hasDoi ? { doi: `10.5555/run-${run}.work-${w}` } : {}),
              }),
            ),
          );
          const batches: ArticleCandidate[][] = Array.from({ length: batchCount }, () => []);
          candidates.forEach((item, index) => batches[(index * 7 + seed) % batchCount]!.push(item));
          const writer = await store.openWriter();
          const results = await Promise.all(batches.map((batch) => writer.store(batch, NOW)));
          await writer.close();

          const idsByWork = new Map<string, Set<string>>();
          results.flat().forEach((result, index) => {
            const title = batches.flat()[index]!.title;
            idsByWork.set(title, (idsByWork.get(title) ?? new Set()).add(result.articleId));
          });
          expect([...idsByWork.values()].every((ids) => ids.size === 1)).toBe(true);
          expect(new Set(results.flat().map((result) => result.articleId)).size).toBe(works.length);
          expect(results.flat().filter((result) => result.outcome === 'created')).toHaveLength(works.length);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('is idempotent: the same candidate twice is unchanged the second time', async () => {
    const item = candidate('journal', {
      title: 'Idempotent writes of one candidate',
      url: 'https://journal.example.org/idem',
    });

    const first = await store.upsert(item, NOW);
    const second = await store.upsert(item, NOW);

    expect([first.outcome, second.outcome]).toEqual(['created', 'unchanged']);
    expect(second.articleId).toBe(first.articleId);
  });

  it('keeps the words that tagged each topic, and an article stored without them reads without them', async () => {
    const tagged = {
      ...candidate('journal', {
        title: 'Nivolumab before surgery in lung cancer',
        url: 'https://journal.example.org/words',
      }),
      topics: { 'checkpoint-inhibitors': 4, 'lung-cancer': 4 },
      matchedTerms: { 'checkpoint-inhibitors': 'Nivolumab', 'lung-cancer': 'lung cancer' },
    };
    const untagged = candidate('journal', {
      title: 'An article of before matched words',
      url: 'https://journal.example.org/old',
    });

    const [withWords, withoutWords] = await Promise.all([
      store.upsert(tagged, NOW),
      store.upsert(untagged, NOW),
    ]);
    const stored = new Map(
      (await store.getMany([withWords.articleId, withoutWords.articleId])).map((a) => [a.id, a]),
    );

    expect(stored.get(withWords.articleId)?.matchedTerms).toEqual(tagged.matchedTerms);
    expect(stored.get(withoutWords.articleId)?.matchedTerms ?? {}).toEqual({});
  });

  it('never overwrites an older work whose id a same-title work beyond 14 days would take', async () => {
    // Title-only works (their link is shared, so not identity) in one 28-day title bucket, 20 days apart.
    const bucketMs = 2 * TITLE_MATCH_MS;
    const start = Math.floor(Date.parse('2026-06-01T00:00:00Z') / bucketMs) * bucketMs;
    const titleOnly = (sourceId: string, publishedAtMs: number): ArticleCandidate => {
      const title = 'Quarterly roundup of immunotherapy approvals and label changes';
      const publishedAt = new Date(publishedAtMs);
      return {
        ...candidate(sourceId, {
          title,
          url: 'https://news.example.org/',
          publishedAt: publishedAt.toISOString(),
        }),
        identityKeys: identityKeys({ identifiers: {}, url: undefined, title, publishedAt }),
      };
    };
    const older = titleOnly('news-a', start + 86_400_000);
    const later = titleOnly('news-b', start + 21 * 86_400_000);

    const first = await store.upsert(older, NOW);
    await store.upsert(later, NOW);

    const [stored] = await store.getMany([first.articleId]);
    expect(first.outcome).toBe('created');
    expect(stored?.publishedAt).toBe(older.publishedAt);
    expect(stored?.sources.map((source) => source.sourceId)).toContain('news-a');
  });

  it('makes a second writer wait for the lease, and give up with IngestBusyError after its wait', async () => {
    const holder = await store.openWriter();

    await expect(store.openWriter({ waitMs: 300 })).rejects.toThrow(IngestBusyError);
    const waiting = store.openWriter({ waitMs: 10_000 });
    await holder.close();
    const next = await waiting;
    await next.close();
  });

  it('takes over the lease of a writer that died without giving it back', async () => {
    const crashed = new DynamoArticleStore(
      world.context.clients.documents,
      world.context.config.tables.articles,
      {
        ...FAST_LEASE,
        renewEveryMs: 60_000, // a dead process renews nothing
      },
    );
    await crashed.openWriter();

    const started = Date.now();
    const next = await store.openWriter({ waitMs: 10_000 });
    await next.close();

    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST_LEASE.ttlMs - 600);
  });

  it('stops a writer whose lease was taken over: it writes nothing more', async () => {
    const stalled = new DynamoArticleStore(
      world.context.clients.documents,
      world.context.config.tables.articles,
      {
        ...FAST_LEASE,
        renewEveryMs: 60_000,
      },
    );
    const writer = await stalled.openWriter();
    const other = await store.openWriter({ waitMs: 10_000 });

    await expect(
      writer.store(
        [candidate('late', { title: 'A write after the lease was lost', url: 'https://late.example.org/x' })],
        NOW,
      ),
    ).rejects.toThrow(/lost its lease/);
    await other.close();
  });
});
