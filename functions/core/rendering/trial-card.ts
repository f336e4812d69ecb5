import type { RecruitmentStatus, TrialFacts, TrialPhase } from '../../model/articles.ts';
import { countryName } from '../../model/countries.ts';

/**
 * What a trial card says about the trial beyond its title: its phase, its status in the words
 * ClinicalTrials.gov's own pages use, where it is recruiting, and — for a reader in one of those
 * countries — that it is recruiting in theirs. The same words in the email, its text twin, the
 * web edition and the archive.
 */
export interface TrialView {
  /** "Phase 1/2", "Early phase 1"; empty when the registry gives no phase (not applicable). */
  readonly phase: string;
  /** "Recruiting", "Active, not recruiting", "Completed", … */
  readonly status: string;
  /** "France, Germany, United States" or "…, Spain and 3 more"; empty when recruiting nowhere. */
  readonly recruitingIn: string;
  /** The reader's country is among the recruiting ones: the card says "Recruiting in your country". */
  readonly recruitingHere: boolean;
}

/** The card names this many recruiting countries, then "and N more". */
export const MAX_COUNTRIES_SHOWN = 5;

/** ClinicalTrials.gov's own wording of each status. */
const STATUS_WORDS: Record<RecruitmentStatus, string> = {
  'not-yet-recruiting': 'Not yet recruiting',
  recruiting: 'Recruiting',
  'enrolling-by-invitation': 'Enrolling by invitation',
  'active-not-recruiting': 'Active, not recruiting',
  suspended: 'Suspended',
  terminated: 'Terminated',
  completed: 'Completed',
  withdrawn: 'Withdrawn',
  unknown: 'Status unknown',
  available: 'Expanded access available',
  'no-longer-available': 'Expanded access no longer available',
  'temporarily-not-available': 'Expanded access temporarily not available',
  'approved-for-marketing': 'Approved for marketing',
  withheld: 'Expanded access withheld',
};

export function statusWords(status: RecruitmentStatus): string {
  return STATUS_WORDS[status];
}

/** "Phase 1/2" for phases 1 and 2, "Early phase 1", "Phase 3"; empty for "not applicable". */
export function phaseWords(phases: readonly TrialPhase[]): string {
  const early = phases.includes('early-phase-1');
  const numbers = phases.flatMap((phase) => {
    const match = /^phase-(\d)$/.exec(phase);
    return match ? [match[1]!] : [];
  });
  if (numbers.length > 0) return `Phase ${numbers.join('/')}`;
  return early ? 'Early phase 1' : '';
}

/** "France, Germany and 3 more": English names, sorted, at most MAX_COUNTRIES_SHOWN named. */
export function countryList(codes: readonly string[]): string {
  const names = [...new Set(codes)]
    .map((code) => countryName(code) ?? code)
    .sort((a, b) => a.localeCompare(b, 'en'));
  if (names.length <= MAX_COUNTRIES_SHOWN) {
    return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  }
  return `${names.slice(0, MAX_COUNTRIES_SHOWN).join(', ')} and ${names.length - MAX_COUNTRIES_SHOWN} more`;
}

export function trialViewOf(trial: TrialFacts, recruitingHere: boolean): TrialView {
  return {
    phase: phaseWords(trial.phases),
    status: statusWords(trial.status),
    recruitingIn: trial.status === 'recruiting' ? countryList(trial.recruitingCountries) : '',
    recruitingHere,
  };
}
