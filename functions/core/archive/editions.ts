import { DateTime } from 'luxon';
import pLimit from 'p-limit';
import type { Article } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import { selectArticles, selectionSize, type SelectionLimits } from '../digest/select.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EditionStore } from '../../ports/edition-store.ts';
import type { StoredEdition } from '../../model/editions.ts';
import type { EditorNoteStore } from '../../ports/editorial-store.ts';
import { isHidden, pinnedFirst } from '../editorial/editorial-marks.ts';
import { noteView, type NoteView } from '../editorial/note-view.ts';

/**
 * The public archive: one general, non-personalised edition per ISO week (UTC), made of the best
 * articles of every topic first seen that week, ranked by the digest's own selection rules.
 *
 * A week's edition never changes once the week is over, because an article's first-seen time is
 * the moment we stored it: so each edition is built once and kept in the EditionStore.
 */

/** How many weeks one archive page covers (editions of empty weeks are left out). */
export const ARCHIVE_PAGE_WEEKS = 12;

/** Older editions are not built on request: it bounds what an anonymous visitor can make us read. */
export const OLDEST_EDITION_WEEKS = 156;

const OLDEST_EDITION_MS = OLDEST_EDITION_WEEKS * 7 * 86_400_000;

/** An edition appears an hour after its week ends: an ingest run that began inside the week has finished. */
const PUBLISH_DELAY_MS = 3600 * 1000;

/** Editions built in parallel when the archive page finds some missing. */
const BUILD_CONCURRENCY = 4;

const WEEK_ID = /^(\d{4})-W(\d{2})$/;

export interface WeekRange {
  readonly weekId: string;
  /** Monday 00:00 UTC. */
  readonly start: Date;
  /** The next Monday 00:00 UTC; the edition holds articles first seen in (start, end]. */
  readonly end: Date;
}

/** The ISO week (UTC) a moment falls in, as "2026-W48". */
export function weekIdOf(date: Date): string {
  const week = DateTime.fromJSDate(date, { zone: 'utc' });
  return `${week.weekYear}-W${String(week.weekNumber).padStart(2, '0')}`;
}

/** The range of a week id; undefined for anything that is not a real ISO week. */
export function weekRange(weekId: string): WeekRange | undefined {
  const match = WEEK_ID.exec(weekId);
  if (!match) return undefined;
  const start = DateTime.fromObject(
    { weekYear: Number(match[1]), weekNumber: Number(match[2]), weekday: 1 },
    { zone: 'utc' },
  );
  if (!start.isValid || weekIdOf(start.toJSDate()) !== weekId) return undefined;
  return { weekId, start: start.toJSDate(), end: start.plus({ weeks: 1 }).toJSDate() };
}

/** Whether a week's edition is out: its week ended (plus the publishing delay) and it is not too old. */
export function isPublished(range: WeekRange, now: Date): boolean {
  const age = now.getTime() - range.end.getTime();
  return age >= PUBLISH_DELAY_MS && age < OLDEST_EDITION_MS;
}

/** Up to `count` weeks whose editions are out, newest first, all before the week `before` if given. */
export function publishedWeeks(now: Date, count: number, before?: WeekRange): WeekRange[] {
  const newest = DateTime.fromJSDate(before?.start ?? now, { zone: 'utc' }).startOf('week');
  const weeks: WeekRange[] = [];
  for (let back = 1; weeks.length < count && back <= OLDEST_EDITION_WEEKS + 1; back += 1) {
    const range = weekRange(weekIdOf(newest.minus({ weeks: back }).toJSDate()))!;
    if (isPublished(range, now)) weeks.push(range);
    else if (now.getTime() - range.end.getTime() >= OLDEST_EDITION_MS) break;
  }
  return weeks;
}

/** Picks a week's edition from the articles first seen in it. Pure. */
export function buildEdition(
  range: WeekRange,
  articles: readonly Article[],
  limits: SelectionLimits,
  now: Date,
): StoredEdition {
  const inWeek = articles.filter(
    (article) =>
      Date.parse(article.firstSeenAt) > range.start.getTime() &&
      Date.parse(article.firstSeenAt) <= range.end.getTime(),
  );
  // Ranked as at the week's end, so a rebuilt edition is the same edition.
  const selection = selectArticles(inWeek, TOPIC_IDS, limits, range.end);
  return {
    weekId: range.weekId,
    builtAt: now.toISOString(),
    articleCount: selectionSize(selection),
    sections: selection.sections.map((section) => ({
      topic: section.topic,
      articleIds: section.articles.map((article) => article.articleId),
    })),
  };
}

export interface ArchiveDependencies {
  readonly articles: ArticleReader;
  readonly editions: EditionStore;
  readonly clock: Clock;
  /** The editor's note of each week, shown at the top of its edition. */
  readonly editorNotes?: Pick<EditorNoteStore, 'getNote'>;
}

export interface ArchivePage {
  /** The editions of the page's weeks that hold any article, newest first. */
  readonly editions: (StoredEdition & { range: WeekRange })[];
  /** The week to ask for the next (older) page with; undefined on the last page. */
  readonly olderBefore: string | undefined;
  /** The `before` week this page was asked for (undefined: the newest page). */
  readonly before: string | undefined;
}

/**
 * One page of the archive: the ARCHIVE_PAGE_WEEKS published weeks before `beforeWeekId` (or
 * before now). Editions missing from the store are built (7 day-queries each) and stored.
 * A page of only empty weeks ends the archive: there is no point paging back before the first article.
 */
export async function listEditions(
  limits: SelectionLimits,
  deps: ArchiveDependencies,
  beforeWeekId?: string,
): Promise<ArchivePage> {
  const now = deps.clock.now();
  const before = beforeWeekId ? weekRange(beforeWeekId) : undefined;
  if (beforeWeekId && !before) return { editions: [], olderBefore: undefined, before: undefined };
  const weeks = publishedWeeks(now, ARCHIVE_PAGE_WEEKS, before);
  const stored = new Map(
    (await deps.editions.getMany(weeks.map((week) => week.weekId))).map((edition) => [
      edition.weekId,
      edition,
    ]),
  );
  const limit = pLimit(BUILD_CONCURRENCY);
  const editions = await Promise.all(
    weeks.map((range) => limit(async () => stored.get(range.weekId) ?? buildAndStore(range, limits, deps))),
  );
  const nonEmpty = editions
    .map((edition, index) => ({ ...edition, range: weeks[index]! }))
    .filter((edition) => edition.articleCount > 0);
  const oldest = weeks.at(-1);
  const more = weeks.length === ARCHIVE_PAGE_WEEKS && nonEmpty.length > 0 && oldest !== undefined;
  return { editions: nonEmpty, olderBefore: more ? oldest.weekId : undefined, before: before?.weekId };
}

export interface EditionView {
  readonly range: WeekRange;
  readonly articleCount: number;
  readonly sections: readonly { readonly topic: TopicId; readonly articles: readonly Article[] }[];
  /** The editor's note of the week, as sanitised HTML (editor-note.ts). */
  readonly note?: NoteView;
}

/** One published edition with its articles; undefined for a week that is not (yet) an edition. */
export async function loadEdition(
  weekId: string,
  limits: SelectionLimits,
  deps: ArchiveDependencies,
): Promise<EditionView | undefined> {
  const range = weekRange(weekId);
  if (!range || !isPublished(range, deps.clock.now())) return undefined;
  const [stored] = await deps.editions.getMany([weekId]);
  const edition = stored ?? (await buildAndStore(range, limits, deps));
  const ids = edition.sections.flatMap((section) => section.articleIds);
  // A stored edition is kept as built; the editors' marks are applied as it is read: an article
  // hidden since is left out, and a pinned one leads its section.
  const articles = new Map(
    (await deps.articles.getMany(ids))
      .filter((article) => !isHidden(article))
      .map((article) => [article.id, article]),
  );
  const sections = edition.sections
    .map((section) => ({
      topic: section.topic,
      articles: pinnedFirst(
        section.articleIds.flatMap((id) => (articles.has(id) ? [articles.get(id)!] : [])),
      ),
    }))
    .filter((section) => section.articles.length > 0);
  const note = await noteOfWeek(weekId, deps);
  return {
    range,
    articleCount: sections.reduce((total, section) => total + section.articles.length, 0),
    sections,
    ...(note ? { note } : {}),
  };
}

/**
 * The edition of the week under way, so far: the articles first seen since Monday 00:00 UTC,
 * picked by the same rules as a finished edition. Built on each request and never stored (it
 * changes with every ingest); undefined while the week has no article. A fresh installation has
 * no finished edition for up to a week: this is what its archive shows meanwhile.
 */
export async function loadWeekSoFar(
  limits: SelectionLimits,
  deps: ArchiveDependencies,
): Promise<EditionView | undefined> {
  const now = deps.clock.now();
  const range = weekRange(weekIdOf(now))!;
  const articles = await deps.articles.listFirstSeenBetween(range.start, now);
  const selection = selectArticles(
    articles.filter((article) => Date.parse(article.firstSeenAt) > range.start.getTime()),
    TOPIC_IDS,
    limits,
    now,
  );
  const byId = new Map(articles.map((article) => [article.id, article]));
  const sections = selection.sections.map((section) => ({
    topic: section.topic,
    articles: section.articles.map((selected) => byId.get(selected.articleId)!),
  }));
  const articleCount = selectionSize(selection);
  if (articleCount === 0) return undefined;
  const note = await noteOfWeek(range.weekId, deps);
  return { range, articleCount, sections, ...(note ? { note } : {}) };
}

async function noteOfWeek(weekId: string, deps: ArchiveDependencies): Promise<NoteView | undefined> {
  const note = await deps.editorNotes?.getNote(weekId);
  return note ? noteView(note.body) : undefined;
}

/**
 * Builds a published week's edition again from its articles as they are now: after an editor
 * hid, unhid or retagged one of them (a stored edition is otherwise never rebuilt). Nothing for a
 * week whose edition is not out yet: it is built, with the marks, when it is first asked for.
 */
export async function rebuildEdition(
  weekId: string,
  limits: SelectionLimits,
  deps: ArchiveDependencies,
): Promise<void> {
  const range = weekRange(weekId);
  if (!range || !isPublished(range, deps.clock.now())) return;
  await buildAndStore(range, limits, deps);
}

async function buildAndStore(
  range: WeekRange,
  limits: SelectionLimits,
  deps: ArchiveDependencies,
): Promise<StoredEdition> {
  const articles = await deps.articles.listFirstSeenBetween(range.start, range.end);
  const edition = buildEdition(range, articles, limits, deps.clock.now());
  await deps.editions.put(edition);
  return edition;
}
