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

/** A MeSH heading as the tagger reads it: the descriptor, its qualifiers, which are main points. */
export interface MeshFact {
  readonly descriptor: string;
  readonly major: boolean;
  readonly qualifiers: readonly { readonly name: string; readonly major: boolean }[];
}

/**
 * Structured facts of a record (PubMed, ClinicalTrials.gov), read beside its title and summary:
 * content/topics.yaml (`facts:`) says what each counts for.
 */
export interface TagFacts {
  /** PubMed's MeSH headings, or the registry's MeSH terms for a trial's conditions and interventions. */
  readonly mesh?: readonly MeshFact[];
  /** Names the record lists: substances, conditions, interventions, author keywords. */
  readonly names?: readonly string[];
  /** A trial's arms, each the names of the interventions it gives. */
  readonly arms?: readonly (readonly string[])[];
}

export interface TagInput {
  readonly title: string;
  readonly summary?: string;
  /** Items of a focused source (not `broad`) are relevant by the source's nature: keep their topics. */
  readonly assumeRelevant?: boolean;
  readonly facts?: TagFacts;
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

  return ({ title, summary = '', assumeRelevant = false, facts }) => {
    const names = facts?.names?.filter(Boolean) ?? [];
    const item: Item = {
      title: readField(compiled, title),
      summary: readField(compiled, summary),
      // " | " keeps a phrase from running from one name into the next.
      ...(names.length > 0 ? { names: readField(compiled, names.join(' | ')) } : {}),
    };
    const evidence: Evidence | undefined = explain ? {} : undefined;
    const factScores = facts ? scoreFacts(facts, compiled) : undefined;

    const candidates: TopicScores = {};
    const candidateTerms: Partial<Record<TopicId, string>> = {};
    // Topics without requirements first: a requirement looks at them.
    for (let pass = 0; pass < 2; pass += 1) {
      for (const topic of compiled.topics) {
        if ((topic.requires === undefined) !== (pass === 0)) continue;
        if (topic.requires && !requirementMet(topic.requires, candidates, item)) continue;
        const notes: string[] | undefined = evidence ? [] : undefined;
        const strongest: Strongest | undefined = reportTerms ? { weight: 0, words: '' } : undefined;
        const fromFacts = factScores?.get(topic.id);
        const value =
          scoreRule(topic, item, compiled, notes, strongest, compiled.facts.namesFor.has(topic.id)) +
          (fromFacts?.score ?? 0);
        if (fromFacts) notes?.push(...fromFacts.notes);
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
  /** The record's names (substances, conditions, interventions): evidence like the title's. */
  readonly names?: Field;
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
  readNames = false,
): number {
  if (vetoed(item.title, rule.exclude)) return 0;
  const title = new RuleView(item.title, rule.ignore, compiled.matcherGroups);
  const summary = vetoed(item.summary, rule.exclude)
    ? undefined
    : new RuleView(item.summary, rule.ignore, compiled.matcherGroups);
  const names =
    readNames && item.names && !vetoed(item.names, rule.exclude)
      ? new RuleView(item.names, rule.ignore, compiled.matcherGroups)
      : undefined;

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
    const inNames = names ? termFound(term, [names], compiled) : undefined;
    if (inNames !== undefined) {
      score += term.weight * compiled.titleWeight;
      notes?.push(`fact: ${inNames}`);
      if (strongest && term.weight * compiled.titleWeight > strongest.weight) {
        strongest.weight = term.weight * compiled.titleWeight;
        strongest.words = wordsAsWritten(term, [names!]) ?? inNames;
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
    if (item.title.groups.has(group) || item.summary.groups.has(group) || item.names?.groups.has(group))
      return true;
  return false;
}

/**
 * What the structured facts add to each topic: every MeSH mapping entry that matches counts
 * once (a main point `weight`, otherwise `minorWeight`, times titleWeight), and a trial arm
 * that gives an immunotherapy with a partner counts `weight` for the combination topic.
 */
function scoreFacts(
  facts: TagFacts,
  compiled: CompiledVocabulary,
): Map<TopicId, { score: number; notes: string[] }> {
  const rules = compiled.facts;
  const scores = new Map<TopicId, { score: number; notes: string[] }>();
  const add = (topic: TopicId, weight: number, note: string) => {
    const entry = scores.get(topic) ?? { score: 0, notes: [] };
    entry.score += weight * compiled.titleWeight;
    entry.notes.push(note);
    scores.set(topic, entry);
  };

  const headings = (facts.mesh ?? []).map((heading) => ({
    descriptor: heading.descriptor.toLowerCase(),
    major: heading.major,
    qualifiers: heading.qualifiers.map((qualifier) => ({
      name: qualifier.name.toLowerCase(),
      major: qualifier.major,
    })),
  }));
  for (const entry of rules.mesh) {
    let best = 0;
    for (const heading of headings) {
      if (
        entry.heading !== undefined &&
        heading.descriptor !== entry.heading &&
        !(entry.narrower && heading.descriptor.startsWith(`${entry.heading},`))
      )
        continue;
      let major = heading.major;
      if (entry.qualifier !== undefined) {
        const qualifier = heading.qualifiers.find((candidate) => candidate.name === entry.qualifier);
        if (!qualifier) continue;
        major ||= qualifier.major;
      } else if (heading.qualifiers.some((qualifier) => rules.adverseQualifiers.has(qualifier.name))) {
        // "Colitis/chemically induced" is an adverse event, not the disease.
        continue;
      }
      best = Math.max(best, major ? rules.weight : rules.minorWeight);
    }
    if (best > 0) for (const topic of entry.topics) add(topic, best, `fact: MeSH ${entry.label}`);
  }

  const arm = rules.combinationArm;
  if (arm && facts.arms) {
    const combined = facts.arms.map((names) => combinationIn(names, arm, compiled)).find(Boolean);
    if (combined) add(arm.topic, rules.weight, `fact: arm ${combined}`);
  }
  return scores;
}

/** "Pembrolizumab + Carboplatin" when an arm gives a therapy with a partner; undefined otherwise. */
function combinationIn(
  names: readonly string[],
  arm: NonNullable<CompiledVocabulary['facts']['combinationArm']>,
  compiled: CompiledVocabulary,
): string | undefined {
  const groups = names.map((name) =>
    groupFound(compiled.matcher.find(name).spans.keys(), compiled.matcherGroups),
  );
  const has = (index: number, wanted: readonly number[]) => wanted.some((group) => groups[index]!.has(group));
  for (let therapy = 0; therapy < names.length; therapy += 1) {
    if (!has(therapy, arm.therapy)) continue;
    for (let partner = 0; partner < names.length; partner += 1) {
      if (partner === therapy || !has(partner, arm.partner) || has(partner, arm.notAPartner)) continue;
      return `${names[therapy]!} + ${names[partner]!}`;
    }
  }
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
