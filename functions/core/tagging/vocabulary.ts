import { z } from 'zod';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';

/**
 * The schema of content/topics.yaml: the words that detect each topic. The ids are fixed (the
 * header of content/topics.yaml says what belongs in each); everything else (labels,
 * descriptions, terms, weights, exclusions) is editorial and lives in content so an editor can
 * tune it without touching code.
 *
 * Words are matched on word boundaries, whole words only; spaces, hyphens and slashes between
 * words are interchangeable ("CAR T" finds "CAR-T" and "CAR T-cell"); the last word may be plural
 * ("checkpoint inhibitor" finds "checkpoint inhibitors", "therapy" finds "therapies"); British and
 * American spellings are the same word ("leukemia" finds "leukaemia"). Case is ignored unless a
 * term is `caseSensitive` (abbreviations such as ALL, MS or IO).
 *
 * A *cue* is a named list of words (drug names, disease names, ...) that topics and the relevance
 * filter refer to, so a list is written once. A term of a topic is one of:
 * - a phrase, a `pattern` (a JavaScript regular expression without the `u` flag, run on the text
 *   with accents removed; for shapes such as "cilta-cel" product names) or a
 *   `suffix` (a naming rule: "-mab", "-leucel"), counting `weight`;
 * - `{cue}`: any word of the cue, counting once;
 * - `{allOf: [cues]}`: every cue present in the same text (an engineering word and an immune-cell
 *   word make "engineered macrophages");
 * - `{pairOf: cue, joinedBy}`: two different words of the cue side by side, joined only by one
 *   of the `joinedBy` words ("nivolumab and ipilimumab", not "Carvykti, Abecma").
 * `unless: [cues]` drops a term in a text where one of those cues is found; `except: [cues]`
 * drops a match that is part of a match of those cues (the "-mab" rule does not speak for
 * pembrolizumab, which the checkpoint list names).
 */

const cueName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a cue name is lower-case words joined by hyphens (e.g. "checkpoint-drug")');

const matchOptions = {
  caseSensitive: z.boolean().default(false),
  except: z.array(cueName).default([]),
};

const weight = z.number().positive().max(10).default(1);
const unless = z.array(cueName).default([]);

const phraseObject = z.object({ phrase: z.string().min(1), ...matchOptions }).strict();
const patternObject = z
  .object({
    pattern: z.string().min(2).refine(isValidRegex, 'not a valid regular expression'),
    ...matchOptions,
  })
  .strict();
const suffixObject = z
  .object({
    suffix: z.string().min(2),
    /** The shortest word the rule applies to; by default the suffix itself ("vedotin"). "-mab" names have 7 letters or more. */
    minLength: z.number().int().positive().optional(),
    ...matchOptions,
  })
  .strict();

const phraseShorthand = z
  .string()
  .min(1)
  .transform((phrase) => ({ phrase, caseSensitive: false, except: [] }));

/**
 * Words without a weight: an entry of a cue (a phrase, pattern or suffix, or another cue to
 * include), or a word a rule ignores or is excluded by.
 */
const wordsSchema = z.union([
  phraseShorthand,
  phraseObject,
  patternObject,
  suffixObject,
  z.object({ cue: cueName }).strict(),
]);

/** One term of a topic or of the relevance filter. */
const termSchema = z.union([
  phraseShorthand.transform((term) => ({ ...term, weight: 1, unless: [] as string[] })),
  phraseObject.extend({ weight, unless }).strict(),
  patternObject.extend({ weight, unless }).strict(),
  suffixObject.extend({ weight, unless }).strict(),
  z.object({ cue: cueName, weight, unless }).strict(),
  z.object({ allOf: z.array(cueName).min(2), weight, unless }).strict(),
  z
    .object({
      pairOf: cueName,
      joinedBy: z.array(z.string().min(1)).min(1).default(['and', '&', '/']),
      weight,
      unless,
    })
    .strict(),
]);

export type CueEntry = z.output<typeof wordsSchema>;
export type TermDefinition = z.output<typeof termSchema>;
export type MaskDefinition = z.output<typeof wordsSchema>;

const ruleFields = {
  terms: z.array(termSchema).min(1),
  /** Found in the title, the rule gets nothing; found in the summary, the summary's evidence is void. */
  exclude: z.array(wordsSchema).default([]),
  /** Words these match are invisible to the rule ("expanded access" is not "access"). */
  ignore: z.array(wordsSchema).default([]),
};

const topicSchema = z
  .object({
    label: z.string().min(2).max(60),
    description: z.string().min(10).max(200),
    ...ruleFields,
    /** The topic stands only beside one of these topics or cues (a combination needs an immunotherapy). */
    requires: z
      .object({ topics: z.array(z.enum(TOPIC_IDS)).default([]), cues: z.array(cueName).default([]) })
      .strict()
      .optional(),
  })
  .strict();

/**
 * One line of the MeSH mapping: a heading (with the headings under it when `narrower`: MeSH
 * names them "Leukemia, Myeloid, Acute" under "Leukemia"), a qualifier ("adverse effects"), or
 * both, and the topics it stands for.
 */
const meshEntrySchema = z
  .object({
    heading: z.string().min(2).optional(),
    narrower: z.boolean().default(false),
    qualifier: z.string().min(2).optional(),
    topics: z.array(z.enum(TOPIC_IDS)).min(1),
  })
  .strict()
  .refine((entry) => entry.heading !== undefined || entry.qualifier !== undefined, {
    message: 'needs a heading, a qualifier or both',
  });

/**
 * Structured facts the API sources carry, and how they count towards topics. A fact counts like a
 * term found in a title (its weight × titleWeight): indexers and registries say what a work is
 * about, so one main-point fact is enough alone.
 */
const factsSchema = z
  .object({
    /** What a main-point MeSH heading (or a registry's MeSH term, or a trial arm) weighs. */
    weight: z.number().positive().max(10).default(1),
    /** What a MeSH heading that is not a main point of the work weighs. */
    minorWeight: z.number().min(0).max(10).default(0.5),
    /**
     * Qualifiers that make a heading an adverse event ("Colitis/chemically induced" is colitis a
     * drug caused, not the disease): such a heading speaks only through entries naming the qualifier.
     */
    adverseQualifiers: z.array(z.string().min(2)).default([]),
    /** Topics whose words are read in the names a record lists (substances, conditions, interventions, keywords), as in a title. */
    namesFor: z.array(z.enum(TOPIC_IDS)).default([]),
    mesh: z.array(meshEntrySchema).default([]),
    /** A trial arm that gives a `therapy` with a `partner` (another of its interventions) is a combination. */
    combinationArm: z
      .object({
        topic: z.enum(TOPIC_IDS),
        therapy: z.array(cueName).min(1),
        partner: z.array(cueName).min(1),
        /** Interventions that never count as the partner (conditioning chemotherapy before cell therapy). */
        notAPartner: z.array(cueName).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

export type FactsDefinition = z.output<typeof factsSchema>;

export const vocabularySchema = z
  .object({
    /** A topic is tagged when its weighted hits reach this score. */
    threshold: z.number().positive().default(2),
    /** Title hits count this many times a summary hit. */
    titleWeight: z.number().positive().default(2),
    cues: z.record(cueName, z.array(wordsSchema).min(1)).default({}),
    relevance: z
      .object({
        threshold: z.number().positive().default(2),
        ...ruleFields,
        /** Topics whose own evidence makes an item relevant by itself (therapy topics, not diseases). */
        impliedBy: z.array(z.enum(TOPIC_IDS)).default([]),
      })
      .strict(),
    // partialRecord + the check below: a missing topic gets a message that names it.
    topics: z.partialRecord(z.enum(TOPIC_IDS), topicSchema),
    facts: factsSchema.prefault({}),
  })
  .strict()
  .superRefine((vocabulary, context) => {
    for (const id of TOPIC_IDS) {
      if (!vocabulary.topics[id])
        context.addIssue({ code: 'custom', path: ['topics', id], message: `topic "${id}" is missing` });
    }
    for (const problem of cueProblems(vocabulary)) context.addIssue({ code: 'custom', ...problem });
  });

export type Vocabulary = z.output<typeof vocabularySchema>;

export type TopicDefinition = z.output<typeof topicSchema>;

/** Labels and descriptions for pages and emails, in canonical topic order. */
export function topicLabels(vocabulary: Vocabulary): { id: TopicId; label: string; description: string }[] {
  return TOPIC_IDS.map((id) => {
    const topic = vocabulary.topics[id]!;
    return { id, label: topic.label, description: topic.description };
  });
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/** Unknown cue names, cues that include themselves, and topics required by topics that have requirements. */
function cueProblems(vocabulary: {
  cues: Record<string, readonly CueEntry[]>;
  relevance: {
    terms: readonly TermDefinition[];
    exclude: readonly MaskDefinition[];
    ignore: readonly MaskDefinition[];
  };
  topics: Partial<Record<TopicId, TopicDefinition>>;
  facts?: FactsDefinition;
}): Problem[] {
  const problems: Problem[] = [];
  const known = new Set(Object.keys(vocabulary.cues));
  const check = (name: string, path: (string | number)[]) => {
    if (!known.has(name)) problems.push({ path, message: `unknown cue "${name}"` });
  };
  const checkMatch = (entry: { except?: readonly string[]; cue?: string }, path: (string | number)[]) => {
    if (entry.cue !== undefined) check(entry.cue, [...path, 'cue']);
    entry.except?.forEach((name, index) => check(name, [...path, 'except', index]));
  };
  const checkTerm = (term: TermDefinition, path: (string | number)[]) => {
    checkMatch(term as { except?: readonly string[]; cue?: string }, path);
    if ('allOf' in term) term.allOf.forEach((name, index) => check(name, [...path, 'allOf', index]));
    if ('pairOf' in term) check(term.pairOf, [...path, 'pairOf']);
    term.unless.forEach((name, index) => check(name, [...path, 'unless', index]));
  };
  const checkRule = (
    rule: {
      terms: readonly TermDefinition[];
      exclude: readonly MaskDefinition[];
      ignore: readonly MaskDefinition[];
    },
    path: (string | number)[],
  ) => {
    rule.terms.forEach((term, index) => checkTerm(term, [...path, 'terms', index]));
    rule.exclude.forEach((mask, index) => checkMatch(mask, [...path, 'exclude', index]));
    rule.ignore.forEach((mask, index) => checkMatch(mask, [...path, 'ignore', index]));
  };

  for (const [name, entries] of Object.entries(vocabulary.cues)) {
    entries.forEach((entry, index) => checkMatch(entry, ['cues', name, index]));
    if (includesItself(name, vocabulary.cues))
      problems.push({ path: ['cues', name], message: `cue "${name}" includes itself` });
  }
  checkRule(vocabulary.relevance, ['relevance']);
  const arm = vocabulary.facts?.combinationArm;
  if (arm) {
    for (const field of ['therapy', 'partner', 'notAPartner'] as const) {
      arm[field].forEach((name, index) => check(name, ['facts', 'combinationArm', field, index]));
    }
  }
  for (const id of TOPIC_IDS) {
    const topic = vocabulary.topics[id];
    if (!topic) continue;
    checkRule(topic, ['topics', id]);
    topic.requires?.cues.forEach((name, index) => check(name, ['topics', id, 'requires', 'cues', index]));
    topic.requires?.topics.forEach((required, index) => {
      // Topics with requirements are decided after the others: one cannot wait for another.
      if (vocabulary.topics[required]?.requires)
        problems.push({
          path: ['topics', id, 'requires', 'topics', index],
          message: `topic "${required}" has requirements of its own and cannot be required`,
        });
    });
  }
  return problems;
}

function includesItself(start: string, cues: Record<string, readonly CueEntry[]>): boolean {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const name = pending.pop()!;
    for (const entry of cues[name] ?? []) {
      if (!('cue' in entry)) continue;
      if (entry.cue === start) return true;
      if (!seen.has(entry.cue)) {
        seen.add(entry.cue);
        pending.push(entry.cue);
      }
    }
  }
  return false;
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
