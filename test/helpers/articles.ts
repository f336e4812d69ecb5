import type { ArticleCandidate, TopicScores } from '../../functions/model/articles.ts';
import type { ArticleIngest } from '../../functions/ports/article-store.ts';

let counter = 0;

/** A tagged, relevant article candidate with a unique URL; override what the test is about. */
export function aCandidate(topics: TopicScores, fields: Partial<ArticleCandidate> = {}): ArticleCandidate {
  counter += 1;
  const url = `https://journal.example.org/articles/${Date.now().toString(36)}-${counter}`;
  return {
    title: `Study ${counter}: ${Object.keys(topics).join(' and ')} results`,
    url,
    summary: `What study ${counter} found, in two plain sentences. It matters to patients.`,
    publishedAt: '2026-11-20T10:00:00.000Z',
    source: { sourceId: 'test-journal', sourceName: 'Test Journal', weight: 1 },
    identifiers: {},
    studyTypes: [],
    topics,
    relevant: true,
    identityKeys: [`url:${url}`],
    ...fields,
  };
}

/** Stores one article per topic-score map, first seen at `at`, through the real ArticleStore. */
export async function storeArticles(
  store: ArticleIngest,
  at: Date,
  ...topics: TopicScores[]
): Promise<string[]> {
  const ids: string[] = [];
  for (const scores of topics) ids.push((await store.upsert(aCandidate(scores), at)).articleId);
  return ids;
}
