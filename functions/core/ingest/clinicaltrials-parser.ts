import { FeedError, describeError } from '../errors.ts';
import { RECRUITMENT_STATUSES, type RecruitmentStatus, type TrialPhase } from '../../model/articles.ts';
import { parseApiJson, requireField } from './api-json.ts';
import { collapseWhitespace } from './html-text.ts';

/**
 * Reads a page of the ClinicalTrials.gov v2 API (`GET /api/v2/studies`, JSON): its studies, in
 * plain text, and the token of the next page. A page that is not the documented shape throws a
 * FeedError of its kind; a study that cannot be read is reported and skipped.
 */

/** One site of a trial: its country as the registry wrote it, and its own recruitment status. */
export interface TrialSite {
  readonly country?: string;
  readonly status?: RecruitmentStatus;
}

/** One study, as the registry gives it. */
export interface TrialRecord {
  readonly nctId: string;
  readonly title: string;
  readonly officialTitle?: string;
  readonly summary: string;
  readonly status: RecruitmentStatus;
  readonly phases: readonly TrialPhase[];
  /** INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS. */
  readonly studyType?: string;
  readonly randomised: boolean;
  readonly conditions: readonly string[];
  /** Interventions by name ("Pembrolizumab"), with their type ("DRUG", "BIOLOGICAL", ...). */
  readonly interventions: readonly { readonly name: string; readonly type?: string }[];
  /** The interventions each arm gives, by name: two in one arm are a combination. */
  readonly arms: readonly (readonly string[])[];
  readonly sponsor?: string;
  readonly sites: readonly TrialSite[];
  /** The registry's MeSH terms for the conditions and interventions. */
  readonly conditionMesh: readonly string[];
  readonly interventionMesh: readonly string[];
  /** `YYYY-MM-DD` (or `YYYY-MM`). */
  readonly firstPostedOn?: string;
  readonly lastUpdatedOn: string;
}

export interface StudiesPage {
  readonly studies: readonly TrialRecord[];
  readonly studyErrors: readonly string[];
  /** The token of the next page; absent on the last one. */
  readonly nextPageToken?: string;
  /** How many studies match in all (with `countTotal=true`, first page only). */
  readonly totalCount?: number;
}

/**
 * Reads one page of studies.
 *
 * @throws FeedError 'not-a-feed' (an HTML page), 'malformed-json', 'too-large' or 'unexpected-response'
 */
export function parseStudiesPage(bytes: Buffer, options: { readonly maxBytes?: number } = {}): StudiesPage {
  const json = parseApiJson(bytes, 'ClinicalTrials.gov studies', options.maxBytes);
  const studies = requireField(json, 'studies', 'array', 'studies answer') as unknown[];
  const records: TrialRecord[] = [];
  const studyErrors: string[] = [];
  studies.forEach((study, index) => {
    try {
      records.push(readStudy(study));
    } catch (error) {
      studyErrors.push(
        `study ${index + 1}: ${error instanceof Error ? error.message : describeError(error)}`,
      );
    }
  });
  if (records.length === 0 && studyErrors.length > 0) {
    // Not one study in the documented shape: the API changed, not one bad record.
    throw new FeedError('unexpected-response', `no study on the page could be read (${studyErrors[0]!})`);
  }
  const token = json.nextPageToken;
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new FeedError(
      'unexpected-response',
      'studies answer.nextPageToken is not a string (has the API changed?)',
    );
  }
  return {
    studies: records,
    studyErrors,
    ...(token ? { nextPageToken: token } : {}),
    ...(typeof json.totalCount === 'number' ? { totalCount: json.totalCount } : {}),
  };
}

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? collapseWhitespace(value) : '');
const texts = (value: unknown): string[] => list(value).map(text).filter(Boolean);

function readStudy(study: unknown): TrialRecord {
  const protocol = object(object(study).protocolSection);
  const identification = object(protocol.identificationModule);
  const nctId = text(identification.nctId).toUpperCase();
  if (!/^NCT\d{8}$/.test(nctId)) throw new Error(`no NCT id (got ${JSON.stringify(nctId.slice(0, 20))})`);
  const title = text(identification.briefTitle) || text(identification.officialTitle);
  if (!title) throw new Error(`${nctId} has no title`);
  const statusModule = object(protocol.statusModule);
  const lastUpdatedOn =
    dateOf(statusModule.lastUpdatePostDateStruct) ?? dateOf(statusModule.studyFirstPostDateStruct);
  if (!lastUpdatedOn) throw new Error(`${nctId} has no last-update or first-posted date`);
  const design = object(protocol.designModule);
  const arms = object(protocol.armsInterventionsModule);
  const derived = object(object(study).derivedSection);
  const firstPostedOn = dateOf(statusModule.studyFirstPostDateStruct);
  const sponsor = text(object(object(protocol.sponsorCollaboratorsModule).leadSponsor).name);
  const officialTitle = text(identification.officialTitle);

  return {
    nctId,
    title,
    ...(officialTitle && officialTitle !== title ? { officialTitle } : {}),
    summary: text(object(protocol.descriptionModule).briefSummary),
    status: statusOf(statusModule.overallStatus) ?? 'unknown',
    phases: [...new Set(list(design.phases).flatMap((phase) => phaseOf(phase) ?? []))],
    ...(text(design.studyType) ? { studyType: text(design.studyType) } : {}),
    randomised: text(object(design.designInfo).allocation) === 'RANDOMIZED',
    conditions: texts(object(protocol.conditionsModule).conditions),
    interventions: list(arms.interventions)
      .map(object)
      .map((intervention) => ({ name: text(intervention.name), type: text(intervention.type) }))
      .filter((intervention) => intervention.name !== '')
      .map(({ name, type }) => (type ? { name, type } : { name })),
    arms: list(arms.armGroups)
      .map((arm) => texts(object(arm).interventionNames).map(withoutTypePrefix))
      .filter((names) => names.length > 0),
    ...(sponsor ? { sponsor } : {}),
    sites: list(object(protocol.contactsLocationsModule).locations)
      .map(object)
      .map((location) => {
        const country = text(location.country);
        const status = statusOf(location.status);
        return { ...(country ? { country } : {}), ...(status ? { status } : {}) };
      }),
    conditionMesh: meshTerms(object(derived.conditionBrowseModule).meshes),
    interventionMesh: meshTerms(object(derived.interventionBrowseModule).meshes),
    ...(firstPostedOn ? { firstPostedOn } : {}),
    lastUpdatedOn,
  };
}

/** "Drug: Pembrolizumab" (how arms name their interventions) → "Pembrolizumab". */
function withoutTypePrefix(name: string): string {
  return name.replace(
    /^(?:drug|biological|device|procedure|radiation|behavioral|genetic|dietary supplement|combination product|diagnostic test|other):\s*/i,
    '',
  );
}

function meshTerms(value: unknown): string[] {
  return list(value)
    .map((mesh) => text(object(mesh).term))
    .filter(Boolean);
}

/** `{date: "2026-11-24"}` (or "2026-11") → the date; undefined for anything else. */
function dateOf(struct: unknown): string | undefined {
  const date = text(object(struct).date);
  return /^\d{4}-\d{2}(?:-\d{2})?$/.test(date) ? date : undefined;
}

const PHASES: Readonly<Record<string, TrialPhase>> = {
  EARLY_PHASE1: 'early-phase-1',
  PHASE1: 'phase-1',
  PHASE2: 'phase-2',
  PHASE3: 'phase-3',
  PHASE4: 'phase-4',
  NA: 'not-applicable',
};

function phaseOf(value: unknown): TrialPhase | undefined {
  return PHASES[text(value).toUpperCase()];
}

/** RECRUITING → 'recruiting', ACTIVE_NOT_RECRUITING → 'active-not-recruiting'; unknown words → undefined. */
function statusOf(value: unknown): RecruitmentStatus | undefined {
  const status = text(value).toLowerCase().replace(/_/g, '-');
  return (RECRUITMENT_STATUSES as readonly string[]).includes(status)
    ? (status as RecruitmentStatus)
    : undefined;
}
