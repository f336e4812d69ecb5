import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { shiftPubMedDates, shiftStudyDates } from './snapshot-dates.ts';

/**
 * A loopback stand-in for the two APIs the API sources call, answering from the recordings in
 * content/snapshots/ in the APIs' own formats:
 *
 * - NCBI E-utilities under `/pubmed/<snapshot>/`: `esearch.fcgi` (JSON, `usehistory=y`) keeps the
 *   matching records on its history server and answers with a count, a WebEnv and a query key in
 *   the shape of `<snapshot>.esearch.json`; `efetch.fcgi` answers a batch (`retstart`, `retmax`)
 *   of those records as a PubmedArticleSet cut from `<snapshot>.efetch.xml`, newest entry first.
 * - ClinicalTrials.gov v2 under `/clinicaltrials/<snapshot>/`: `studies` answers pages
 *   (`pageSize`, `pageToken`) of the studies of `<snapshot>.studies.json`, oldest update first.
 *
 * A recording was made once, so by default it answers every date window whole, the way a feed
 * snapshot is served whole on any day (`npm start` on a fresh clone ingests it). Tests turn
 * `windows: 'apply'` on to check that ingest asks for the right windows. Every request is logged
 * with its time, and a test can make the next requests fail (a 429, an HTML page, a body cut short).
 * Like the feed snapshots, the recordings are served as if made today (their dates moved by
 * `shiftDays`), windows included.
 */

export interface ApiRequestRecord {
  readonly api: 'pubmed' | 'clinicaltrials';
  /** `esearch.fcgi`, `efetch.fcgi` or `studies`. */
  readonly endpoint: string;
  readonly snapshot: string;
  readonly query: Readonly<Record<string, string>>;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

/** Writes a whole answer of its own instead of the stand-in's (a fault a test injects). */
export type FaultAnswer = (response: ServerResponse) => void;

export interface ApiStandInOptions {
  /** 'ignore' (default): every window gets the whole recording; 'apply': records outside it are left out. */
  readonly windows?: 'ignore' | 'apply';
  /**
   * Days to move every date of a recording by, asked on each request (see snapshot-dates.ts):
   * the recordings age like the feed snapshots, that is not at all.
   */
  readonly shiftDays?: () => number;
}

interface PubMedHistory {
  readonly snapshot: string;
  readonly pmids: readonly string[];
}

export class ApiStandIn {
  readonly requests: ApiRequestRecord[] = [];
  private readonly histories = new Map<string, PubMedHistory>();
  private readonly faults: { matches: (request: ApiRequestRecord) => boolean; answer: FaultAnswer }[] = [];

  constructor(
    private readonly directory: string,
    private readonly options: ApiStandInOptions = {},
  ) {}

  /** The next request that `matches` gets `answer` instead (each fault answers once, in order). */
  failNext(matches: (request: ApiRequestRecord) => boolean, answer: FaultAnswer): void {
    this.faults.push({ matches, answer });
  }

  /**
   * The most requests to one API that arrived within any one second (a sliding window): what
   * the APIs' rate limits are about.
   */
  busiestSecond(api: ApiRequestRecord['api']): number {
    const times = this.requests.filter((request) => request.api === api).map((request) => request.at);
    let busiest = 0;
    for (let first = 0, last = 0; last < times.length; last += 1) {
      while (times[last]! - times[first]! >= 1000) first += 1;
      busiest = Math.max(busiest, last - first + 1);
    }
    return busiest;
  }

  /** Answers `/pubmed/...` and `/clinicaltrials/...`; false for any other path (the caller's to answer). */
  handles(request: IncomingMessage, response: ServerResponse): boolean {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/(pubmed|clinicaltrials)\/([A-Za-z0-9._-]+)\/(esearch\.fcgi|efetch\.fcgi|studies)$/.exec(
      url.pathname,
    );
    if (!match) return false;
    const record: ApiRequestRecord = {
      api: match[1] as ApiRequestRecord['api'],
      snapshot: match[2]!,
      endpoint: match[3]!,
      query: Object.fromEntries(url.searchParams),
      at: Date.now(),
    };
    this.requests.push(record);
    const fault = this.faults.findIndex((candidate) => candidate.matches(record));
    if (fault !== -1) {
      this.faults.splice(fault, 1)[0]!.answer(response);
      return true;
    }
    void this.answer(record)
      .then(({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body))
      .catch((error: unknown) =>
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`stand-in error: ${String(error)}`),
      );
    return true;
  }

  private async answer(request: ApiRequestRecord): Promise<{ status: number; type: string; body: string }> {
    if (request.api === 'clinicaltrials') return this.studies(request);
    return request.endpoint === 'esearch.fcgi' ? this.esearch(request) : this.efetch(request);
  }

  private async esearch(request: ApiRequestRecord) {
    const { query } = request;
    if (query.db !== 'pubmed' || !query.term || query.retmode !== 'json' || query.usehistory !== 'y') {
      return json(400, { error: 'this stand-in answers db=pubmed&term=…&retmode=json&usehistory=y' });
    }
    const [template, records] = await Promise.all([
      this.readJson(`${request.snapshot}.esearch.json`),
      this.pubmedRecords(request.snapshot),
    ]);
    const inWindow = records.filter((record) => this.inPubMedWindow(record.entered, query));
    // Newest entry first, as PubMed lists a search.
    inWindow.sort((a, b) => b.entered.localeCompare(a.entered) || Number(b.pmid) - Number(a.pmid));
    const webEnv = `MCID_${randomBytes(12).toString('hex')}`;
    this.histories.set(webEnv, { snapshot: request.snapshot, pmids: inWindow.map((record) => record.pmid) });
    const retmax = Math.min(Number(query.retmax ?? 20), 10_000);
    const result = typeof template.esearchresult === 'object' ? template.esearchresult : {};
    return json(200, {
      ...template,
      esearchresult: {
        ...result,
        count: String(inWindow.length),
        retmax: String(Math.min(retmax, inWindow.length)),
        retstart: '0',
        querykey: '1',
        webenv: webEnv,
        idlist: inWindow.slice(0, retmax).map((record) => record.pmid),
      },
    });
  }

  private async efetch(request: ApiRequestRecord) {
    const { query } = request;
    const history = query.WebEnv ? this.histories.get(query.WebEnv) : undefined;
    if (!history || query.query_key !== '1' || history.snapshot !== request.snapshot) {
      return xml(
        200,
        '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eFetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n',
      );
    }
    const start = Number(query.retstart ?? 0);
    const count = Number(query.retmax ?? 20);
    const wanted = history.pmids.slice(start, start + count);
    const [records, text] = await Promise.all([
      this.pubmedRecords(request.snapshot),
      this.efetchRecording(request.snapshot),
    ]);
    const byPmid = new Map(records.map((record) => [record.pmid, record.text]));
    const prolog = text.slice(0, text.indexOf('<PubmedArticleSet'));
    const body = wanted.map((pmid) => byPmid.get(pmid)).filter(Boolean);
    return xml(200, `${prolog}<PubmedArticleSet>\n${body.join('\n')}\n</PubmedArticleSet>\n`);
  }

  private async studies(request: ApiRequestRecord) {
    const { query } = request;
    const recording = await this.readJson(`${request.snapshot}.studies.json`);
    const days = this.options.shiftDays?.() ?? 0;
    const all = Array.isArray(recording.studies)
      ? (recording.studies as Record<string, unknown>[]).map((study) => shiftStudyDates(study, days))
      : [];
    const from = /AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]/.exec(
      query['filter.advanced'] ?? '',
    )?.[1];
    const matching = all
      .filter((study) => this.options.windows !== 'apply' || !from || lastUpdateOf(study) >= from)
      .sort((a, b) => lastUpdateOf(a).localeCompare(lastUpdateOf(b)));
    const pageSize = Math.min(Math.max(Number(query.pageSize ?? 10), 1), 1000);
    const offset = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) return json(400, { message: 'invalid pageToken' });
    const page = matching.slice(offset, offset + pageSize);
    const next =
      offset + pageSize < matching.length
        ? Buffer.from(String(offset + pageSize)).toString('base64url')
        : undefined;
    return json(200, {
      ...(query.countTotal === 'true' && !query.pageToken ? { totalCount: matching.length } : {}),
      studies: page,
      ...(next ? { nextPageToken: next } : {}),
    });
  }

  private inPubMedWindow(entered: string, query: Record<string, string>): boolean {
    if (this.options.windows !== 'apply' || query.datetype !== 'edat') return true;
    const day = (value: string | undefined) => value?.replace(/\//g, '-');
    const min = day(query.mindate);
    const max = day(query.maxdate);
    return (!min || entered >= min) && (!max || entered <= max);
  }

  /** The records of an efetch recording: each PubmedArticle's text, PMID and Entrez day. */
  private async pubmedRecords(snapshot: string): Promise<{ pmid: string; entered: string; text: string }[]> {
    const text = await this.efetchRecording(snapshot);
    return [...text.matchAll(/<PubmedArticle[\s>][\s\S]*?<\/PubmedArticle>/g)].map(([chunk]) => {
      const pmid = /<PMID[^>]*>(\d+)<\/PMID>/.exec(chunk)?.[1] ?? '';
      const entrez =
        /<PubMedPubDate PubStatus="entrez">\s*<Year>(\d{4})<\/Year>\s*<Month>(\d{1,2})<\/Month>\s*<Day>(\d{1,2})<\/Day>/.exec(
          chunk,
        );
      const entered = entrez
        ? `${entrez[1]}-${entrez[2]!.padStart(2, '0')}-${entrez[3]!.padStart(2, '0')}`
        : '0000-00-00';
      return { pmid, entered, text: chunk };
    });
  }

  /** An efetch recording, its dates moved to today. */
  private async efetchRecording(snapshot: string): Promise<string> {
    const text = await readFile(this.file(`${snapshot}.efetch.xml`), 'utf8');
    return shiftPubMedDates(text, this.options.shiftDays?.() ?? 0);
  }

  private async readJson(name: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(this.file(name), 'utf8')) as Record<string, unknown>;
  }

  private file(name: string): string {
    return path.join(this.directory, name);
  }
}

function lastUpdateOf(study: Record<string, unknown>): string {
  const status = (
    study.protocolSection as { statusModule?: { lastUpdatePostDateStruct?: { date?: string } } }
  )?.statusModule;
  return status?.lastUpdatePostDateStruct?.date ?? '';
}

function json(status: number, value: unknown) {
  return { status, type: 'application/json;charset=UTF-8', body: JSON.stringify(value) };
}

function xml(status: number, body: string) {
  return { status, type: 'text/xml; charset=UTF-8', body };
}
