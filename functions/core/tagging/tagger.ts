import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import type { TopicScores } from '../../model/articles.ts';
import {
  compileVocabulary,
  type CompiledRule,
  type CompiledTerm,
  type CompiledTopic,
  type CompiledVocabulary,
} from './compile.ts';
import { overlaps, type Found, type Span } from './matcher.ts';
import type { Vocabulary } from './vocabulary.ts';

export interface TagInput {
  readonly title: string;
  readonly summary?: string;
  /** Items of a focused source (not `broad`) are relevant by the source's nature: keep their topics. */
  readonly assumeRelevant?: boolean;
}

export interface TagResult {
  /** Scores of the topics that reached the threshold; empty when the item is not relevant. */
  readonly topics: TopicScores;
  /** About using or understanding the immune system as a therapy (content/topics.yaml). */
  readonly relevant: boolean;
  /**
   * Only with `createTagger(vocabulary, { explain: true })`: the words that counted, per topic
   * and for relevance (`"title: pembrolizumab"`), including topics dropped as not relevant.
   */
  readonly evidence?: Partial<Record<TopicId | 'relevance', string[]>>;
  /**
   * Only with `createTagger(vocabulary, { terms: true })`: for each topic tagged, the words of the
   * term that weighed most, as the item writes them ("pembrolizumab", "non-small cell lung
   * cancer"): what "why you got this" quotes.
   */
  readonly terms?: Partial<Record<TopicId, string>>;
}

export type Tagger = (input: TagInput) => TagResult;

export interface TaggerOptions {
  /** Report which words counted (slower; for the eval script and for editors tuning words). */
  readonly explain?: boolean;
  /** Report the words that tagged each topic (`terms`). Costs nothing measurable: the scoring finds them anyway. */
  readonly terms?: boolean;
}

/**
 * Compiles the vocabulary once and returns a pure tagging function.
 *
 * A topic's score is the sum of the weights of its distinct terms found, a title hit counting
 * `titleWeight` times a summary hit; the topic is tagged when the score reaches `threshold`.
 * `ignore` words are invisible to a topic; an `exclude` word in the title cancels the topic and
 * in the summary cancels the summary's evidence. A topic with `requires` stands only beside one
 * of the topics or cues it names. An item that is not relevant (relevance score below its
 * threshold and no `impliedBy` topic) gets no topics: a digest never carries it.
 *
 * @example createTagger(vocabulary)({ title: 'CAR-T cell therapy for leukaemia' })
 */
export function createTagger(vocabulary: Vocabulary, options: TaggerOptions = {}): Tagger {
  const compiled = compileVocabulary(vocabulary);
  const explain = options.explain === true;
  const reportTerms = options.terms === true;

  return ({ title, summary = '', assumeRelevant = false }) => {
    const item: Item = { title: readField(compiled, title), summary: readField(compiled, summary) };
    const evidence: Evidence | undefined = explain ? {} : undefined;

    const candidates: TopicScores = {};
    const candidateTerms: Partial<Record<TopicId, string>> = {};
    // Topics without requirements first: a requirement looks at them.
    for (let pass = 0; pass < 2; pass += 1) {
      for (const topic of compiled.topics) {
        if ((topic.requires === undefined) !== (pass === 0)) continue;
        if (topic.requires && !requirementMet(topic.requires, candidates, item)) continue;
        const notes: string[] | undefined = evidence ? [] : undefined;
        const strongest: Strongest | undefined = reportTerms ? { weight: 0, words: '' } : undefined;
        const value = scoreRule(topic, item, compiled, notes, strongest);
        if (value < compiled.threshold) continue;
        candidates[topic.id] = round(value);
        if (evidence && notes) evidence[topic.id] = notes;
        if (strongest?.words) candidateTerms[topic.id] = strongest.words;
      }
    }

    let relevant = assumeRelevant;
    for (const id of compiled.impliedBy) relevant ||= candidates[id] !== undefined;
    if (!relevant || evidence) {
      const notes: string[] | undefined = evidence ? [] : undefined;
      const value = scoreRule(compiled.relevance, item, compiled, notes);
      relevant ||= value >= compiled.relevanceThreshold;
      if (evidence && notes && notes.length > 0) evidence.relevance = notes;
    }

    const topics: TopicScores = {};
    const terms: Partial<Record<TopicId, string>> = {};
    if (relevant)
      for (const id of TOPIC_IDS) {
        if (candidates[id] === undefined) continue;
        topics[id] = candidates[id];
        if (candidateTerms[id] !== undefined) terms[id] = candidateTerms[id];
      }
    return {
      topics,
      relevant,
      ...(evidence ? { evidence } : {}),
      ...(reportTerms ? { terms } : {}),
    };
  };
}

/** The term of a rule that weighed most so far, and its words as the item writes them. */
interface Strongest {
  weight: number;
  words: string;
}

type Evidence = Partial<Record<TopicId | 'relevance', string[]>>;

/** A title or summary after matching, with its matchers grouped. */
interface Field {
  readonly found: Found;
  /** Matcher ids found, by group. */
  readonly groups: ReadonlyMap<number, readonly number[]>;
}

interface Item {
  readonly title: Field;
  readonly summary: Field;
}

function readField(compiled: CompiledVocabulary, text: string): Field {
  const found = compiled.matcher.find(text);
  return { found, groups: groupFound(found.spans.keys(), compiled.matcherGroups) };
}

function groupFound(
  ids: Iterable<number>,
  matcherGroups: readonly (readonly number[])[],
): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const id of ids) {
    for (const group of matcherGroups[id]!) {
      const members = groups.get(group);
      if (members) members.push(id);
      else groups.set(group, [id]);
    }
  }
  return groups;
}

/** A field as one rule sees it: without the words its `ignore` list hides. */
class RuleView {
  readonly groups: ReadonlyMap<number, readonly number[]>;
  private readonly visibleSpans?: ReadonlyMap<number, readonly Span[]>;

  constructor(
    readonly field: Field,
    ignore: readonly number[],
    matcherGroups: readonly (readonly number[])[],
  ) {
    const masks: Span[] = [];
    for (const id of ignore) {
      const spans = field.found.spans.get(id);
      if (spans) masks.push(...spans);
    }
    if (masks.length === 0) {
      this.groups = field.groups;
      return;
    }
    const visible = new Map<number, Span[]>();
    for (const [id, spans] of field.found.spans) {
      const kept = spans.filter((span) => !masks.some((mask) => overlaps(mask, span)));
      if (kept.length > 0) visible.set(id, kept);
    }
    this.visibleSpans = visible;
    this.groups = groupFound(visible.keys(), matcherGroups);
  }

  spans(id: number): readonly Span[] {
    return (this.visibleSpans ?? this.field.found.spans).get(id) ?? [];
  }

  /**
   * The places where words of a group stand, in text order: overlapping matches and matches
   * separated only by spaces or hyphens are one place ("ciltacabtagene autoleucel").
   */
  places(group: number): Span[] {
    const ids = this.groups.get(group);
    if (!ids) return [];
    const spans: Span[] = [];
    for (const id of ids) spans.push(...this.spans(id));
    if (spans.length < 2) return spans;
    spans.sort(byStart);
    const places: Span[] = [];
    for (const span of spans) {
      const last = places.at(-1);
      if (
        last &&
        (span.start <= last.end || /^[\s-]*$/.test(this.field.found.text.slice(last.end, span.start)))
      )
        places[places.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
      else places.push(span);
    }
    return places;
  }
}

function byStart(a: Span, b: Span): number {
  return a.start - b.start;
}

function vetoed(field: Field, exclude: readonly number[]): boolean {
  if (field.found.spans.size === 0) return false;
  for (const id of exclude) if (field.found.spans.has(id)) return true;
  return false;
}

/**
 * The weighted score of a rule: each term counts once, `titleWeight` times its weight when found
 * in the title, its weight when found only in the summary.
 */
function scoreRule(
  rule: CompiledRule,
  item: Item,
  compiled: CompiledVocabulary,
  notes?: string[],
  strongest?: Strongest,
): number {
  if (vetoed(item.title, rule.exclude)) return 0;
  const title = new RuleView(item.title, rule.ignore, compiled.matcherGroups);
  const summary = vetoed(item.summary, rule.exclude)
    ? undefined
    : new RuleView(item.summary, rule.ignore, compiled.matcherGroups);

  let score = 0;
  for (const term of rule.terms) {
    const inTitle = termFound(term, [title], compiled);
    if (inTitle !== undefined) {
      score += term.weight * compiled.titleWeight;
      notes?.push(`title: ${inTitle}`);
      if (strongest && term.weight * compiled.titleWeight > strongest.weight) {
        strongest.weight = term.weight * compiled.titleWeight;
        strongest.words = wordsAsWritten(term, [title]) ?? inTitle;
      }
      continue;
    }
    if (!summary) continue;
    // An allOf term may gather its parts from title and summary together.
    const inSummary =
      termFound(term, [summary], compiled) ??
      (term.kind === 'allOf' ? termFound(term, [title, summary], compiled) : undefined);
    if (inSummary !== undefined) {
      score += term.weight;
      notes?.push(`summary: ${inSummary}`);
      if (strongest && term.weight > strongest.weight) {
        strongest.weight = term.weight;
        strongest.words = wordsAsWritten(term, [summary, title]) ?? inSummary;
      }
    }
  }
  return score;
}

/** The words by which a term is found in the given views (read together), or undefined. */
function termFound(
  term: CompiledTerm,
  views: readonly RuleView[],
  compiled: CompiledVocabulary,
): string | undefined {
  // `unless` looks at the words as written, masks or not: it is a condition, not evidence.
  for (const group of term.unless)
    for (const view of views) if (view.field.groups.has(group)) return undefined;
  switch (term.kind) {
    case 'any': {
      for (const view of views) {
        const ids = view.groups.get(term.group);
        if (ids) return compiled.matcher.describe(ids[0]!);
      }
      return undefined;
    }
    case 'allOf': {
      let words = '';
      for (const group of term.groups) {
        let ids: readonly number[] | undefined;
        for (const view of views) ids ??= view.groups.get(group);
        if (!ids) return undefined;
        words += `${words ? ' + ' : ''}${compiled.matcher.describe(ids[0]!)}`;
      }
      return words;
    }
    case 'pair': {
      for (const view of views) {
        const places = view.places(term.group);
        const text = view.field.found.text;
        for (let index = 1; index < places.length; index += 1) {
          const left = places[index - 1]!;
          const right = places[index]!;
          const joint = text.slice(left.end, right.start).trim().toLowerCase();
          if (term.joinedBy.has(joint))
            return `${text.slice(left.start, left.end)} ${joint} ${text.slice(right.start, right.end)}`;
        }
      }
      return undefined;
    }
  }
}

/**
 * The words by which a term was found, as the text writes them ("Pembrolizumab", "NSCLC"), rather
 * than the vocabulary's own spelling or pattern: the first place of its (first) group.
 */
function wordsAsWritten(term: CompiledTerm, views: readonly RuleView[]): string | undefined {
  // A pair's words ("PD-1 and CTLA-4") are what termFound gave already.
  if (term.kind === 'pair') return undefined;
  const group = term.kind === 'allOf' ? term.groups[0] : term.group;
  if (group === undefined) return undefined;
  for (const view of views) {
    const [place] = view.places(group);
    if (place) return view.field.found.text.slice(place.start, place.end);
  }
  return undefined;
}

function requirementMet(
  requires: NonNullable<CompiledTopic['requires']>,
  candidates: TopicScores,
  item: Item,
): boolean {
  for (const id of requires.topics) if (candidates[id] !== undefined) return true;
  for (const group of requires.groups)
    if (item.title.groups.has(group) || item.summary.groups.has(group)) return true;
  return false;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
