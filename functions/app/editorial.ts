import type { ArchiveDependencies } from '../core/archive/editions.ts';
import type { SelectionLimits } from '../core/digest/select.ts';
import type { EditDependencies } from '../core/editorial/edit-article.ts';
import type { NoteDependencies } from '../core/editorial/editor-note.ts';
import type { WeekArticlesDependencies } from '../core/editorial/week-articles.ts';
import type { WeekPreviewDependencies } from '../core/editorial/preview-week-digest.ts';
import { TOPIC_IDS } from '../model/topics.ts';
import type { AppContext } from './context.ts';

export type EditorialDependencies = EditDependencies &
  NoteDependencies &
  WeekArticlesDependencies &
  WeekPreviewDependencies & { readonly archive: { limits: SelectionLimits; deps: ArchiveDependencies } };

/** An archive edition is the digest of someone who follows every topic. */
export function archiveLimitsOf(context: AppContext): SelectionLimits {
  return {
    maxPerTopic: context.config.digest.maxPerTopic,
    maxArticles: context.config.digest.maxPerTopic * TOPIC_IDS.length,
  };
}

/**
 * What the editors' desk use cases need, from the shared context: the CLI and the admin API
 * build it the same way, so an edit from either rebuilds the same archive edition.
 */
export function editorialDependencies(context: AppContext): EditorialDependencies {
  return {
    marks: context.editorialMarks,
    notes: context.editorNotes,
    articles: context.articles,
    clock: context.clock,
    renderer: context.renderer,
    limits: {
      maxPerTopic: context.config.digest.maxPerTopic,
      maxArticles: context.config.digest.maxArticles,
    },
    archive: {
      limits: archiveLimitsOf(context),
      deps: {
        articles: context.articles,
        editions: context.editions,
        clock: context.clock,
        editorNotes: context.editorNotes,
      },
    },
  };
}
