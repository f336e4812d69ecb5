import type { StudyType, TrialPhase } from '../../model/articles.ts';

/**
 * Study-type badges from the facts a record carries, instead of words guessed from its title:
 * NLM's publication types for a PubMed record, the design for a trial registration.
 */

/**
 * NLM publication types (https://www.nlm.nih.gov/mesh/pubtypes.html) and the badge each gives.
 * Types without a badge ("Journal Article", "Clinical Trial, Phase IV", "Comment") give none.
 */
const PUBLICATION_TYPE_BADGES: Readonly<Record<string, readonly StudyType[]>> = {
  'randomized controlled trial': ['randomised-trial'],
  'clinical trial, phase i': ['phase-1'],
  'clinical trial, phase ii': ['phase-2'],
  'clinical trial, phase iii': ['phase-3'],
  'meta-analysis': ['meta-analysis'],
  'network meta-analysis': ['meta-analysis'],
  'systematic review': ['review'],
  review: ['review'],
  'scoping review': ['review'],
  'practice guideline': ['guideline'],
  guideline: ['guideline'],
  'consensus development conference': ['guideline'],
  'consensus development conference, nih': ['guideline'],
  'case reports': ['case-report'],
  preprint: ['preprint'],
};

/** The badges of a record's publication types, in a stable order; empty when none has a badge. */
export function studyTypesOfPublication(publicationTypes: readonly string[]): StudyType[] {
  const found = new Set<StudyType>();
  for (const type of publicationTypes) {
    for (const badge of PUBLICATION_TYPE_BADGES[type.trim().toLowerCase()] ?? []) found.add(badge);
  }
  // A systematic review with a meta-analysis reads best as the meta-analysis alone.
  if (found.has('meta-analysis')) found.delete('review');
  return [...found];
}

const PHASE_BADGES: Readonly<Partial<Record<TrialPhase, StudyType>>> = {
  'early-phase-1': 'phase-1',
  'phase-1': 'phase-1',
  'phase-2': 'phase-2',
  'phase-3': 'phase-3',
};

/**
 * The badges of a trial registration: that it is one (a plan, not a result), its phases, and
 * whether it is randomised.
 */
export function studyTypesOfTrial(trial: {
  readonly phases: readonly TrialPhase[];
  readonly randomised: boolean;
}): StudyType[] {
  const found = new Set<StudyType>(['trial-registration']);
  if (trial.randomised) found.add('randomised-trial');
  for (const phase of trial.phases) {
    const badge = PHASE_BADGES[phase];
    if (badge) found.add(badge);
  }
  return [...found];
}
