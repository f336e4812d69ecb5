import type { Subscriber } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import { recruitingCountriesByTopic } from './recruiting.ts';
import {
  prepareForSelection,
  selectPrepared,
  selectionKey,
  selectionSize,
  topicsKey,
  type RankableArticle,
  type Selection,
  type SelectionLimits,
} from './select.ts';

/** A reader not mailed for months still gets a digest of the last four weeks at most. */
const MAX_WINDOW_DAYS = 28;

/**
 * The articles first seen up to now, read once per planning run and only as far back as a due
 * reader's window reaches: the first due reader's window is read, and a reader whose window
 * starts earlier adds only the days before what was read.
 */
export class WindowArticles {
  private readonly prepared: RankableArticle[] = [];
  /** Everything first seen after this instant (epoch ms) and up to now has been read. */
  private readFrom: number;
  private readCount = 0;

  constructor(
    private readonly articles: ArticleReader,
    private readonly now: Date,
  ) {
    this.readFrom = now.getTime();
  }

  /** The articles a window starting at `start` (epoch ms) may hold, and more; read what is missing. */
  async since(start: number): Promise<readonly RankableArticle[]> {
    if (start < this.readFrom) {
      const older = await this.articles.listFirstSeenBetween(new Date(start), new Date(this.readFrom));
      this.readCount += older.length;
      this.prepared.push(...prepareForSelection(older, this.now));
      this.readFrom = start;
    }
    return this.prepared;
  }

  /** Articles read, hidden and irrelevant ones included: those of the earliest window asked for. */
  get count(): number {
    return this.readCount;
  }
}

/** One window's rankable articles, indexed once for every selection made in it. */
interface Window {
  readonly byTopic: ReadonlyMap<TopicId, readonly RankableArticle[]>;
  /** For each topic, the countries its trials in the window recruit in now. */
  readonly recruiting: ReadonlyMap<TopicId, ReadonlySet<string>>;
}

export interface MemoisedSelection {
  readonly selection: Selection;
  /** selectionKey of the selection: readers with equal keys share one email. */
  readonly key: string;
  /** The reader's topics as a send job names them (topicsKey). */
  readonly topics: string;
  /** selectionSize of the selection: 0 when the reader has nothing new. */
  readonly size: number;
}

/**
 * Readers who share a window, a topic list and (where it matters) a country share a selection:
 * it is computed once. Most do: every first digest starts `firstWindowDays` ago, and last week's
 * readers all start where it ended. A reader's country changes their selection only where a
 * trial on their topics recruits in it: readers anywhere else share the selection of readers
 * with no country.
 */
export class SelectionMemo {
  private readonly windows = new Map<number, Window>();
  /**
   * By window start, then topicsKey, then the country that matters ('' for none): looked up for
   * every reader planned, so with the strings at hand rather than a key built per reader.
   */
  private readonly selections = new Map<number, Map<string, Map<string, MemoisedSelection>>>();

  constructor(
    private readonly articles: WindowArticles,
    private readonly options: SelectionLimits & { readonly firstWindowDays: number },
    private readonly now: Date,
  ) {}

  async selectionFor(reader: Subscriber): Promise<MemoisedSelection> {
    const start = this.windowStartFor(reader);
    const window = this.windows.get(start) ?? (await this.windowOf(start));
    const topics = topicsKey(reader.topics);
    const country = this.countryThatMatters(reader, window);
    let ofWindow = this.selections.get(start);
    if (!ofWindow) this.selections.set(start, (ofWindow = new Map<string, Map<string, MemoisedSelection>>()));
    let ofTopics = ofWindow.get(topics);
    if (!ofTopics) ofWindow.set(topics, (ofTopics = new Map<string, MemoisedSelection>()));
    let found = ofTopics.get(country ?? '');
    if (!found) {
      const selection = selectPrepared(
        candidatesOf(window, reader.topics),
        reader.topics,
        this.options,
        country,
      );
      found = { selection, key: selectionKey(selection), topics, size: selectionSize(selection) };
      ofTopics.set(country ?? '', found);
    }
    return found;
  }

  /** Articles in the earliest window of a due reader (the run's articlesInWindow). */
  articlesInWindow(): number {
    return this.articles.count;
  }

  /** Since the last delivered digest; a first digest looks `firstWindowDays` back. Epoch ms. */
  private windowStartFor(reader: Subscriber): number {
    const now = this.now.getTime();
    const floor = now - MAX_WINDOW_DAYS * 86_400_000;
    const start = reader.lastDigestAt
      ? Date.parse(reader.lastDigestAt)
      : now - this.options.firstWindowDays * 86_400_000;
    return Math.max(start, floor);
  }

  private async windowOf(start: number): Promise<Window> {
    const inWindow = (await this.articles.since(start)).filter((candidate) => candidate.firstSeenMs > start);
    const byTopic = new Map<TopicId, RankableArticle[]>();
    for (const candidate of inWindow) {
      for (const [topic, score] of Object.entries(candidate.article.topics) as [TopicId, number][]) {
        if (!(score > 0)) continue;
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(candidate);
      }
    }
    const window = {
      byTopic,
      recruiting: recruitingCountriesByTopic(inWindow.map((candidate) => candidate.article)),
    };
    this.windows.set(start, window);
    return window;
  }

  private countryThatMatters(reader: Subscriber, window: Window): string | undefined {
    const { country } = reader;
    if (!country) return undefined;
    return reader.topics.some((topic) => window.recruiting.get(topic)?.has(country)) ? country : undefined;
  }
}

/** The window's articles on any of the reader's topics (what selection looks at), each once. */
function candidatesOf(window: Window, topics: readonly TopicId[]): readonly RankableArticle[] {
  if (topics.length === 1) return window.byTopic.get(topics[0]!) ?? [];
  const candidates = new Set<RankableArticle>();
  for (const topic of topics)
    for (const candidate of window.byTopic.get(topic) ?? []) candidates.add(candidate);
  return [...candidates];
}
