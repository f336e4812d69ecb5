import type { StoredEdition } from '../model/editions.ts';

/**
 * Editions of weeks that are over never change (an article's first-seen time is when we stored
 * it), so each is built once from the articles table and kept here.
 */
export interface EditionStore {
  getMany(weekIds: readonly string[]): Promise<StoredEdition[]>;
  put(edition: StoredEdition): Promise<void>;
}
