import { XMLParser } from 'fast-xml-parser';
import { describeError, FeedError } from '../errors.ts';
import { apiLocalTime } from './api-window.ts';
import { parseSafeXml } from './feed-parser.ts';
import { collapseWhitespace } from './html-text.ts';
import {
  attr,
  asArray,
  firstObject,
  isObject,
  markupText,
  plainText,
  type XmlNode,
  type XmlObject,
} from './xml-nodes.ts';
import { parseApiJson, requireField } from './api-json.ts';

/**
 * Reads NCBI E-utilities answers: the JSON of `esearch` (a count and a place on the history
 * server) and the PubmedArticleSet XML of `efetch`. Whole-answer problems throw a FeedError of
 * their kind (an HTML error page, XML or JSON cut short, a shape the API does not document); a
 * record that cannot be read is reported and skipped, and never loses the batch.
 */

/** What esearch says about a search kept on the history server. */
export interface EsearchResult {
  readonly count: number;
  /** Where the result set is kept: efetch reads it from there in batches. */
  readonly webEnv: string;
  readonly queryKey: string;
}

/** A MeSH heading of a record: the descriptor and its qualifiers, each major (a main point) or not. */
export interface MeshHeading {
  readonly descriptor: string;
  readonly major: boolean;
  readonly qualifiers: readonly { readonly name: string; readonly major: boolean }[];
}

/** One PubMed record as efetch gives it, in plain text. */
export interface PubMedRecord {
  readonly pmid: string;
  readonly title: string;
  /** The abstract; a structured abstract keeps its sections as "Label: text" lines. */
  readonly abstract: string;
  readonly journal?: string;
  /** When the work was published (electronic date first), ISO 8601; absent when unknown. */
  readonly publishedAt?: string;
  /** When the record entered PubMed (its Entrez date), ISO 8601. */
  readonly enteredAt?: string;
  readonly doi?: string;
  readonly pmcid?: string;
  readonly mesh: readonly MeshHeading[];
  /** NLM publication types ("Randomized Controlled Trial", "Review", ...). */
  readonly publicationTypes: readonly string[];
  /** Substances the indexers listed: drug names, mostly. */
  readonly substances: readonly string[];
  readonly keywords: readonly string[];
  /** ClinicalTrials.gov ids the record names in its data banks: facts about it, not its identity. */
  readonly trialIds: readonly string[];
}

export interface ParsedEfetch {
  readonly records: readonly PubMedRecord[];
  /** Records that could not be read, each with its position and reason. */
  readonly recordErrors: readonly string[];
}

/**
 * Reads an esearch answer (`retmode=json`, `usehistory=y`).
 *
 * @throws FeedError 'not-a-feed' (an HTML page), 'malformed-json', 'api-error' (the answer
 *   carries NCBI's error) or 'unexpected-response' (fields missing: an API change)
 */
export function parseEsearch(bytes: Buffer): EsearchResult {
  const json = parseApiJson(bytes, 'E-utilities esearch');
  const error = typeof json.error === 'string' ? json.error : undefined;
  if (error) throw new FeedError('api-error', `E-utilities esearch answered with an error: ${error}`);
  const result = requireField(json, 'esearchresult', 'object', 'esearch') as Record<string, unknown>;
  if (typeof result.ERROR === 'string') {
    throw new FeedError('api-error', `E-utilities esearch answered with an error: ${result.ERROR}`);
  }
  const countText = requireField(result, 'count', 'string', 'esearchresult');
  if (!/^\d+$/.test(countText as string)) {
    throw new FeedError(
      'unexpected-response',
      `esearchresult.count is not a number: ${JSON.stringify(countText)}`,
    );
  }
  const count = Number(countText);
  // Without a place on the history server there is nothing to fetch; with no records, none is needed.
  const webEnv =
    count > 0
      ? (requireField(result, 'webenv', 'string', 'esearchresult') as string)
      : typeof result.webenv === 'string'
        ? result.webenv
        : '';
  const queryKey =
    count > 0
      ? (requireField(result, 'querykey', 'string', 'esearchresult') as string)
      : typeof result.querykey === 'string'
        ? result.querykey
        : '';
  return { count, webEnv, queryKey };
}

const ALWAYS_ARRAY = new Set([
  'PubmedArticle',
  'PubmedBookArticle',
  'AbstractText',
  'MeshHeading',
  'QualifierName',
  'PublicationType',
  'Chemical',
  'Keyword',
  'KeywordList',
  'ArticleId',
  'ELocationID',
  'PubMedPubDate',
  'ArticleDate',
  'DataBank',
  'AccessionNumber',
]);

const efetchParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  // Titles and abstracts hold inline markup (<i>, <sup>, MathML): kept raw, turned into text once.
  stopNodes: ['*.ArticleTitle', '*.VernacularTitle', '*.AbstractText', '*.Title'],
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

/**
 * Reads an efetch answer (`db=pubmed`, `retmode=xml`): a PubmedArticleSet.
 *
 * @throws FeedError 'malformed-xml' (cut short), 'not-a-feed' (an HTML page), 'entity-expansion',
 *   'api-error' (an eFetchResult carrying NCBI's error) or 'unexpected-response' (another document)
 */
export function parseEfetch(bytes: Buffer, options: { readonly maxBytes?: number } = {}): ParsedEfetch {
  let document: XmlObject;
  try {
    document = parseSafeXml(
      bytes,
      options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
      efetchParser,
    );
  } catch (error) {
    if (error instanceof FeedError && error.kind === 'not-a-feed') {
      throw new FeedError(
        'not-a-feed',
        `E-utilities efetch: ${error.message.replace(/, not a feed/, ', not a PubmedArticleSet')}`,
      );
    }
    throw error;
  }
  const errorRoot = firstObject(document.eFetchResult);
  if (errorRoot) {
    throw new FeedError(
      'api-error',
      `E-utilities efetch answered with an error: ${plainText(errorRoot.ERROR) || 'no message'}`,
    );
  }
  const set = document.PubmedArticleSet;
  if (set === undefined) {
    const root = Object.keys(document).find((name) => !name.startsWith('?'));
    throw new FeedError(
      'unexpected-response',
      `efetch answer's root is <${root ?? 'none'}>, not <PubmedArticleSet>`,
    );
  }
  const articleSet = isObject(set) ? set : {};
  const records: PubMedRecord[] = [];
  const recordErrors: string[] = [];
  asArray(articleSet.PubmedArticle).forEach((node, index) => {
    try {
      if (!isObject(node)) throw new Error('empty PubmedArticle');
      records.push(readArticle(node));
    } catch (error) {
      recordErrors.push(
        `record ${index + 1}: ${error instanceof Error ? error.message : describeError(error)}`,
      );
    }
  });
  if (records.length === 0 && recordErrors.length > 0) {
    // Not one record in the documented shape: the API changed, not one bad record.
    throw new FeedError(
      'unexpected-response',
      `no record of the PubmedArticleSet could be read (${recordErrors[0]!})`,
    );
  }
  const books = asArray(articleSet.PubmedBookArticle).length;
  if (books > 0)
    recordErrors.push(`${books} book chapter record${books === 1 ? '' : 's'} skipped (not read)`);
  return { records, recordErrors };
}

function readArticle(node: XmlObject): PubMedRecord {
  const citation = firstObject(node.MedlineCitation);
  const article = firstObject(citation?.Article);
  if (!citation || !article) throw new Error('no MedlineCitation/Article');
  const pmid = plainText(citation.PMID);
  if (!/^\d{1,9}$/.test(pmid)) throw new Error(`no PMID (got ${JSON.stringify(pmid.slice(0, 20))})`);
  const title = cleanTitle(markupText(article.ArticleTitle) || markupText(article.VernacularTitle));
  if (!title) throw new Error(`PMID ${pmid} has no title`);

  const pubmedData = firstObject(node.PubmedData);
  const articleIds = asArray(firstObject(pubmedData?.ArticleIdList)?.ArticleId).filter(isObject);
  const idOf = (type: string) => plainText(articleIds.find((id) => attr(id, 'IdType') === type)) || undefined;
  const eLocationDoi = asArray(article.ELocationID)
    .filter(isObject)
    .find((id) => attr(id, 'EIdType') === 'doi' && attr(id, 'ValidYN') !== 'N');
  const doi = idOf('doi') ?? (eLocationDoi ? plainText(eLocationDoi) || undefined : undefined);
  const pmc = idOf('pmc');

  const history = asArray(firstObject(pubmedData?.History)?.PubMedPubDate).filter(isObject);
  const entered =
    history.find((date) => attr(date, 'PubStatus') === 'entrez') ??
    history.find((date) => attr(date, 'PubStatus') === 'pubmed');
  const enteredAt = entered ? easternInstant(entered) : undefined;
  const journal = firstObject(article.Journal);
  const electronic = asArray(article.ArticleDate)
    .filter(isObject)
    .find((date) => (attr(date, 'DateType') ?? 'Electronic') === 'Electronic');
  const printed = firstObject(firstObject(journal?.JournalIssue)?.PubDate);
  const publishedAt =
    (electronic && calendarDate(electronic)) ?? (printed && calendarDate(printed)) ?? enteredAt;

  return {
    pmid,
    title,
    abstract: abstractOf(firstObject(article.Abstract)),
    ...optional('journal', journalName(markupText(journal?.Title)) || plainText(journal?.ISOAbbreviation)),
    ...optional('publishedAt', publishedAt),
    ...optional('enteredAt', enteredAt),
    ...optional('doi', doi),
    ...optional('pmcid', pmc && /^PMC\d+$/i.test(pmc) ? pmc.toUpperCase() : undefined),
    mesh: asArray(firstObject(citation.MeshHeadingList)?.MeshHeading).filter(isObject).flatMap(readHeading),
    publicationTypes: texts(firstObject(article.PublicationTypeList)?.PublicationType),
    substances: asArray(firstObject(citation.ChemicalList)?.Chemical)
      .filter(isObject)
      .map((chemical) => plainText(chemical.NameOfSubstance))
      .filter(Boolean),
    keywords: asArray(citation.KeywordList)
      .filter(isObject)
      .flatMap((list) => asArray(list.Keyword).map((keyword) => markupText(keyword)))
      .filter(Boolean),
    trialIds: asArray(firstObject(article.DataBankList)?.DataBank)
      .filter(isObject)
      .filter((bank) => /clinicaltrials\.gov/i.test(plainText(bank.DataBankName)))
      .flatMap((bank) => texts(firstObject(bank.AccessionNumberList)?.AccessionNumber))
      .filter((id) => /^NCT\d{8}$/i.test(id))
      .map((id) => id.toUpperCase()),
  };
}

/** NLM's journal titles carry a subtitle after " : " ("Journal of clinical oncology : official journal of ..."). */
function journalName(title: string): string {
  return title.split(' : ')[0]!.trim();
}

/** PubMed marks a translated title with brackets ("[Title in English].") and ends titles with a period. */
function cleanTitle(title: string): string {
  const unbracketed = /^\[(.+)\]\.?$/.exec(title)?.[1] ?? title;
  return unbracketed.replace(/(?<![A-Z]|\bal|\bvs|\bet)\.$/, '').trim();
}

/** Sections of a structured abstract become "Label: text" lines; a plain abstract stays as it is. */
function abstractOf(abstract: XmlObject | undefined): string {
  if (!abstract) return '';
  return asArray(abstract.AbstractText)
    .map((section) => {
      const text = markupText(section);
      const label = isObject(section) ? attr(section, 'Label') : undefined;
      // A lone "ABSTRACT" or "UNLABELLED" section names no part of the abstract.
      return label && text && !/^(?:abstract|unlabel+ed|unassigned)$/i.test(label)
        ? `${sentenceCase(label)}: ${text}`
        : text;
    })
    .filter(Boolean)
    .join('\n');
}

/** "BACKGROUND" → "Background", "METHODS AND FINDINGS" → "Methods and findings"; mixed case stays. */
function sentenceCase(label: string): string {
  const clean = collapseWhitespace(label).replace(/:$/, '');
  if (clean !== clean.toUpperCase()) return clean;
  return clean.charAt(0) + clean.slice(1).toLowerCase();
}

function readHeading(heading: XmlObject): MeshHeading[] {
  const descriptor = firstObject(heading.DescriptorName) ?? heading.DescriptorName;
  const name = plainText(descriptor);
  if (!name) return [];
  return [
    {
      descriptor: name,
      major: attr(descriptor, 'MajorTopicYN') === 'Y',
      qualifiers: asArray(heading.QualifierName)
        .map((qualifier) => ({ name: plainText(qualifier), major: attr(qualifier, 'MajorTopicYN') === 'Y' }))
        .filter((qualifier) => qualifier.name !== ''),
    },
  ];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function monthNumber(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = MONTHS.indexOf(text.slice(0, 3).toLowerCase());
  return index === -1 ? undefined : index + 1;
}

/** A date with a day (ArticleDate, a PubDate with Year/Month/Day) as `YYYY-MM-DD`; undefined otherwise. */
function calendarDate(date: XmlObject): string | undefined {
  const year = plainText(date.Year);
  const month = monthNumber(plainText(date.Month));
  const day = plainText(date.Day);
  if (!/^\d{4}$/.test(year) || !month || !/^\d{1,2}$/.test(day)) return undefined;
  const iso = `${year}-${String(month).padStart(2, '0')}-${day.padStart(2, '0')}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** A PubMedPubDate (Year, Month, Day, Hour, Minute in US Eastern time) as an ISO instant. */
function easternInstant(date: XmlObject): string | undefined {
  const field = (name: string) => {
    const text = plainText(date[name]);
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const year = field('Year');
  const month = field('Month');
  const day = field('Day');
  if (!year || !month || !day) return undefined;
  const hour = field('Hour');
  const minute = field('Minute');
  return apiLocalTime({
    year,
    month,
    day,
    ...(hour === undefined ? {} : { hour }),
    ...(minute === undefined ? {} : { minute }),
  })?.toISOString();
}

function texts(node: XmlNode): string[] {
  return asArray(node).map(plainText).filter(Boolean);
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
