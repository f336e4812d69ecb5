import type { Article } from '../../model/articles.ts';
import { canonicalTopicOrder, type TopicId } from '../../model/topics.ts';
import type { EditorialMarksStore } from '../../ports/editorial-store.ts';

/**
 * Editors' retags as labelled lines in the format of test/fixtures/tagging/*.jsonl, so their
 * corrections can grow the project's labelled sets: `{"title", "kind", "source", "relevant",
 * "topics"}`. `kind` is "news" for news and explainers, "journal" for everything else (as the
 * sets sort titles); `source` says where the label came from.
 */
export interface LabelledLine {
  readonly title: string;
  readonly kind: 'journal' | 'news';
  readonly source: string;
  readonly relevant: boolean;
  readonly topics: readonly TopicId[];
}

export function labelledLineOf(article: Article): LabelledLine {
  const news = article.studyTypes.includes('news') || article.studyTypes.includes('explainer');
  return {
    title: article.title,
    kind: news ? 'news' : 'journal',
    source: `editor:${article.editorial?.retagged?.by ?? 'unknown'}`,
    relevant: article.relevant,
    topics: article.relevant ? canonicalTopicOrder(Object.keys(article.topics) as TopicId[]) : [],
  };
}

/** The labelled lines of every retagged article, one JSON object each, in article id order. */
export async function exportEditorTags(deps: { readonly marks: EditorialMarksStore }): Promise<string[]> {
  const retagged = await deps.marks.listRetagged();
  return retagged.map((article) => JSON.stringify(labelledLineOf(article)));
}
