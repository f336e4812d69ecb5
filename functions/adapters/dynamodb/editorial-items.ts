import type { EditorialMarks, TopicScores } from '../../model/articles.ts';

/**
 * The editors' marks as attributes of an article item. Ingest's merges never touch them (they
 * SET sources, identifiers, topics and relevance only), so a mark survives re-ingest of the work.
 * `editorTags` holds the editor's topics beside the tagger's `topics`, which ingest keeps updating.
 */
export const EDITORIAL_ATTRIBUTES = {
  hidden: 'editorHidden',
  pinned: 'editorPinned',
  tags: 'editorTags',
} as const;

const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const actionOf = (value: Record<string, unknown>) => ({ by: text(value.by), at: text(value.at) });

/** The marks stored on an article item; undefined when it has none. */
export function editorialMarksOf(item: Record<string, unknown>): EditorialMarks | undefined {
  const hidden = record(item[EDITORIAL_ATTRIBUTES.hidden]);
  const pinned = record(item[EDITORIAL_ATTRIBUTES.pinned]);
  const tags = record(item[EDITORIAL_ATTRIBUTES.tags]);
  if (!hidden && !pinned && !tags) return undefined;
  return {
    ...(hidden
      ? {
          hidden: {
            ...actionOf(hidden),
            ...(typeof hidden.reason === 'string' ? { reason: hidden.reason } : {}),
          },
        }
      : {}),
    ...(pinned ? { pinned: actionOf(pinned) } : {}),
    ...(tags
      ? {
          retagged: {
            ...actionOf(tags),
            taggerTopics: record(item.topics) ?? {},
            taggerRelevant: item.relevant === true,
          },
        }
      : {}),
  };
}

export function editorTopicsOf(item: Record<string, unknown>): TopicScores {
  return record(record(item[EDITORIAL_ATTRIBUTES.tags])?.topics) ?? {};
}

export function editorRelevantOf(item: Record<string, unknown>): boolean {
  return record(item[EDITORIAL_ATTRIBUTES.tags])?.relevant === true;
}
