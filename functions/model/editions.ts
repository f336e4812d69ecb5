import type { TopicId } from './topics.ts';

/** A built archive edition: the general (non-personalised) digest of one ISO week. */
export interface StoredEdition {
  readonly weekId: string;
  readonly builtAt: string;
  readonly articleCount: number;
  readonly sections: readonly { readonly topic: TopicId; readonly articleIds: readonly string[] }[];
}
