import type { Article, EditorAction, TopicScores } from '../model/articles.ts';

/** An editor's note for one ISO week: Markdown, sanitised when rendered (as announcements are). */
export interface EditorNote extends EditorAction {
  /** "2026-W49". */
  readonly weekId: string;
  readonly body: string;
}

/**
 * The editors' marks on articles (hide, pin, retag). Each is one conditional write on the
 * article itself, so readers of articles (planner, sender, archive) see the marks with no extra
 * read, and re-ingest (which merges onto the same article) leaves them alone.
 */
export interface EditorialMarksStore {
  /** @returns the article as marked; undefined when no article has this id. */
  hide(articleId: string, action: EditorAction & { readonly reason?: string }): Promise<Article | undefined>;
  unhide(articleId: string): Promise<Article | undefined>;
  pin(articleId: string, action: EditorAction): Promise<Article | undefined>;
  unpin(articleId: string): Promise<Article | undefined>;
  retag(
    articleId: string,
    tags: EditorAction & { readonly topics: TopicScores; readonly relevant: boolean },
  ): Promise<Article | undefined>;
  /** Every article an editor retagged (for the label export): a scan, run by hand, not by a function. */
  listRetagged(): Promise<Article[]>;
}

/**
 * How many readers were sent a digest holding each article: what the desk shows. The sender adds
 * a job's sent count to each of its articles once the job is done (one update per article per
 * job of up to 50 readers), so the figure is the emails really sent, never the planned ones.
 */
export interface DigestReaderCounts {
  addDigestReaders(articleIds: readonly string[], readers: number): Promise<void>;
}

/** The editor's note of each week. */
export interface EditorNoteStore {
  getNote(weekId: string): Promise<EditorNote | undefined>;
  /** Stores a week's note; an empty body removes it. */
  putNote(note: EditorNote): Promise<void>;
}
