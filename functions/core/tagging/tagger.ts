import { TOPIC_IDS, type TopicId } from '../topics.ts';
import type { TopicScores } from '../model.ts';
import type { TermDefinition, Vocabulary } from './vocabulary.ts';

export interface TagInput {
  readonly title: string;
  readonly summary?: string;
  /** Items of a focused source (not `broad`) are relevant by the source's nature: keep their topics. */
  readonly assumeRelevant?: boolean;
}

export interface TagResult {
  /** Scores of the topics that reached the threshold; empty when the item is not relevant. */
  readonly topics: TopicScores;
  /** About using or understanding the immune system as a therapy (TOPICS.md). */
  readonly relevant: boolean;
}

export type Tagger = (input: TagInput) => TagResult;

interface CompiledTerm {
  readonly regex: RegExp;
  readonly weight: number;
}

/**
 * Compiles the vocabulary once and returns a pure tagging function. Title hits weigh
 * `titleWeight` times a summary hit; an exclusion hit in the same text cancels the topic.
 * An item that is not relevant gets no topics: a digest never carries it.
 *
 * @example createTagger(vocabulary)({ title: 'CAR-T cell therapy for leukaemia' })
 */
export function createTagger(vocabulary: Vocabulary): Tagger {
  const topics = TOPIC_IDS.map((id) => {
    const definition = vocabulary.topics[id]!;
    return { id, terms: definition.terms.map(compileTerm), exclude: definition.exclude.map(compileTerm) };
  });
  const relevanceTerms = vocabulary.relevance.terms.map(compileTerm);
  const relevanceExclusions = vocabulary.relevance.exclude.map(compileTerm);
  const impliedBy = new Set<TopicId>(vocabulary.relevance.impliedBy);

  return ({ title, summary = '', assumeRelevant = false }) => {
    const scoreOf = (terms: readonly CompiledTerm[]) =>
      score(terms, title) * vocabulary.titleWeight + score(terms, summary);

    const candidateScores: TopicScores = {};
    for (const topic of topics) {
      if (topic.exclude.length > 0 && score(topic.exclude, title) > 0) continue;
      const value = scoreOf(topic.terms);
      if (value >= vocabulary.threshold) candidateScores[topic.id] = round(value);
    }

    const excluded = relevanceExclusions.length > 0 && score(relevanceExclusions, title) > 0;
    const relevanceScore = scoreOf(relevanceTerms);
    const relevant =
      assumeRelevant ||
      (!excluded &&
        (relevanceScore >= vocabulary.relevance.threshold ||
          Object.keys(candidateScores).some((id) => impliedBy.has(id as TopicId))));

    return { topics: relevant ? candidateScores : {}, relevant };
  };
}

function compileTerm(term: TermDefinition): CompiledTerm {
  const flags = term.caseSensitive ? 'gu' : 'giu';
  if ('pattern' in term) return { regex: new RegExp(term.pattern, flags), weight: term.weight };
  const body = term.phrase
    .trim()
    .split(/[\s-]+/)
    .map(escapeRegex)
    .join('[\\s\\-‐–]?');
  // Word boundaries that understand letters beyond ASCII and let "PD-1" end at a digit.
  return { regex: new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, flags), weight: term.weight };
}

/** Sum of weights of the distinct terms found (a term repeated counts once: repetition is not evidence). */
function score(terms: readonly CompiledTerm[], text: string): number {
  if (!text) return 0;
  let total = 0;
  for (const term of terms) {
    term.regex.lastIndex = 0;
    if (term.regex.test(text)) total += term.weight;
  }
  return total;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
