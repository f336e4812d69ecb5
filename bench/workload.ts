import type {
  Article,
  RecruitmentStatus,
  StudyType,
  TopicScores,
  TrialFacts,
} from '../functions/model/articles.ts';
import type { Subscriber } from '../functions/model/subscribers.ts';
import { TOPIC_IDS, canonicalTopicOrder, type TopicId } from '../functions/model/topics.ts';
import { newSubscriber } from '../functions/core/subscribers/subscriber.ts';
import { createSubscriberIds } from '../functions/core/subscribers/subscriber-ids.ts';

/** Ids of the bench's made-up readers: keyed like real ones, under a fixed bench key. */
const BENCH_SUBSCRIBER_IDS = createSubscriberIds('bench-subscriber-id-key-bench-subscriber-id-key');

/**
 * A seeded, reproducible week of the digest at scale: confirmed readers with 1–4 topics each,
 * skewed to the popular ones the way a real readership is (CAR-T and checkpoint inhibitors far
 * ahead of kidney cancer or access), and the articles first seen in the last seven days. The
 * ClinicalTrials.gov articles are trials with a status and, when recruiting, the countries they
 * recruit in; four readers in ten say their country. Countries and trial facts come from a random
 * stream of their own, so the rest of the week is the one it was before readers had countries.
 */

/**
 * Readers' countries and how often, roughly as an English-language readership spreads: most say
 * none (60 %), the rest over fifteen countries, the United States far ahead.
 */
const READER_COUNTRIES: readonly [code: string, weight: number][] = [
  ['US', 30],
  ['GB', 10],
  ['DE', 9],
  ['FR', 8],
  ['CA', 7],
  ['IT', 5],
  ['ES', 5],
  ['AU', 5],
  ['NL', 4],
  ['JP', 4],
  ['BR', 3],
  ['IN', 3],
  ['BE', 3],
  ['SE', 2],
  ['CH', 2],
];
const SHARE_WITHOUT_COUNTRY = 0.6;

/** Where trials recruit: the same countries, weighted as trial sites are (the US in most trials). */
const TRIAL_SITE_COUNTRIES: readonly [code: string, weight: number][] = [
  ...READER_COUNTRIES,
  ['CN', 12],
  ['KR', 4],
  ['PL', 3],
];

/** Statuses of the registrations a weekly window brings (new or updated): most are recruiting. */
const TRIAL_STATUSES: readonly [status: RecruitmentStatus, weight: number][] = [
  ['recruiting', 55],
  ['not-yet-recruiting', 15],
  ['active-not-recruiting', 12],
  ['completed', 12],
  ['terminated', 3],
  ['withdrawn', 3],
];

/** Relative popularity of each topic among readers and among articles. */
const POPULARITY: Record<TopicId, number> = {
  'car-t': 20,
  'checkpoint-inhibitors': 18,
  leukemia: 10,
  melanoma: 9,
  'lung-cancer': 9,
  vaccines: 8,
  'side-effects': 7,
  antibodies: 5,
  'combination-therapy': 5,
  autoimmune: 4,
  'kidney-cancer': 3,
  access: 2,
};

const SOURCES = [
  { sourceId: 'nci-cancer-currents', sourceName: 'NCI Cancer Currents', weight: 1.3 },
  { sourceId: 'plos-one-immunology', sourceName: 'PLOS ONE Immunology', weight: 1 },
  { sourceId: 'biorxiv-immunology', sourceName: 'bioRxiv Immunology', weight: 0.8 },
  { sourceId: 'jitc', sourceName: 'Journal for ImmunoTherapy of Cancer', weight: 1.2 },
  { sourceId: 'clinicaltrials', sourceName: 'ClinicalTrials.gov', weight: 1 },
  { sourceId: 'site', sourceName: 'Immunotherapy Digest', weight: 1.5 },
];

const WORDS = (
  'therapy patients trial response immune cells tumour survival safety dose cohort relapse remission ' +
  'antigen receptor infusion toxicity outcomes analysis treatment antibody blockade vaccine lymphoma ' +
  'leukaemia melanoma carcinoma combination first-line refractory durable efficacy biomarker cytokine'
).split(' ');

/** mulberry32: a tiny, fast, seeded PRNG; the same seed gives the same week. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted(random: () => number, exclude: ReadonlySet<TopicId>): TopicId {
  const candidates = TOPIC_IDS.filter((id) => !exclude.has(id));
  const total = candidates.reduce((sum, id) => sum + POPULARITY[id], 0);
  let roll = random() * total;
  for (const id of candidates) {
    roll -= POPULARITY[id];
    if (roll <= 0) return id;
  }
  return candidates.at(-1)!;
}

function pickFrom<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll <= 0) return value;
  }
  return weighted.at(-1)![0];
}

/** A registration's facts: a status, phases, and 1–8 site countries (the US in most). */
function trialFactsOf(
  random: () => number,
  studyTypes: readonly StudyType[],
  lastUpdatedOn: string,
): TrialFacts {
  const status = pickFrom(random, TRIAL_STATUSES);
  const countries = new Set<string>();
  if (random() < 0.7) countries.add('US');
  const siteCountries = 1 + Math.floor(random() * random() * 8);
  while (countries.size < siteCountries) countries.add(pickFrom(random, TRIAL_SITE_COUNTRIES));
  const sorted = [...countries].sort();
  const phases = studyTypes.filter((type) => type.startsWith('phase-')) as TrialFacts['phases'][number][];
  return {
    phases: phases.length > 0 ? phases : ['phase-2'],
    status,
    conditions: [],
    interventions: [],
    countries: sorted,
    recruitingCountries: status === 'recruiting' ? sorted : [],
    lastUpdatedOn,
  };
}

function topicsOf(random: () => number, count: number): TopicId[] {
  const chosen = new Set<TopicId>();
  while (chosen.size < count) chosen.add(pickWeighted(random, chosen));
  return canonicalTopicOrder(chosen);
}

function words(random: () => number, count: number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}

export function makeArticles(
  count: number,
  now: Date,
  random: () => number,
  trialRandom: () => number = seededRandom(1009),
): Article[] {
  return Array.from({ length: count }, (_, index) => {
    const topicCount = random() < 0.6 ? 1 : random() < 0.75 ? 2 : 3;
    const topics: TopicScores = {};
    for (const topic of topicsOf(random, topicCount)) topics[topic] = 1 + Math.floor(random() * 6);
    const firstSeen = now.getTime() - random() * 7 * 86_400_000;
    const studyTypes: StudyType[] = [];
    if (random() < 0.2) studyTypes.push('preprint');
    if (random() < 0.25)
      studyTypes.push((['phase-1', 'phase-2', 'phase-3'] as const)[Math.floor(random() * 3)]!);
    if (random() < 0.1) studyTypes.push('review');
    const title = words(random, 8 + Math.floor(random() * 8));
    const summary = `${words(random, 30 + Math.floor(random() * 30))}.`;
    const publishedAt = new Date(firstSeen - random() * 3 * 86_400_000).toISOString();
    const source = SOURCES[Math.floor(random() * SOURCES.length)]!;
    const isTrial = source.sourceId === 'clinicaltrials';
    return {
      id: `bench-article-${index}`,
      title: title[0]!.toUpperCase() + title.slice(1),
      url: `https://journal.example.org/articles/${index}?utm=none&ref=digest`,
      summary,
      publishedAt,
      firstSeenAt: new Date(firstSeen).toISOString(),
      sources: [source],
      identifiers: {},
      studyTypes: isTrial ? ['trial-registration', ...studyTypes] : studyTypes,
      topics,
      relevant: random() < 0.95,
      ...(isTrial ? { trial: trialFactsOf(trialRandom, studyTypes, publishedAt.slice(0, 10)) } : {}),
    };
  });
}

/**
 * The readers' choices, one at a time (a list of a million is never held): 1–4 topics each,
 * skewed to the popular ones, and four readers in ten with a country.
 */
export function* readerProfiles(
  count: number,
  random: () => number,
  countryRandom: () => number = seededRandom(2003),
): Generator<{ topics: TopicId[]; country?: string }> {
  for (let index = 0; index < count; index += 1) {
    const roll = random();
    const topicCount = roll < 0.4 ? 1 : roll < 0.7 ? 2 : roll < 0.9 ? 3 : 4;
    const country =
      countryRandom() < SHARE_WITHOUT_COUNTRY ? undefined : pickFrom(countryRandom, READER_COUNTRIES);
    yield { topics: topicsOf(random, topicCount), ...(country ? { country } : {}) };
  }
}

/** The same readers as whole confirmed subscribers, as the subscribe path makes them. */
export function makeSubscribers(
  count: number,
  now: Date,
  random: () => number,
  countryRandom: () => number = seededRandom(2003),
): Subscriber[] {
  const created = new Date(now.getTime() - 30 * 86_400_000);
  return Array.from(readerProfiles(count, random, countryRandom), (profile, index) =>
    newSubscriber(
      { email: `reader-${index}@bench.example.org`, ...profile, status: 'confirmed' },
      created,
      BENCH_SUBSCRIBER_IDS,
    ),
  );
}
