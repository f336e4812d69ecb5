import type { StudyType } from '../../model/articles.ts';
import type { SourceKind } from '../../model/sources.ts';

// Roman or Arabic phase numbers with the sub-phases trials use ("phase Ib", "phase 2a", "phase I/II").
const ONE = String.raw`(?:1|I)[ab]?`;
const TWO = String.raw`(?:2|II)[ab]?`;
const THREE = String.raw`(?:3|III)[ab]?`;
const PHASE = String.raw`\bphase[\s-]*`;
const END = String.raw`(?![\w/])`;
// "phase 1/2", "phase I/II", "Phase 1/Phase 2" (ClinicalTrials.gov)
const SEP = String.raw`\s*/\s*(?:phase[\s-]*)?`;

/**
 * How reviews say what they are: the kinds of review, a title that calls itself one ("…: a
 * review"), and the phrasing of review abstracts ("This Review discusses", "In this Review", "we
 * review", "The authors review", "a review of"), but not "a review of medical records", which is a
 * study's method.
 */
const REVIEW = new RegExp(
  [
    String.raw`\b(?:systematic|narrative|scoping|umbrella|literature|critical|mini|state[- ]of[- ]the[- ]art) review\b`,
    String.raw`\breview article\b`,
    String.raw`:\s*(?:a\s+)?(?:\w+\s+)?review\b`,
    String.raw`\b(?:in )?(?:this|our) review\b`,
    String.raw`\b(?:we|the authors|authors|here we) (?:briefly |critically )?review\b`,
    String.raw`\b(?:a|an) (?:\w+ )?review of (?!(?:the )?(?:medical |patient |health |electronic |hospital |clinical )*(?:records?|charts?|claims|notes|files|cases|databases?)\b)`,
  ].join('|'),
  'i',
);

const HINTS: readonly [StudyType, RegExp][] = [
  ['randomised-trial', /\brandomi[sz]ed\b|\brandomi[sz]ation\b|\bRCT\b/i],
  ['phase-3', new RegExp(`${PHASE}(?:${TWO}${SEP})?${THREE}${END}`, 'i')],
  ['phase-2', new RegExp(`${PHASE}(?:(?:${ONE}${SEP})?${TWO}(?:${SEP}${THREE})?)${END}`, 'i')],
  [
    'phase-1',
    new RegExp(`${PHASE}${ONE}(?:${SEP}${TWO})?${END}|\\bfirst[- ]in[- ](?:human|humans|patient)\\b`, 'i'),
  ],
  [
    'meta-analysis',
    /\bmeta-?analy[sz](?:is|es)\b|\bnetwork meta-?analy|\bpooled analysis of individual (?:patient|participant) data\b/i,
  ],
  ['review', REVIEW],
];

/** Categories a feed gives its reviews (Frontiers: "Review", "Mini Review", "Systematic Review"). */
const REVIEW_CATEGORY = /^(?:(?:mini|systematic|narrative|scoping) )?review(?: article)?$/i;

/**
 * Guidelines name themselves in the title ("ASCO guideline update", "SITC clinical practice
 * guideline on …", "consensus statement"); in a summary only the full phrase counts, since "treated
 * according to guidelines" is a study's method.
 */
const GUIDELINE_TITLE =
  /\bguidelines?\b|\bconsensus (?:statement|recommendations?|guidance)\b|\bposition (?:statement|paper)\b|\bexpert (?:panel )?(?:consensus|recommendations?)\b/i;
const GUIDELINE_SUMMARY =
  /\bclinical practice guidelines?\b|\bconsensus (?:statement|guidelines?)\b|\bguideline (?:panel|update)\b/i;

/** Texts that gather other studies, and the trial designs they mention without being one. */
const SYNTHESES: ReadonlySet<StudyType> = new Set(['review', 'meta-analysis', 'guideline']);
const TRIAL_DESIGNS: ReadonlySet<StudyType> = new Set(['randomised-trial', 'phase-1', 'phase-2', 'phase-3']);

export interface StudyTypeInput {
  readonly title: string;
  readonly summary: string;
  /** What the source publishes (undefined: a journal). */
  readonly sourceKind?: SourceKind | undefined;
  /** The item's own categories, when the feed gives any. */
  readonly categories?: readonly string[];
}

/**
 * Study-type hints a reader can use to judge an article at a glance (badges in the digest). A
 * combined phase ("phase 1/2") gives both phases. What the source is decides news, trial
 * registrations, preprints and the site's own explainers; the words decide the rest.
 */
export function studyTypeHints(input: StudyTypeInput): StudyType[] {
  const text = `${input.title} ${input.summary}`;
  let hints = HINTS.filter(([, pattern]) => pattern.test(text)).map(([type]) => type);
  if (
    !hints.includes('review') &&
    input.categories?.some((category) => REVIEW_CATEGORY.test(category.trim()))
  )
    hints.push('review');
  if (GUIDELINE_TITLE.test(input.title) || GUIDELINE_SUMMARY.test(input.summary)) hints.push('guideline');
  // A review or a guideline that mentions "phase 1 and 2 trials" is not itself a trial.
  if (hints.some((hint) => SYNTHESES.has(hint))) hints = hints.filter((hint) => !TRIAL_DESIGNS.has(hint));
  if (input.sourceKind === 'news') hints.push('news');
  if (input.sourceKind === 'registry') hints.push('trial-registration');
  if (input.sourceKind === 'site') hints.push('explainer');
  if (
    input.sourceKind === 'preprint' ||
    /\bpreprint\b|\bnot (?:yet )?(?:been )?peer[- ]reviewed\b/i.test(text)
  )
    hints.push('preprint');
  return hints;
}
