import { hash } from 'node:crypto';
import type { ArticleIdentifiers } from '../../model/articles.ts';
import { urlIdentity } from './canonical-url.ts';

/**
 * The identity rules of deduplication: which keys make two items the same work. The strongest
 * key an item has (DOI, then PMID, then PMC id, then NCT id, then URL, then title) names its
 * article; every key is claimed in the store, so a later source carrying any of them merges onto
 * the same article, whatever kind of source saw it first: a PubMed record, a journal's feed item
 * and a registry entry meet on these keys.
 *
 * A PubMed record's own DOI, PMID and PMC id are its identity; the trial ids it cites in its data
 * banks are not: every paper of a trial names it, and the trial's registration is another work.
 */

// A DOI ends at whitespace, quotes, markup or the query/fragment of the URL it sits in.
const DOI_PATTERN = /\b(10\.\d{4,9}\/[^\s"'<>&?#]+)/i;
const PMID_PATTERN =
  /pubmed\.ncbi\.nlm\.nih\.gov\/(\d{5,9})\b|ncbi\.nlm\.nih\.gov\/pubmed\/(\d{5,9})\b|\bpubmed:\s*(\d{5,9})\b|\bpmid:?\s*(\d{5,9})\b/i;
const NCT_PATTERN = /\b(NCT\d{8})\b/i;
// PubMed Central's id, in its article URLs (old and new hosts) or as "pmc:"/"PMCID:" in an identifier.
const PMC_PATTERN = /(?:\/pmc\/articles\/|pmc\.ncbi\.nlm\.nih\.gov\/articles\/|\bpmcid?:\s*)(PMC\d{4,9})\b/i;

/** Normalises a DOI: lower case (DOIs are case-insensitive), no resolver prefix, no trailing punctuation. */
function normaliseDoi(raw: string): string | undefined {
  const match = DOI_PATTERN.exec(decodeURIComponentSafe(raw));
  if (!match?.[1]) return undefined;
  return match[1].replace(/[.,;:)\]}]+$/, '').toLowerCase();
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Finds DOI, PMID and NCT id in the texts an item carries about itself (guid, link,
 * dc:identifier, prism:doi). Never in its summary: a summary cites other works.
 */
export function extractIdentifiers(texts: readonly (string | undefined)[]): ArticleIdentifiers {
  let doi: string | undefined;
  let pmid: string | undefined;
  let pmcid: string | undefined;
  let nct: string | undefined;
  for (const text of texts) {
    if (!text) continue;
    doi ??= normaliseDoi(text);
    const pmidMatch = PMID_PATTERN.exec(text);
    pmid ??= pmidMatch?.slice(1).find(Boolean);
    pmcid ??= PMC_PATTERN.exec(text)?.[1]?.toUpperCase();
    nct ??= NCT_PATTERN.exec(text)?.[1]?.toUpperCase();
  }
  return {
    ...(doi ? { doi } : {}),
    ...(pmid ? { pmid } : {}),
    ...(pmcid ? { pmcid } : {}),
    ...(nct ? { nct } : {}),
  };
}

/** Lower case, letters and digits only, single spaces: titles that differ only in punctuation match. */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Near-identical titles match only when published within this many days of each other. */
const TITLE_MATCH_DAYS = 14;
export const TITLE_MATCH_MS = TITLE_MATCH_DAYS * 24 * 3600 * 1000;
// Title keys are bucketed by twice the window, so any date within the window of an item lies in
// its own bucket or in exactly one neighbour: two lookups per title, not three.
const TITLE_BUCKET_MS = 2 * TITLE_MATCH_MS;
/** Titles shorter than this many words (“Editorial”, “Correction”, “In brief”) identify nothing. */
const MIN_TITLE_WORDS = 4;

/**
 * Identity keys in strength order: `doi:`, `pmid:`, `pmc:`, `nct:`, `url:` (see urlIdentity) and
 * `title:<bucket>:<hash>` for a normalised title of at least four words.
 */
export function identityKeys(input: {
  identifiers: ArticleIdentifiers;
  url: string | undefined;
  title: string;
  publishedAt: Date;
}): string[] {
  const keys: string[] = [];
  if (input.identifiers.doi) keys.push(`doi:${input.identifiers.doi}`);
  if (input.identifiers.pmid) keys.push(`pmid:${input.identifiers.pmid}`);
  if (input.identifiers.pmcid) keys.push(`pmc:${input.identifiers.pmcid}`);
  if (input.identifiers.nct) keys.push(`nct:${input.identifiers.nct}`);
  const url = input.url ? urlIdentity(input.url) : undefined;
  if (url) keys.push(`url:${url}`);
  const title = normaliseTitle(input.title);
  if (title.split(' ').length >= MIN_TITLE_WORDS) {
    const bucket = Math.floor(input.publishedAt.getTime() / TITLE_BUCKET_MS);
    keys.push(`title:${bucket}:${shortHash(title)}`);
  }
  return keys;
}

/** True for the keys that match only within a date window (titles). */
export function isTitleKey(key: string): boolean {
  return key.startsWith('title:');
}

/** True when two publication times are close enough for equal titles to be one work. */
export function withinTitleWindow(a: number, b: number): boolean {
  return Math.abs(a - b) <= TITLE_MATCH_MS;
}

/**
 * The one neighbouring title key where a work published within the window of `publishedAt`
 * can sit: the previous bucket in the first half of a bucket, the next one in the second half.
 */
export function neighbouringTitleKey(key: string, publishedAt: Date): string | undefined {
  const match = /^title:(-?\d+):(.+)$/.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  const bucket = Number(match[1]);
  const intoBucket = publishedAt.getTime() - bucket * TITLE_BUCKET_MS;
  return `title:${intoBucket < TITLE_MATCH_MS ? bucket - 1 : bucket + 1}:${match[2]}`;
}

/** The article id: a short hash of its strongest identity key. */
export function articleIdFor(strongestKey: string): string {
  return shortHash(strongestKey);
}

function shortHash(text: string): string {
  // The one-shot hash: no Hash object per key (several keys per item of every feed).
  return hash('sha256', text, 'base64url').slice(0, 22);
}
