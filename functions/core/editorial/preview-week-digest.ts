import type { TopicId } from '../../model/topics.ts';
import { canonicalTopicOrder } from '../../model/topics.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EditorNoteStore } from '../../ports/editorial-store.ts';
import { weekRange } from '../archive/editions.ts';
import { selectArticles, selectionSize, type SelectionLimits } from '../digest/select.ts';
import { ValidationError } from '../errors.ts';
import type { EmailRenderer, GroupEmail } from '../rendering/email-renderer.ts';
import { parseWeekId } from './editor-note.ts';
import { noteView } from './note-view.ts';

export interface WeekPreviewDependencies {
  readonly articles: ArticleReader;
  readonly notes: Pick<EditorNoteStore, 'getNote'>;
  readonly renderer: Pick<EmailRenderer, 'renderDigest'>;
  readonly clock: Clock;
  readonly limits: SelectionLimits;
}

/**
 * The digest a reader of these topics would get for a week, as the desk shows it before the
 * week's digests go out: the week's articles (first seen in it so far) picked by the digest's own
 * rules, so hidden ones are left out and pinned ones lead, with the week's note on top.
 *
 * @throws ValidationError for a bad week, no topic, or no article on these topics that week.
 */
export async function previewWeekDigest(
  input: { readonly weekId: string; readonly topics: readonly TopicId[] },
  deps: WeekPreviewDependencies,
): Promise<GroupEmail> {
  const weekId = parseWeekId(input.weekId);
  const topics = canonicalTopicOrder(input.topics);
  if (topics.length === 0) throw new ValidationError('choose at least one topic to preview', ['topics']);
  const range = weekRange(weekId)!;
  const now = deps.clock.now();
  const until = range.end.getTime() < now.getTime() ? range.end : now;
  const articles = until > range.start ? await deps.articles.listFirstSeenBetween(range.start, until) : [];
  const selection = selectArticles(articles, topics, deps.limits, until);
  if (selectionSize(selection) === 0) {
    throw new ValidationError(`no visible article on ${topics.join(', ')} was first seen in ${weekId}`, [
      'topics',
    ]);
  }
  const note = await deps.notes.getNote(weekId);
  return deps.renderer.renderDigest({
    digestId: `weekly-${weekId}`,
    selection,
    articles: new Map(articles.map((article) => [article.id, article])),
    ...(note ? { note: noteView(note.body) } : {}),
  });
}
