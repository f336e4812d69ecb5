import type { ArticleIdentifiers, TrialFacts } from '../../model/articles.ts';
import { countryCodeOf } from '../../model/countries.ts';
import type { Source } from '../../model/sources.ts';
import type { Tagger } from '../tagging/tagger.ts';
import { apiDaysBetween, type ApiDay } from './api-window.ts';
import type { TrialRecord } from './clinicaltrials-parser.ts';
import { collapseWhitespace, truncateText } from './html-text.ts';
import { extractIdentifiers, identityKeys } from './identity.ts';
import type { NormaliseResult } from './normalise.ts';
import type { PubMedRecord } from './pubmed-parser.ts';
import { studyTypesOfPublication, studyTypesOfTrial } from './record-study-types.ts';
import { studyTypeHints } from './study-types.ts';

/**
 * Records of the API sources as article candidates: the same shape a feed item becomes, plus
 * the facts only these sources carry. Their facts drive tags (MeSH headings, substances, trial
 * conditions, interventions and arms, through content/topics.yaml) and badges (publication
 * types, trial design), where a feed item's are guessed from words.
 */

const SUMMARY_MAX_LENGTH = 600;
const TITLE_MAX_LENGTH = 300;
/** A date further in the future than this is a record's error: use the first-seen time instead. */
const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;
/** A registry lists dozens of conditions or interventions for a few trials: a card needs the first. */
const MAX_LISTED = 20;

/**
 * A PubMed record as a candidate; rejected when it has no title, or was published more than
 * `maxAgeDays` before it was first seen (DIGEST_MAX_ARTICLE_AGE_DAYS, as for a feed item). Pure.
 */
export function pubmedCandidate(
  record: PubMedRecord,
  source: Source,
  tagger: Tagger,
  firstSeenAt: Date,
  maxAgeDays?: number,
): NormaliseResult {
  const title = truncateText(collapseWhitespace(record.title), TITLE_MAX_LENGTH);
  if (title.length < 3) return { ok: false, reason: `PMID ${record.pmid} has no title` };
  const summary = truncateText(collapseWhitespace(record.abstract), SUMMARY_MAX_LENGTH);
  const doi = record.doi ? extractIdentifiers([record.doi]).doi : undefined;
  const identifiers: ArticleIdentifiers = {
    ...(doi ? { doi } : {}),
    pmid: record.pmid,
    ...(record.pmcid ? { pmcid: record.pmcid } : {}),
  };
  const url = `https://pubmed.ncbi.nlm.nih.gov/${record.pmid}/`;
  const publishedAt = dateOrFirstSeen(record.publishedAt ?? record.enteredAt, firstSeenAt);
  const ageDays = daysBetween(publishedAt, firstSeenAt);
  if (maxAgeDays !== undefined && ageDays > maxAgeDays) {
    return {
      ok: false,
      reason: `PMID ${record.pmid} was published ${publishedAt.toISOString().slice(0, 10)}, ${ageDays} days ago: older than the ${maxAgeDays}-day limit (DIGEST_MAX_ARTICLE_AGE_DAYS)`,
    };
  }
  const fromPublicationTypes = studyTypesOfPublication(record.publicationTypes);
  const tags = tagger({
    title,
    summary,
    assumeRelevant: !source.broad,
    facts: { mesh: record.mesh, names: [...record.substances, ...record.keywords] },
  });
  return {
    ok: true,
    candidate: {
      title,
      url,
      summary,
      publishedAt: publishedAt.toISOString(),
      source: { sourceId: source.id, sourceName: source.name, weight: source.weight },
      identifiers,
      // Not yet indexed (or just a "Journal Article"): the title's words are all there is.
      studyTypes:
        fromPublicationTypes.length > 0
          ? fromPublicationTypes
          : studyTypeHints({ title, summary, sourceKind: source.kind }),
      ...(fromPublicationTypes.length > 0 ? { studyTypesFromRecord: true } : {}),
      topics: tags.topics,
      matchedTerms: tags.terms ?? {},
      relevant: tags.relevant,
      identityKeys: identityKeys({ identifiers, url, title, publishedAt }),
      ...(record.journal ? { journal: truncateText(collapseWhitespace(record.journal), 200) } : {}),
    },
  };
}

/**
 * How new a registration must be to become an article: first posted within the run's window,
 * or within `lookbackDays` of its own latest update. Anything older is an update of an old
 * registration: it refreshes what is stored (status, phases, sites) and never becomes a new
 * article, so a weekly digest does not fill with years-old trials whose record changed a date.
 */
export interface TrialNewness {
  readonly windowFirstDay: ApiDay;
  readonly lookbackDays: number;
  /**
   * DIGEST_MAX_ARTICLE_AGE_DAYS: a registration first posted longer ago is only an update, as a
   * feed item that old is left out.
   */
  readonly maxAgeDays?: number;
}

/** A trial registration as a candidate (see TrialNewness for when it is only an update). Pure. */
export function trialCandidate(
  record: TrialRecord,
  source: Source,
  tagger: Tagger,
  firstSeenAt: Date,
  newness: TrialNewness,
): NormaliseResult {
  const title = truncateText(collapseWhitespace(record.title), TITLE_MAX_LENGTH);
  if (title.length < 3) return { ok: false, reason: `${record.nctId} has no title` };
  const summary = truncateText(collapseWhitespace(record.summary), SUMMARY_MAX_LENGTH);
  const identifiers: ArticleIdentifiers = { nct: record.nctId };
  const url = `https://clinicaltrials.gov/study/${record.nctId}`;
  const publishedAt = dateOrFirstSeen(record.firstPostedOn ?? record.lastUpdatedOn, firstSeenAt);
  const interventions = record.interventions.map((intervention) => intervention.name);
  const tags = tagger({
    title,
    summary,
    assumeRelevant: !source.broad,
    facts: {
      // The registry's MeSH terms are the trial's own conditions and interventions: main points all.
      mesh: [...record.conditionMesh, ...record.interventionMesh].map((descriptor) => ({
        descriptor,
        major: true,
        qualifiers: [],
      })),
      names: [...record.conditions, ...interventions],
      arms: record.arms,
    },
  });
  return {
    ok: true,
    candidate: {
      title,
      url,
      summary,
      publishedAt: publishedAt.toISOString(),
      source: { sourceId: source.id, sourceName: source.name, weight: source.weight },
      identifiers,
      studyTypes: studyTypesOfTrial(record),
      studyTypesFromRecord: true,
      topics: tags.topics,
      matchedTerms: tags.terms ?? {},
      relevant: tags.relevant,
      identityKeys: identityKeys({ identifiers, url, title, publishedAt }),
      trial: trialFacts(record, interventions),
      ...(isNewRegistration(record, newness) && !olderThan(newness.maxAgeDays, publishedAt, firstSeenAt)
        ? {}
        : { updateOnly: true }),
    },
  };
}

function isNewRegistration(record: TrialRecord, newness: TrialNewness): boolean {
  const firstPosted = dayOf(record.firstPostedOn ?? record.lastUpdatedOn);
  return (
    firstPosted >= newness.windowFirstDay ||
    apiDaysBetween(firstPosted, dayOf(record.lastUpdatedOn)) <= newness.lookbackDays
  );
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`. */
function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

function olderThan(maxAgeDays: number | undefined, publishedAt: Date, firstSeenAt: Date): boolean {
  return maxAgeDays !== undefined && daysBetween(publishedAt, firstSeenAt) > maxAgeDays;
}

/** A registry date as a day: "2026-11" is read as its first day. */
function dayOf(date: string): ApiDay {
  return /^\d{4}-\d{2}$/.test(date) ? `${date}-01` : date;
}

/** Statuses under which a trial takes patients now. */
const RECRUITING = new Set(['recruiting']);

function trialFacts(record: TrialRecord, interventions: readonly string[]): TrialFacts {
  const countries = new Set<string>();
  const recruiting = new Set<string>();
  const sitesHaveStatus = record.sites.some((site) => site.status !== undefined);
  const trialRecruits = RECRUITING.has(record.status);
  for (const site of record.sites) {
    const code = site.country ? countryCodeOf(site.country) : undefined;
    if (!code) continue;
    countries.add(code);
    // A site's own status wins; a registry that gives sites none leaves the trial's to speak for them.
    if (trialRecruits && (sitesHaveStatus ? RECRUITING.has(site.status ?? '') : true)) recruiting.add(code);
  }
  return {
    phases: record.phases,
    status: record.status,
    conditions: record.conditions.slice(0, MAX_LISTED),
    interventions: interventions.slice(0, MAX_LISTED),
    ...(record.sponsor ? { sponsor: record.sponsor } : {}),
    countries: [...countries].sort(),
    recruitingCountries: [...recruiting].sort(),
    ...(record.firstPostedOn ? { firstPostedOn: record.firstPostedOn } : {}),
    lastUpdatedOn: record.lastUpdatedOn,
  };
}

/** A record's date (`YYYY-MM-DD`, `YYYY-MM` or an instant) as an instant; the first-seen time when absent, unreadable or in the future. */
function dateOrFirstSeen(date: string | undefined, firstSeenAt: Date): Date {
  const iso = date && /^\d{4}-\d{2}$/.test(date) ? `${date}-01` : date;
  const parsed = iso ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) return firstSeenAt;
  return parsed.getTime() <= firstSeenAt.getTime() + FUTURE_TOLERANCE_MS ? parsed : firstSeenAt;
}
