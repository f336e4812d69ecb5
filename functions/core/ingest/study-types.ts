import type { StudyType } from '../../model/articles.ts';

// Roman or Arabic phase numbers with the sub-phases trials use ("phase Ib", "phase 2a", "phase I/II").
const ONE = String.raw`(?:1|I)[ab]?`;
const TWO = String.raw`(?:2|II)[ab]?`;
const THREE = String.raw`(?:3|III)[ab]?`;
const PHASE = String.raw`\bphase[\s-]*`;
const END = String.raw`(?![\w/])`;
// "phase 1/2", "phase I/II", "Phase 1/Phase 2" (ClinicalTrials.gov)
const SEP = String.raw`\s*/\s*(?:phase[\s-]*)?`;

const HINTS: readonly [StudyType, RegExp][] = [
  ['randomised-trial', /\brandomi[sz]ed\b|\brandomi[sz]ation\b|\bRCT\b/i],
  ['phase-3', new RegExp(`${PHASE}(?:${TWO}${SEP})?${THREE}${END}`, 'i')],
  ['phase-2', new RegExp(`${PHASE}(?:(?:${ONE}${SEP})?${TWO}(?:${SEP}${THREE})?)${END}`, 'i')],
  [
    'phase-1',
    new RegExp(`${PHASE}${ONE}(?:${SEP}${TWO})?${END}|\\bfirst[- ]in[- ](?:human|humans|patient)\\b`, 'i'),
  ],
  [
    'review',
    /\b(?:systematic review|meta-analys[ie]s|narrative review|scoping review|umbrella review|review article|state of the art review|a review)\b|:\s*(?:a\s+)?review\b/i,
  ],
];

/**
 * Study-type hints a reader can use to judge an article at a glance (badges in the digest). A
 * combined phase ("phase 1/2") gives both phases.
 */
export function studyTypeHints(texts: {
  title: string;
  summary: string;
  sourceIsPreprint: boolean;
}): StudyType[] {
  const text = `${texts.title} ${texts.summary}`;
  const hints = HINTS.filter(([, pattern]) => pattern.test(text)).map(([type]) => type);
  if (texts.sourceIsPreprint || /\bpreprint\b|\bnot (?:yet )?(?:been )?peer[- ]reviewed\b/i.test(text))
    hints.push('preprint');
  return hints;
}
