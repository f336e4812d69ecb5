import type { TrialFacts } from '../../model/articles.ts';

/**
 * Whether a reader in `country` can join the trial now: the trial as a whole is recruiting and a
 * site in that country is (ingest keeps only recruiting sites' countries, or every site's when
 * the registry gives sites no status). A trial not yet recruiting, enrolling by invitation, active
 * but closed, completed, terminated or withdrawn never is, whatever its sites say.
 */
export function isRecruitingIn(trial: TrialFacts | undefined, country: string | undefined): boolean {
  if (!trial || !country) return false;
  return trial.status === 'recruiting' && trial.recruitingCountries.includes(country);
}

/** The countries some of these trials recruit in now: a reader elsewhere needs no selection of their own. */
export function recruitingCountriesOf(trials: readonly (TrialFacts | undefined)[]): Set<string> {
  const countries = new Set<string>();
  for (const trial of trials) {
    if (trial?.status !== 'recruiting') continue;
    for (const country of trial.recruitingCountries) countries.add(country);
  }
  return countries;
}
