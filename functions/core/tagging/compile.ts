import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import { TextMatcher, type MatcherSpec } from './matcher.ts';
import { normaliseText } from './text.ts';
import type { CueEntry, MaskDefinition, TermDefinition, Vocabulary } from './vocabulary.ts';

/**
 * The vocabulary turned into numbers once, so tagging an item never walks a word list: every
 * distinct phrase, pattern or suffix is a *matcher*; every cue, and every term that names a
 * single word, is a *group* of matchers. Tagging finds the matchers in a text, looks up their
 * groups, and evaluates each rule's terms against the groups found.
 */

export type CompiledTerm =
  | {
      readonly kind: 'any';
      readonly group: number;
      readonly weight: number;
      readonly unless: readonly number[];
    }
  | {
      readonly kind: 'allOf';
      readonly groups: readonly number[];
      readonly weight: number;
      readonly unless: readonly number[];
    }
  | {
      readonly kind: 'pair';
      readonly group: number;
      /** Normalised lower-case joining words. */
      readonly joinedBy: ReadonlySet<string>;
      readonly weight: number;
      readonly unless: readonly number[];
    };

export interface CompiledRule {
  readonly terms: readonly CompiledTerm[];
  /** Matchers whose words veto the rule (in the title) or its summary evidence (in the summary). */
  readonly exclude: readonly number[];
  /** Matchers whose words are invisible to the rule. */
  readonly ignore: readonly number[];
}

export interface CompiledTopic extends CompiledRule {
  readonly id: TopicId;
  readonly requires?: { readonly topics: readonly TopicId[]; readonly groups: readonly number[] };
}

/** The facts mapping, ready to compare: headings and qualifiers in lower case, cues as groups. */
export interface CompiledFacts {
  readonly weight: number;
  readonly minorWeight: number;
  readonly adverseQualifiers: ReadonlySet<string>;
  readonly namesFor: ReadonlySet<TopicId>;
  readonly mesh: readonly {
    readonly heading?: string;
    readonly narrower: boolean;
    readonly qualifier?: string;
    readonly topics: readonly TopicId[];
    /** How the entry reads in evidence: "Receptors, Chimeric Antigen", "…/adverse effects". */
    readonly label: string;
  }[];
  readonly combinationArm?: {
    readonly topic: TopicId;
    readonly therapy: readonly number[];
    readonly partner: readonly number[];
    readonly notAPartner: readonly number[];
  };
}

export interface CompiledVocabulary {
  readonly matcher: TextMatcher;
  /** The groups each matcher belongs to. */
  readonly matcherGroups: readonly (readonly number[])[];
  readonly topics: readonly CompiledTopic[];
  readonly relevance: CompiledRule;
  readonly impliedBy: ReadonlySet<TopicId>;
  readonly threshold: number;
  readonly relevanceThreshold: number;
  readonly titleWeight: number;
  readonly facts: CompiledFacts;
}

type PrimitiveEntry = Exclude<CueEntry, { cue: string }>;

/** Compiles a validated vocabulary. Throws on an unknown cue name (the schema reports those first). */
export function compileVocabulary(vocabulary: Vocabulary): CompiledVocabulary {
  const specs: MatcherSpec[] = [];
  const specIds = new Map<string, number>();
  const cueNames = Object.keys(vocabulary.cues);
  const cueIndex = new Map(cueNames.map((name, index) => [name, index]));
  // Groups 0..cues-1 are the cues; lone terms get groups after them.
  const groupMatchers: number[][] = cueNames.map(() => []);
  const loneGroups = new Map<number, number>();
  // `except` needs the final matchers of cues: resolved after every cue is compiled.
  const pendingExcepts: { spec: number; cues: readonly string[] }[] = [];

  const cueOf = (name: string): number => {
    const index = cueIndex.get(name);
    if (index === undefined) throw new Error(`unknown cue "${name}"`);
    return index;
  };

  const matcherFor = (entry: PrimitiveEntry): number => {
    const base =
      'phrase' in entry
        ? { kind: 'phrase' as const, phrase: entry.phrase }
        : 'pattern' in entry
          ? { kind: 'pattern' as const, pattern: entry.pattern }
          : {
              kind: 'suffix' as const,
              suffix: entry.suffix,
              minLength: entry.minLength ?? entry.suffix.length,
            };
    const key = JSON.stringify([base, entry.caseSensitive, entry.except]);
    const known = specIds.get(key);
    if (known !== undefined) return known;
    const id = specs.length;
    specs.push({ ...base, caseSensitive: entry.caseSensitive, except: [] });
    specIds.set(key, id);
    if (entry.except.length > 0) pendingExcepts.push({ spec: id, cues: entry.except });
    return id;
  };

  const resolving = new Set<string>();
  const resolveCue = (name: string): number[] => {
    const index = cueOf(name);
    if (groupMatchers[index]!.length > 0 || resolving.has(name)) return groupMatchers[index]!;
    resolving.add(name);
    const ids = new Set<number>();
    for (const entry of vocabulary.cues[name]!) {
      if ('cue' in entry) for (const id of resolveCue(entry.cue)) ids.add(id);
      else ids.add(matcherFor(entry));
    }
    groupMatchers[index] = [...ids];
    return groupMatchers[index];
  };
  cueNames.forEach(resolveCue);

  const loneGroup = (entry: PrimitiveEntry): number => {
    const id = matcherFor(entry);
    const known = loneGroups.get(id);
    if (known !== undefined) return known;
    groupMatchers.push([id]);
    loneGroups.set(id, groupMatchers.length - 1);
    return groupMatchers.length - 1;
  };

  const matchersOf = (masks: readonly MaskDefinition[]): number[] =>
    masks.flatMap((mask) => ('cue' in mask ? resolveCue(mask.cue) : [matcherFor(mask)]));

  const compileTerm = (term: TermDefinition): CompiledTerm => {
    const unless = term.unless.map(cueOf);
    const { weight } = term;
    if ('allOf' in term) return { kind: 'allOf', groups: term.allOf.map(cueOf), weight, unless };
    if ('pairOf' in term) {
      const joinedBy = new Set(term.joinedBy.map((word) => normaliseText(word).trim().toLowerCase()));
      return { kind: 'pair', group: cueOf(term.pairOf), joinedBy, weight, unless };
    }
    if ('cue' in term) return { kind: 'any', group: cueOf(term.cue), weight, unless };
    return { kind: 'any', group: loneGroup(term), weight, unless };
  };

  const compileRule = (rule: {
    terms: readonly TermDefinition[];
    exclude: readonly MaskDefinition[];
    ignore: readonly MaskDefinition[];
  }): CompiledRule => ({
    terms: rule.terms.map(compileTerm),
    exclude: matchersOf(rule.exclude),
    ignore: matchersOf(rule.ignore),
  });

  const topics = TOPIC_IDS.map((id): CompiledTopic => {
    const definition = vocabulary.topics[id]!;
    const rule = compileRule(definition);
    if (!definition.requires) return { id, ...rule };
    return {
      id,
      ...rule,
      requires: { topics: definition.requires.topics, groups: definition.requires.cues.map(cueOf) },
    };
  });
  const relevance = compileRule(vocabulary.relevance);
  const { facts: factsDefinition } = vocabulary;
  const arm = factsDefinition.combinationArm;
  const facts: CompiledFacts = {
    weight: factsDefinition.weight,
    minorWeight: factsDefinition.minorWeight,
    adverseQualifiers: new Set(factsDefinition.adverseQualifiers.map((name) => name.toLowerCase())),
    namesFor: new Set(factsDefinition.namesFor),
    mesh: factsDefinition.mesh.map((entry) => ({
      ...(entry.heading ? { heading: entry.heading.toLowerCase() } : {}),
      narrower: entry.narrower,
      ...(entry.qualifier ? { qualifier: entry.qualifier.toLowerCase() } : {}),
      topics: entry.topics,
      label: [entry.heading ?? '*', entry.qualifier].filter(Boolean).join('/'),
    })),
    ...(arm
      ? {
          combinationArm: {
            topic: arm.topic,
            therapy: arm.therapy.map(cueOf),
            partner: arm.partner.map(cueOf),
            notAPartner: arm.notAPartner.map(cueOf),
          },
        }
      : {}),
  };

  for (const { spec, cues } of pendingExcepts) {
    specs[spec] = { ...specs[spec]!, except: cues.flatMap((name) => groupMatchers[cueOf(name)]!) };
  }

  const matcherGroups: number[][] = specs.map(() => []);
  groupMatchers.forEach((ids, group) => ids.forEach((id) => matcherGroups[id]!.push(group)));

  return {
    matcher: new TextMatcher(specs),
    matcherGroups,
    topics,
    relevance,
    impliedBy: new Set(vocabulary.relevance.impliedBy),
    threshold: vocabulary.threshold,
    relevanceThreshold: vocabulary.relevance.threshold,
    titleWeight: vocabulary.titleWeight,
    facts,
  };
}
