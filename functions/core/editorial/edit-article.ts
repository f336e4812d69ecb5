import type { Article, TopicScores } from '../../model/articles.ts';
import { canonicalTopicOrder, isTopicId, type TopicId } from '../../model/topics.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EditorialMarksStore } from '../../ports/editorial-store.ts';
import { ArticleNotFoundError, ValidationError } from '../errors.ts';
import { rebuildEdition, weekIdOf, type ArchiveDependencies } from '../archive/editions.ts';
import type { SelectionLimits } from '../digest/select.ts';

/**
 * The desk's edits of one article: hide and unhide (with the editor and a reason), pin and unpin
 * (Editor's pick), and retag (the editor's topics and relevance replace the tagger's). Each is
 * stored at once on the article; the planner, the sender and the archive read it from there, so
 * a hide stored before a digest is sent keeps the article out of it even when it was planned.
 */

export type ArticleEdit =
  | { readonly kind: 'hide'; readonly reason?: string }
  | { readonly kind: 'unhide' }
  | { readonly kind: 'pin' }
  | { readonly kind: 'unpin' }
  | { readonly kind: 'retag'; readonly topics: readonly TopicId[]; readonly relevant: boolean };

export interface EditDependencies {
  readonly marks: EditorialMarksStore;
  readonly clock: Clock;
  /** The public archive, whose finished edition of the article's week is built again after a change. */
  readonly archive?: { readonly limits: SelectionLimits; readonly deps: ArchiveDependencies };
}

/** A reason is a line for the record, not an essay. */
export const REASON_MAX_CHARACTERS = 500;

/** The score an editor's topic gets: above any the tagger gives, so their topics rank as sure ones. */
export const EDITOR_TOPIC_SCORE = 1;

/**
 * Applies one edit. `by` is the authenticated principal, as admin sends record it.
 *
 * @throws ArticleNotFoundError when no article has this id.
 * @throws ValidationError for a reason too long or a retag without a known topic.
 */
export async function editArticle(
  articleId: string,
  edit: ArticleEdit,
  by: string,
  deps: EditDependencies,
): Promise<Article> {
  const action = { by, at: deps.clock.now().toISOString() };
  let article: Article | undefined;
  switch (edit.kind) {
    case 'hide': {
      const reason = edit.reason?.trim();
      if (reason && reason.length > REASON_MAX_CHARACTERS) {
        throw new ValidationError(`the reason is longer than ${REASON_MAX_CHARACTERS} characters`, [
          'reason',
        ]);
      }
      article = await deps.marks.hide(articleId, { ...action, ...(reason ? { reason } : {}) });
      break;
    }
    case 'unhide':
      article = await deps.marks.unhide(articleId);
      break;
    case 'pin':
      article = await deps.marks.pin(articleId, action);
      break;
    case 'unpin':
      article = await deps.marks.unpin(articleId);
      break;
    case 'retag': {
      const topics: TopicScores = Object.fromEntries(
        canonicalTopicOrder(edit.topics).map((topic) => [topic, EDITOR_TOPIC_SCORE]),
      );
      article = await deps.marks.retag(articleId, { ...action, topics, relevant: edit.relevant });
      break;
    }
  }
  if (!article) throw new ArticleNotFoundError(`no article has the id ${articleId}`);
  // A pin only reorders what an edition holds (applied as it is read); the others change what it holds.
  if (deps.archive && edit.kind !== 'pin' && edit.kind !== 'unpin') {
    await rebuildEdition(weekIdOf(new Date(article.firstSeenAt)), deps.archive.limits, deps.archive.deps);
  }
  return article;
}

/**
 * A topic list as a person types it ("car-t, melanoma"), checked.
 *
 * @throws ValidationError naming the unknown ids, or when a relevant article would have none.
 */
export function parseTopicList(value: string | readonly string[], relevant: boolean): TopicId[] {
  const words = (typeof value === 'string' ? value.split(',') : value)
    .map((word) => word.trim())
    .filter(Boolean);
  const unknown = words.filter((word) => !isTopicId(word));
  if (unknown.length > 0) throw new ValidationError(`unknown topics: ${unknown.join(', ')}`, ['topics']);
  const topics = canonicalTopicOrder(words as TopicId[]);
  if (relevant && topics.length === 0) {
    throw new ValidationError('a relevant article needs at least one topic', ['topics']);
  }
  return topics;
}

/** "true" / "false" as a person types it; undefined when absent. */
export function parseRelevant(value: string | boolean | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError(`relevant must be true or false, not ${value}`, ['relevant']);
}
