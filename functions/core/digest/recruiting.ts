import type { Article, TrialFacts } from '../../model/articles.ts';
import type { TopicId } from '../../model/topics.ts';

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

/**
 * For each topic, the countries its trials recruit in now: a reader in none of them, on any of
 * their topics, gets what a reader with no country gets, and needs no selection of their own.
 */
export function recruitingCountriesByTopic(
  articles: readonly Pick<Article, 'trial' | 'topics'>[],
): Map<TopicId, Set<string>> {
  const byTopic = new Map<TopicId, Set<string>>();
  for (const { trial, topics } of articles) {
    if (trial?.status !== 'recruiting' || trial.recruitingCountries.length === 0) continue;
    for (const [topic, score] of Object.entries(topics) as [TopicId, number][]) {
      if (!(score > 0)) continue;
      let countries = byTopic.get(topic);
      if (!countries) byTopic.set(topic, (countries = new Set()));
      for (const country of trial.recruitingCountries) countries.add(country);
    }
  }
  return byTopic;
}
