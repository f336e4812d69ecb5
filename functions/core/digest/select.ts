import { createHash } from 'node:crypto';
import type { Article } from '../../model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import { EDITORS_PICK_RANK, isHidden, isPinned } from '../editorial/editorial-marks.ts';
import { isRecruitingIn } from './recruiting.ts';

export interface SelectedArticle {
  readonly articleId: string;
  /** The reader's topics this article matched: the "why you got this" line. */
  readonly matchedTopics: readonly TopicId[];
  /** A trial recruiting in the reader's country: its card says so. Absent otherwise. */
  readonly recruitingHere?: true;
}

export interface DigestSection {
  readonly topic: TopicId;
  readonly articles: readonly SelectedArticle[];
}

/**
 * What one reader gets this week: sections in canonical topic order, each ranked, and the
 * reader's topics that had nothing at all in the window (each gets one quiet line, "Nothing new
 * on Lung cancer this week", so that a chosen topic never just vanishes from the email).
 */
export interface Selection {
  readonly sections: readonly DigestSection[];
  readonly quietTopics: readonly TopicId[];
}

export interface SelectionLimits {
  readonly maxPerTopic: number;
  readonly maxArticles: number;
}

/** How much a day of age costs: an article a week old keeps ~37 % of its recency bonus. */
const RECENCY_DAYS = 7;
const RECENCY_BONUS = 2;

/** An article with what ranking needs computed once per planning run, not once per reader. */
export interface RankableArticle {
  readonly article: Article;
  readonly firstSeenMs: number;
  readonly sourceWeight: number;
  readonly recencyBonus: number;
  /**
   * The article's entry in a selection, by what varies between readers (the topics it matched,
   * and whether it recruits in their country; see entryKey): one object shared by every selection
   * of the run that holds it. A planner keeps thousands of selections, most of them holding the
   * same few hundred articles.
   */
  readonly entries: Map<number, SelectedArticle>;
}

export function prepareForSelection(articles: readonly Article[], now: Date): RankableArticle[] {
  return (
    articles
      // An article an editor hid is out of every digest planned after the hide (the sender drops it from earlier ones).
      .filter((article) => article.relevant && !isHidden(article))
      .map((article) => {
        const ageDays = Math.max(0, (now.getTime() - Date.parse(article.publishedAt)) / 86_400_000);
        return {
          article,
          firstSeenMs: Date.parse(article.firstSeenAt),
          sourceWeight: Math.max(1, ...article.sources.map((source) => source.weight)),
          recencyBonus: RECENCY_BONUS * Math.exp(-ageDays / RECENCY_DAYS),
          entries: new Map(),
        };
      })
  );
}

/**
 * The digest selection rules. From the articles first seen in the reader's window, keep the
 * relevant ones on the reader's topics, and fill the sections so that every promise holds:
 *
 * - **Every topic that has articles gets a section**, and the digest holds as many articles as the
 *   limits allow. A section that cannot get an article of its own this round takes one held by
 *   another section that can move to a different article (and so on along the chain: an
 *   augmenting path). So an article shared by two topics never leaves one of them empty, or the
 *   digest short, while another arrangement would fill both.
 * - **The places are shared fairly.** Sections take turns, one article each per round, until a
 *   section has `maxPerTopic` or the digest `maxArticles`; when the last round cannot serve every
 *   section, its best-ranked picks win. A reader of twelve topics gets about two articles on each,
 *   not five on each of the first five.
 * - **An article goes where it fits best.** When two sections want the same article in a round, the
 *   topic it scores higher on gets it and the other takes its next. An article falls back to the
 *   reader's next matching topic when its best section is full.
 * - **No article twice**, at most `maxPerTopic` per section and `maxArticles` in all.
 *
 * Within a section articles are ranked by that topic's score × source weight, plus a recency bonus.
 * A chosen topic with no article in the window is listed in `quietTopics`. Pure and deterministic:
 * ties break on topic order, then on article id, whatever the order of the input.
 */
export function selectArticles(
  articles: readonly Article[],
  readerTopics: readonly TopicId[],
  limits: SelectionLimits,
  now: Date,
  readerCountry?: string,
): Selection {
  return selectPrepared(prepareForSelection(articles, now), readerTopics, limits, readerCountry);
}

/** One article as a candidate for one topic's section. */
interface Candidate {
  readonly article: Article;
  readonly prepared: RankableArticle;
  /** The reader's topics the article matched, in canonical order. */
  readonly matched: readonly TopicId[];
  /** The same, as bits of TOPIC_IDS positions (see topicListOf). */
  readonly matchedBits: number;
  /** Rank within this topic's section: the topic's score × source weight + recency bonus. */
  readonly rank: number;
  /** A trial recruiting in the reader's country. */
  readonly recruitingHere: boolean;
}

/**
 * selectArticles on articles prepared once for many readers. With the reader's country, a trial
 * recruiting there ranks above every trial of its section that is not (see liftRecruitingHere).
 */
export function selectPrepared(
  articles: readonly RankableArticle[],
  readerTopics: readonly TopicId[],
  limits: SelectionLimits,
  readerCountry?: string,
): Selection {
  const wanted = TOPIC_IDS.filter((id) => readerTopics.includes(id));
  const queues = new Map<TopicId, Candidate[]>(wanted.map((topic) => [topic, []]));
  for (const prepared of articles) {
    const { article, sourceWeight, recencyBonus } = prepared;
    let matchedBits = 0;
    for (const id of wanted) if ((article.topics[id] ?? 0) > 0) matchedBits |= TOPIC_BIT[id];
    if (matchedBits === 0) continue;
    const matched = topicListOf(matchedBits);
    const recruitingHere = isRecruitingIn(article.trial, readerCountry);
    // Indexed loops over the shared (frozen) topic lists: their iterators are not optimised away.
    for (let index = 0; index < matched.length; index += 1) {
      const topic = matched[index]!;
      queues.get(topic)!.push({
        article,
        prepared,
        matched,
        matchedBits,
        // An editor's pick leads every section it is in.
        rank:
          article.topics[topic]! * sourceWeight + recencyBonus + (isPinned(article) ? EDITORS_PICK_RANK : 0),
        recruitingHere,
      });
    }
  }
  if (readerCountry) for (const [topic, queue] of queues) queues.set(topic, liftRecruitingHere(queue));
  for (const queue of queues.values()) queue.sort(byRank);

  const places = new Placement(queues);
  const open = wanted.filter((topic) => queues.get(topic)!.length > 0);
  /** Sections that can gain no article any more: no free one and no chain that frees one. */
  const exhausted = new Set<TopicId>();
  while (places.total < limits.maxArticles) {
    const turn = open.filter((topic) => !exhausted.has(topic) && places.count(topic) < limits.maxPerTopic);
    if (turn.length === 0) break;
    const picks = proposeRound(turn, queues, places);
    // The last round may not serve every section: the best-ranked picks take the places left.
    const served = [...picks].sort(
      ([topicA, a], [topicB, b]) => byRank(a, b) || TOPIC_IDS.indexOf(topicA) - TOPIC_IDS.indexOf(topicB),
    );
    for (const [topic, candidate] of served) {
      if (places.total >= limits.maxArticles) break;
      places.hold(candidate, topic);
    }
    for (const topic of turn) {
      if (picks.has(topic)) continue;
      if (places.total >= limits.maxArticles) break;
      if (!places.augment(topic, new Set())) exhausted.add(topic);
    }
  }

  const sections = open
    .filter((topic) => places.count(topic) > 0)
    .map((topic) => ({
      topic,
      articles: places.of(topic).sort(byRank).map(entryOf),
    }));
  const quietTopics = wanted.filter((topic) => queues.get(topic)!.length === 0);
  return { sections, quietTopics };
}

/** Each topic's bit in a set of topics: its position in TOPIC_IDS. */
const TOPIC_BIT = Object.fromEntries(TOPIC_IDS.map((id, position) => [id, 1 << position])) as Record<
  TopicId,
  number
>;

/**
 * Topic lists by their bits, in canonical order, made once each: every article of every
 * selection names one, and a few hundred distinct lists serve them all.
 */
const topicLists = new Map<number, readonly TopicId[]>();

function topicListOf(bits: number): readonly TopicId[] {
  let list = topicLists.get(bits);
  if (!list) {
    list = Object.freeze(TOPIC_IDS.filter((id) => (bits & TOPIC_BIT[id]) !== 0));
    topicLists.set(bits, list);
  }
  return list;
}

/** A selection's entry for a candidate, the one its prepared article keeps for equal entries. */
function entryOf(candidate: Candidate): SelectedArticle {
  const key = candidate.matchedBits * 2 + (candidate.recruitingHere ? 1 : 0);
  let entry = candidate.prepared.entries.get(key);
  if (!entry) {
    entry = Object.freeze({
      articleId: candidate.article.id,
      matchedTopics: candidate.matched,
      ...(candidate.recruitingHere ? { recruitingHere: true as const } : {}),
    });
    candidate.prepared.entries.set(key, entry);
  }
  return entry;
}

/** Rank a lifted trial keeps above the best trial it passes. */
const LIFT_MARGIN = 0.001;

/**
 * Within one section, the trials recruiting in the reader's country rank above the trials that
 * are not: all of them are lifted by one amount (their order among themselves stays), just above
 * the best other trial. Articles that are not trials keep their places against both: a reader
 * near a trial sees it first among trials, not instead of the week's results. An editor's pick
 * still leads its section.
 */
function liftRecruitingHere(queue: readonly Candidate[]): Candidate[] {
  let lowestHere = Infinity;
  let bestOtherTrial = -Infinity;
  for (const candidate of queue) {
    if (candidate.recruitingHere) lowestHere = Math.min(lowestHere, candidate.rank);
    // An editor's pick keeps the lead: only unpinned trials set the bar.
    else if (candidate.article.trial && !isPinned(candidate.article))
      bestOtherTrial = Math.max(bestOtherTrial, candidate.rank);
  }
  if (lowestHere === Infinity || bestOtherTrial < lowestHere) return [...queue];
  const lift = bestOtherTrial - lowestHere + LIFT_MARGIN;
  return queue.map((candidate) =>
    candidate.recruitingHere ? { ...candidate, rank: candidate.rank + lift } : candidate,
  );
}

function byRank(a: Candidate, b: Candidate): number {
  return b.rank - a.rank || (a.article.id < b.article.id ? -1 : a.article.id > b.article.id ? 1 : 0);
}

/** True when `topic` has a better claim to the article than `holder`: a higher score, or earlier on a tie. */
function fitsBetter(article: Article, topic: TopicId, holder: TopicId): boolean {
  const score = article.topics[topic] ?? 0;
  const holderScore = article.topics[holder] ?? 0;
  return (
    score > holderScore || (score === holderScore && TOPIC_IDS.indexOf(topic) < TOPIC_IDS.indexOf(holder))
  );
}

/** Which section holds which article, so far. */
class Placement {
  private readonly holders = new Map<string, { topic: TopicId; candidate: Candidate }>();
  private readonly counts = new Map<TopicId, number>();
  total = 0;

  constructor(private readonly queues: ReadonlyMap<TopicId, readonly Candidate[]>) {}

  count(topic: TopicId): number {
    return this.counts.get(topic) ?? 0;
  }

  isFree(articleId: string): boolean {
    return !this.holders.has(articleId);
  }

  of(topic: TopicId): Candidate[] {
    return [...this.holders.values()].filter((held) => held.topic === topic).map((held) => held.candidate);
  }

  /** Gives the article to `topic`, taking it from the section that held it, if any. */
  hold(candidate: Candidate, topic: TopicId): void {
    const previous = this.holders.get(candidate.article.id);
    if (previous) this.counts.set(previous.topic, this.count(previous.topic) - 1);
    else this.total += 1;
    this.holders.set(candidate.article.id, { topic, candidate });
    this.counts.set(topic, this.count(topic) + 1);
  }

  /**
   * One more article for `topic`: a free one (its best-ranked), else one held by a section that
   * can itself take another (recursively). Every other section keeps its count. False when no
   * chain exists; then none will later either (the articles only ever get fewer).
   */
  augment(topic: TopicId, visited: Set<TopicId>): boolean {
    visited.add(topic);
    const queue = this.queues.get(topic)!;
    const free = queue.find((candidate) => this.isFree(candidate.article.id));
    if (free) {
      this.hold(free, topic);
      return true;
    }
    for (const candidate of queue) {
      const holder = this.holders.get(candidate.article.id)!.topic;
      if (holder === topic || visited.has(holder)) continue;
      if (this.augment(holder, visited)) {
        this.hold(candidate, topic);
        return true;
      }
    }
    return false;
  }
}

/**
 * One round: each section proposes its best free article; an article wanted by several goes to
 * the topic it fits best, and the others propose their next (deferred acceptance). A section ends
 * the round without a pick only when every free article it could take went to another.
 */
function proposeRound(
  turn: readonly TopicId[],
  queues: ReadonlyMap<TopicId, readonly Candidate[]>,
  places: Placement,
): Map<TopicId, Candidate> {
  const proposedTo = new Map<string, TopicId>();
  const picks = new Map<TopicId, Candidate>();
  const next = new Map<TopicId, number>(turn.map((topic) => [topic, 0]));
  const waiting = [...turn];
  while (waiting.length > 0) {
    const topic = waiting.shift()!;
    const queue = queues.get(topic)!;
    let index = next.get(topic)!;
    while (index < queue.length && !places.isFree(queue[index]!.article.id)) index += 1;
    next.set(topic, index + 1);
    const candidate = queue[index];
    if (!candidate) continue;
    const rival = proposedTo.get(candidate.article.id);
    if (rival === undefined || fitsBetter(candidate.article, topic, rival)) {
      proposedTo.set(candidate.article.id, topic);
      picks.set(topic, candidate);
      if (rival !== undefined) {
        picks.delete(rival);
        waiting.push(rival);
      }
    } else {
      waiting.push(topic);
    }
  }
  return picks;
}

export function selectionSize(selection: Pick<Selection, 'sections'>): number {
  return selection.sections.reduce((total, section) => total + section.articles.length, 0);
}

/** A stable key of a selection's content: readers with equal keys get byte-identical digests but for their links. */
export function selectionKey(selection: Selection): string {
  const content =
    selection.quietTopics.length > 0 ? [selection.sections, selection.quietTopics] : selection.sections;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 16);
}

/** A stable key of a reader's topic list, so a sender can tell a selection made for other topics. */
export function topicsKey(topics: readonly TopicId[]): string {
  // Asked for every reader planned and every email sent: made once per topic set.
  let bits = 0;
  for (const id of topics) bits |= TOPIC_BIT[id] ?? 0;
  let key = topicsKeys.get(bits);
  if (key === undefined) topicsKeys.set(bits, (key = topicListOf(bits).join(',')));
  return key;
}

const topicsKeys = new Map<number, string>();
