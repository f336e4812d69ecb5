import { createHash } from 'node:crypto';
import type { ArticleIdentifiers } from '../model.ts';

/**
 * The identity rules of deduplication: which keys make two items the same work. The strongest
 * key an item has (DOI, then PMID, then NCT id, then canonical URL) names its article; every key
 * is claimed in the store, so a later source carrying any of them merges onto the same article.
 */

// Query parameters that only say who clicked where: dropped so the same page has one URL.
const TRACKING_PARAMETERS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'yclid',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'igshid',
  'ref',
  'ref_src',
  'cmpid',
  'rss',
  'ff',
  'fc',
  'v',
  'feed',
  'src',
]);

/**
 * Canonical form of a URL: https, lower-case host without `www.`, no default port, no fragment,
 * no tracking parameters (utm_*, fbclid, …), remaining parameters sorted.
 *
 * @returns undefined when the text is not an absolute http(s) URL.
 * @example canonicalUrl('HTTP://WWW.Example.org/a?utm_source=x&b=2#top') // 'https://example.org/a?b=2'
 */
export function canonicalUrl(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    // Feeds put raw spaces in links (PubMed does); they mean %20.
    url = new URL(raw.trim().replace(/ /g, '%20'), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.protocol = 'https:';
  url.hostname = url.hostname.toLowerCase().replace(/^www\./, '');
  if (url.port === '80' || url.port === '443') url.port = '';
  url.hash = '';
  // "/a/" and "/a" are one page on every site we read; "/" stays as it is.
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  url.username = '';
  url.password = '';
  const kept = [...url.searchParams.entries()]
    .filter(
      ([name]) => !name.toLowerCase().startsWith('utm_') && !TRACKING_PARAMETERS.has(name.toLowerCase()),
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = new URLSearchParams(kept).toString();
  return url.toString();
}

const DOI_PATTERN = /\b(10\.\d{4,9}\/[^\s"'<>&]+)/i;
const PMID_URL_PATTERN =
  /pubmed\.ncbi\.nlm\.nih\.gov\/(\d{5,9})\b|\bpubmed:(\d{5,9})\b|\bpmid:\s*(\d{5,9})\b/i;
const NCT_PATTERN = /\b(NCT\d{8})\b/i;

/** Normalises a DOI: lower case (DOIs are case-insensitive), no resolver prefix, no trailing punctuation. */
export function normaliseDoi(raw: string): string | undefined {
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

/** Finds DOI, PMID and NCT id in the texts an item carries (guid, link, dc:identifier, summary). */
export function extractIdentifiers(texts: readonly (string | undefined)[]): ArticleIdentifiers {
  let doi: string | undefined;
  let pmid: string | undefined;
  let nct: string | undefined;
  for (const text of texts) {
    if (!text) continue;
    doi ??= normaliseDoi(text);
    const pmidMatch = PMID_URL_PATTERN.exec(text);
    pmid ??= pmidMatch?.[1] ?? pmidMatch?.[2] ?? pmidMatch?.[3];
    nct ??= NCT_PATTERN.exec(text)?.[1]?.toUpperCase();
  }
  return { ...(doi ? { doi } : {}), ...(pmid ? { pmid } : {}), ...(nct ? { nct } : {}) };
}

/** Lower case, letters and digits only, single spaces: titles that differ only in punctuation match. */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Near-identical titles match only within this many days of each other. */
export const TITLE_MATCH_DAYS = 14;
const TITLE_BUCKET_MS = TITLE_MATCH_DAYS * 24 * 3600 * 1000;

/**
 * Identity keys in strength order. A title key is bucketed by 14-day period of publication, and
 * titles too short to identify a work (“Editorial”, “Correction”) get no title key at all.
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
  if (input.identifiers.nct) keys.push(`nct:${input.identifiers.nct}`);
  if (input.url) keys.push(`url:${input.url}`);
  const title = normaliseTitle(input.title);
  if (title.split(' ').length >= 4) {
    const bucket = Math.floor(input.publishedAt.getTime() / TITLE_BUCKET_MS);
    keys.push(`title:${bucket}:${shortHash(title)}`);
  }
  return keys;
}

/** The neighbouring title keys (previous and next bucket), so two dates either side of a bucket edge still match. */
export function neighbouringTitleKeys(key: string): string[] {
  const match = /^title:(\d+):(.+)$/.exec(key);
  if (!match?.[1] || !match[2]) return [];
  const bucket = Number(match[1]);
  return [`title:${bucket - 1}:${match[2]}`, `title:${bucket + 1}:${match[2]}`];
}

/** The article id: a short hash of its strongest identity key. */
export function articleIdFor(strongestKey: string): string {
  return shortHash(strongestKey);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}
