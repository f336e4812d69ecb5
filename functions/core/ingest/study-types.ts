import type { StudyType } from '../model.ts';

const HINTS: readonly [StudyType, RegExp][] = [
  ['randomised-trial', /\brandomi[sz]ed\b|\bRCT\b/i],
  ['phase-3', /\bphase\s*(?:3|III)\b/i],
  ['phase-2', /\bphase\s*(?:2|II)\b(?!\s*\/?\s*(?:3|III))|\bphase\s*(?:1|I)\s*\/\s*(?:2|II)\b/i],
  ['phase-1', /\bphase\s*(?:1|I)\b(?!\s*\/\s*(?:2|II))|\bfirst[- ]in[- ]human\b/i],
  [
    'review',
    /\b(?:systematic review|meta-analysis|narrative review|review article|a review)\b|:\s*a review\b/i,
  ],
];

/** Study-type hints a reader can use to judge an article at a glance (badges in the digest). */
export function studyTypeHints(texts: {
  title: string;
  summary: string;
  sourceIsPreprint: boolean;
}): StudyType[] {
  const text = `${texts.title} ${texts.summary}`;
  const hints = HINTS.filter(([, pattern]) => pattern.test(text)).map(([type]) => type);
  if (texts.sourceIsPreprint || /\bpreprint\b|\bnot (?:yet )?peer[- ]reviewed\b/i.test(text))
    hints.push('preprint');
  return hints;
}
