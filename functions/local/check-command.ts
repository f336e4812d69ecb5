import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/config.ts';
import { loadVocabulary } from '../adapters/content/load-content.ts';
import { HttpFeedFetcher } from '../adapters/http/feed-fetcher.ts';
import { createTagger, type Tagger } from '../core/tagging/tagger.ts';
import { describeError, FeedError, ValidationError } from '../core/errors.ts';
import { readFeed } from '../core/ingest/read-feed.ts';
import { parseEfetch, parseEsearch } from '../core/ingest/pubmed-parser.ts';
import { parseStudiesPage } from '../core/ingest/clinicaltrials-parser.ts';
import { pubmedCandidate, trialCandidate } from '../core/ingest/record-candidates.ts';
import { apiDayOf } from '../core/ingest/api-window.ts';
import type { NormaliseResult } from '../core/ingest/normalise.ts';
import type { ArticleCandidate } from '../model/articles.ts';
import type { Source, SourceVia } from '../model/sources.ts';
import { TOPIC_IDS } from '../model/topics.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { cannotRead } from './file-errors.ts';

/** One line of `immuno-digest check`. */
export interface CheckLine {
  readonly input: string;
  readonly format: string | null;
  /** Items in the feed (readable or not). */
  readonly items: number;
  /** Items that would be stored, and how many of them pass the relevance filter. */
  readonly articles: number;
  readonly relevant: number;
  /** The feed's failure ("kind: message"), or each rejected item with its reason. */
  readonly errors: readonly string[];
  /** The first normalised item, with its topics; null when there is none. */
  readonly sample: Record<string, unknown> | null;
}

export interface CheckOptions {
  /**
   * How to read the inputs: `feed` (RSS, Atom, RDF), `pubmed` (an E-utilities efetch
   * PubmedArticleSet, or an esearch JSON answer) or `clinicaltrials` (a v2 API studies page).
   */
  readonly kind?: SourceVia;
  /** Read the inputs as a focused source (every item relevant), not a broad one. */
  readonly focused: boolean;
  /** Base for relative links in a file (a URL's own address is its base). */
  readonly baseUrl?: string;
  /** Loopback ports a URL may reach: only for checking a feed served on this machine. */
  readonly allowLoopbackPorts: readonly number[];
}

/**
 * `immuno-digest check FILE|URL ...`: parses each input as ingest would, stores nothing, and
 * prints one JSON line per input. A feed that fails (malformed, blocked, too large) is a line with
 * its error and the command exits 0: that is the verdict on it, and one bad candidate source never
 * hides the verdict on the others. A file that cannot be read at all is a mistake in the command
 * (a typo in the path): it gets its line too, then a message on stderr and exit code 2.
 */
export async function checkCommand(inputs: readonly string[], options: CheckOptions): Promise<void> {
  // check signs no link: the fetch and content settings are all it reads, validated as usual.
  const config = loadConfig(
    { TOKEN_SECRET: 'check-signs-nothing-check-signs-nothing', ...process.env },
    'local',
  );
  const tagger = createTagger(await loadVocabulary(config.contentDir));
  const fetcher = new HttpFeedFetcher({
    timeoutMs: config.fetch.timeoutMs,
    maxBytes: config.fetch.maxBytes,
    userAgent: config.fetch.userAgent,
    allowedLoopbackPorts: options.allowLoopbackPorts,
  });
  const unreadable: string[] = [];
  try {
    for (const input of inputs) {
      const { unreadable: cannotBeRead, ...line } = await checkInput(input, {
        tagger,
        fetcher,
        maxBytes: config.fetch.maxBytes,
        maxItems: config.fetch.maxItems,
        lookbackDays: config.apiSources.lookbackDays,
        options,
      });
      process.stdout.write(`${JSON.stringify(line)}\n`);
      if (cannotBeRead) unreadable.push(line.errors[0]!);
    }
  } finally {
    fetcher.close();
  }
  for (const problem of unreadable) console.error(`immuno-digest: ${problem}`);
  if (unreadable.length > 0) process.exitCode = EXIT_CODES.badInput;
}

async function checkInput(
  input: string,
  deps: {
    tagger: Tagger;
    fetcher: HttpFeedFetcher;
    maxBytes: number;
    maxItems: number;
    lookbackDays: number;
    options: CheckOptions;
  },
): Promise<CheckLine & { readonly unreadable?: true }> {
  const isUrl = /^https?:\/\//i.test(input);
  const feedUrl = isUrl ? input : (deps.options.baseUrl ?? pathToFileURL(path.resolve(input)).toString());
  const kind = deps.options.kind ?? 'feed';
  const source: Source = {
    id: 'check',
    via: kind,
    name: input,
    url: feedUrl,
    broad: !deps.options.focused,
    weight: 1,
    enabled: true,
  };
  try {
    const { body, contentType } = isUrl
      ? await download(input, deps.fetcher)
      : await readLocal(input, deps.maxBytes);
    if (kind !== 'feed') return checkApiAnswer(input, body, source, deps);
    const charset = /charset=["']?([^;"'\s]+)/i.exec(contentType ?? '')?.[1];
    const feed = readFeed(
      body,
      source,
      { tagger: deps.tagger },
      {
        url: feedUrl,
        maxBytes: deps.maxBytes,
        maxItems: deps.maxItems,
        firstSeenAt: new Date(),
        ...(charset ? { httpCharset: charset } : {}),
      },
    );
    const [first] = feed.candidates;
    return {
      input,
      format: feed.format,
      items: feed.itemsSeen,
      articles: feed.candidates.length,
      relevant: feed.candidates.filter((candidate) => candidate.relevant).length,
      errors: feed.rejections,
      sample: first ? sample(first) : null,
    };
  } catch (error) {
    const failed = { input, format: null, items: 0, articles: 0, relevant: 0, sample: null };
    if (error instanceof ValidationError) return { ...failed, errors: [error.message], unreadable: true };
    const message = error instanceof FeedError ? `${error.kind}: ${error.message}` : describeError(error);
    return { ...failed, errors: [message] };
  }
}

/**
 * An API answer as ingest would read it: a PubMed efetch PubmedArticleSet (or an esearch answer,
 * which lists no records: its count is the line's items) or a ClinicalTrials.gov studies page.
 *
 * @throws FeedError of the answer's failure, as ingest would record it
 */
function checkApiAnswer(
  input: string,
  body: Buffer,
  source: Source,
  deps: { tagger: Tagger; maxBytes: number; lookbackDays: number },
): CheckLine {
  const now = new Date();
  const results: NormaliseResult[] = [];
  let format: string;
  let items: number;
  const errors: string[] = [];
  if (source.via === 'pubmed') {
    if (body.toString('utf8', 0, 64).trimStart().startsWith('{')) {
      const search = parseEsearch(body);
      return {
        input,
        format: 'pubmed-esearch',
        items: search.count,
        articles: 0,
        relevant: 0,
        errors,
        sample: null,
      };
    }
    const parsed = parseEfetch(body, { maxBytes: deps.maxBytes });
    format = 'pubmed-efetch';
    items = parsed.records.length + parsed.recordErrors.length;
    errors.push(...parsed.recordErrors);
    for (const record of parsed.records) results.push(pubmedCandidate(record, source, deps.tagger, now));
  } else {
    const page = parseStudiesPage(body, { maxBytes: deps.maxBytes });
    format = 'clinicaltrials-v2';
    items = page.studies.length + page.studyErrors.length;
    errors.push(...page.studyErrors);
    const newness = {
      windowFirstDay: apiDayOf(new Date(now.getTime() - deps.lookbackDays * 86_400_000)),
      lookbackDays: deps.lookbackDays,
    };
    for (const study of page.studies) results.push(trialCandidate(study, source, deps.tagger, now, newness));
  }
  const candidates: ArticleCandidate[] = [];
  for (const result of results) {
    if (result.ok) candidates.push(result.candidate);
    else errors.push(result.reason);
  }
  const [first] = candidates;
  return {
    input,
    format,
    items,
    articles: candidates.length,
    relevant: candidates.filter((candidate) => candidate.relevant).length,
    errors,
    sample: first ? sample(first) : null,
  };
}

async function download(
  url: string,
  fetcher: HttpFeedFetcher,
): Promise<{ body: Buffer; contentType?: string }> {
  const result = await fetcher.fetch(url, {});
  if (result.status !== 'ok')
    throw new FeedError('http-status', `HTTP 304 from ${url} without a conditional request`);
  return { body: result.body, ...(result.contentType ? { contentType: result.contentType } : {}) };
}

/** @throws ValidationError when the file cannot be read (missing, a folder, no permission) */
async function readLocal(file: string, maxBytes: number): Promise<{ body: Buffer; contentType?: string }> {
  try {
    // The same cap as a download: a 50 MB file is refused before it is read into memory.
    const { size } = await stat(file);
    if (size > maxBytes)
      throw new FeedError('too-large', `${file} is ${size} bytes, over the ${maxBytes}-byte limit`);
    return { body: await readFile(file) };
  } catch (error) {
    throw error instanceof FeedError ? error : cannotRead(file, error);
  }
}

function sample(candidate: ArticleCandidate): Record<string, unknown> {
  return {
    title: candidate.title,
    url: candidate.url,
    summary: candidate.summary,
    publishedAt: candidate.publishedAt,
    identifiers: candidate.identifiers,
    studyTypes: candidate.studyTypes,
    topics: TOPIC_IDS.filter((id) => (candidate.topics[id] ?? 0) > 0),
    relevant: candidate.relevant,
    ...(candidate.journal ? { journal: candidate.journal } : {}),
    ...(candidate.trial ? { trial: candidate.trial } : {}),
    ...(candidate.updateOnly ? { updateOnly: true } : {}),
  };
}
