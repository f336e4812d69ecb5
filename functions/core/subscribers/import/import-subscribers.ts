import { parse, type CsvError } from 'csv-parse';
import pLimit from 'p-limit';
import type { Clock } from '../../../ports/clock.ts';
import type { SendQueue } from '../../../ports/send-queue.ts';
import type { SubscriberProfiles } from '../../../ports/subscriber-store.ts';
import type {
  AddressBatchReader,
  ImportClaims,
  ImportRunRecord,
  ImportRuns,
} from '../../../ports/subscriber-import.ts';
import { DEFAULT_DELIVERY_SLOT, type Subscriber } from '../../../model/subscribers.ts';
import { TOPIC_IDS, type TopicId } from '../../../model/topics.ts';
import { ValidationError } from '../../errors.ts';
import type { AccountEmailJob } from '../../delivery/send-job.ts';
import type { Sealer } from '../../tokens/sealed-values.ts';
import { hashClientIp } from '../consent.ts';
import { newSubscriber, SUPPRESSED_STATUSES } from '../subscriber.ts';
import { normaliseEmail, type SubscriberIds } from '../subscriber-ids.ts';
import {
  mapColumns,
  readImportRow,
  topicMatcher,
  type ColumnMap,
  type ImportRow,
  type SourceTool,
} from './import-columns.ts';

/**
 * Importing readers from another tool's CSV export (docs/admin.md#import-and-export).
 *
 * Streamed: the file is parsed as it is read and handled 100 rows at a time (one batched read of
 * those addresses, then their writes), so memory stays flat however long the list is. An address
 * comes in as confirmed only with the source's consent time AND the admin's explicit `consented`
 * flag (the evidence is kept on the record); every other one is asked to confirm, by the same
 * account-email job and rate limiter as a sign-up. Unsubscribed, bounced, complained and erased
 * addresses are never brought back, here or in the source. Idempotent and resumable: a confirmed
 * reader is created by a conditional put, a confirmation request leaves a mark (ImportClaims), so
 * a re-run, or a run after a crash, adds only what is not there yet.
 */

/** The wording version of a consent given to another tool: the words were theirs, not ours. */
export const IMPORTED_CONSENT_WORDING = 'imported';

const CHUNK_ROWS = 100;
/** Conditional puts in flight at once within a chunk. */
const WRITE_CONCURRENCY = 16;
/** A report lists this many problem lines; the counts cover them all. */
const MAX_PROBLEMS = 200;
const MAX_UNKNOWN_TOPIC_NAMES = 100;

export interface ImportOptions {
  readonly dryRun: boolean;
  /** The admin vouches that the source's consent times are real opt-ins to this digest. */
  readonly consented: boolean;
  readonly importId: string;
  /** Who runs it, for the evidence and the audit. */
  readonly by: string;
  readonly via: ImportRunRecord['via'];
  /** Topics for rows that name none (listmonk's export has no lists, for one). */
  readonly defaultTopics?: readonly TopicId[];
  /** Called after every 100 rows with the counts so far. */
  readonly onProgress?: (report: ImportReport) => void;
}

export interface ImportDependencies {
  readonly subscribers: AddressBatchReader & Pick<SubscriberProfiles, 'create'>;
  readonly claims: ImportClaims;
  readonly runs: ImportRuns;
  readonly queue: SendQueue<AccountEmailJob>;
  readonly sealer: Sealer;
  readonly subscriberIds: SubscriberIds;
  readonly clock: Clock;
  readonly ipHashKey: string;
  readonly topicLabels: Readonly<Record<TopicId, string>>;
}

export interface ImportProblem {
  readonly line: number;
  readonly problem: string;
}

/** What an import did (or, dry, would do). Every row of the file is in exactly one of the counts. */
export interface ImportReport {
  importId: string;
  sourceTool: SourceTool | undefined;
  dryRun: boolean;
  consented: boolean;
  rows: number;
  /** Added now (or that a dry run would add): `confirmed` + `pending`. */
  new: number;
  confirmed: number;
  pending: number;
  alreadyHere: number;
  suppressed: number;
  invalid: number;
  /** A second row of an address earlier in the same file. */
  duplicates: number;
  /** Why suppressed: here (unsubscribed, bounced, complained, erased) or in the source (source-…). */
  suppressedBy: Record<string, number>;
  /** New readers per topic. */
  perTopic: Partial<Record<TopicId, number>>;
  /** Tags, lists or groups that are no topic of this digest, and how many rows carried each. */
  unknownTopics: Record<string, number>;
  /** The first problems by line number (the `invalid` count has them all). */
  problems: ImportProblem[];
  /**
   * New readers whose row gave a country that is no ISO 3166-1 country we know: each comes in
   * without a country (they can choose one in the preference centre), and is a warning.
   */
  unknownCountries: number;
  /** Rows imported with something left out (an unknown country), by line number; the first ones. */
  warnings: ImportProblem[];
}

function emptyReport(options: ImportOptions): ImportReport {
  return {
    importId: options.importId,
    sourceTool: undefined,
    dryRun: options.dryRun,
    consented: options.consented,
    rows: 0,
    new: 0,
    confirmed: 0,
    pending: 0,
    alreadyHere: 0,
    suppressed: 0,
    invalid: 0,
    duplicates: 0,
    suppressedBy: {},
    perTopic: {},
    unknownTopics: {},
    problems: [],
    unknownCountries: 0,
    warnings: [],
  };
}

const bump = (counts: Record<string, number>, name: string) => {
  counts[name] = (counts[name] ?? 0) + 1;
};

function noteProblem(report: ImportReport, line: number, problem: string): void {
  report.invalid += 1;
  if (report.problems.length < MAX_PROBLEMS) report.problems.push({ line, problem });
}

// A reader is worth more than a country: one the file gets wrong is left out, not the reader.
function noteUnknownCountry(report: ImportReport, line: number, country: string): void {
  report.unknownCountries += 1;
  if (report.warnings.length < MAX_PROBLEMS)
    report.warnings.push({
      line,
      problem: `country "${country}" is not an ISO 3166-1 country we know: the reader comes in without a country`,
    });
}

/** Rows of a CSV stream with the line each starts on; the header row maps the columns. */
async function* csvRows(
  input: AsyncIterable<Uint8Array | string>,
  onColumns: (columns: ColumnMap) => void,
  onBadRecord: (line: number, problem: string) => void,
): AsyncGenerator<{ record: Record<string, string>; line: number }> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const columns = mapColumns(header);
      if ('problem' in columns) throw new ValidationError(`the CSV's header: ${columns.problem}`);
      onColumns(columns);
      return header;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
  });
  parser.on('skip', (error: CsvError) => onBadRecord(Number(error.lines) || 0, error.message));
  const feeding = (async () => {
    try {
      for await (const chunk of input) if (!parser.write(chunk)) await waitForDrain(parser);
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let previousEnd = 1;
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { record, line: previousEnd + 1 };
    previousEnd = info.lines;
  }
  await feeding;
}

function waitForDrain(stream: { once(event: 'drain', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}

/** Imports the readers of one CSV (see the module's comment). The report's last counts are final. */
export async function importSubscribers(
  csv: AsyncIterable<Uint8Array | string>,
  options: ImportOptions,
  deps: ImportDependencies,
): Promise<ImportReport> {
  const startedAt = deps.clock.now();
  const report = emptyReport(options);
  const matchTopic = topicMatcher(deps.topicLabels);
  // Ids seen earlier in this file: 100,000 rows hold ~5 MB of them, the one thing that grows.
  const seen = new Set<string>();
  let columns: ColumnMap | undefined;
  let chunk: ImportRow[] = [];
  for await (const { record, line } of csvRows(
    csv,
    (mapped) => {
      columns = mapped;
      report.sourceTool = mapped.tool;
    },
    (badLine, problem) => {
      report.rows += 1;
      noteProblem(report, badLine, `not readable as CSV: ${problem}`);
    },
  )) {
    report.rows += 1;
    chunk.push(readImportRow(record, line, columns!, matchTopic, startedAt));
    if (chunk.length >= CHUNK_ROWS) {
      await importChunk(chunk, report, seen, options, deps);
      chunk = [];
      options.onProgress?.(report);
    }
  }
  if (chunk.length > 0) await importChunk(chunk, report, seen, options, deps);
  if (!columns) throw new ValidationError('the CSV is empty: it needs a header row and a row per reader');
  report.problems.sort((a, b) => a.line - b.line);
  report.warnings.sort((a, b) => a.line - b.line);
  if (!options.dryRun)
    await deps.runs.recordRun({
      importId: options.importId,
      by: options.by,
      via: options.via,
      sourceTool: report.sourceTool ?? 'csv',
      startedAt: startedAt.toISOString(),
      finishedAt: deps.clock.now().toISOString(),
      consented: options.consented,
      counts: countsOf(report),
    });
  return report;
}

/** The numbers of a report, for the audit. */
export function countsOf(report: ImportReport): Record<string, number> {
  const { rows, confirmed, pending, alreadyHere, suppressed, invalid, duplicates } = report;
  return { rows, new: report.new, confirmed, pending, alreadyHere, suppressed, invalid, duplicates };
}

async function importChunk(
  rows: readonly ImportRow[],
  report: ImportReport,
  seen: Set<string>,
  options: ImportOptions,
  deps: ImportDependencies,
): Promise<void> {
  const now = deps.clock.now();
  const readers = rows.filter((row) => row.kind === 'reader');
  for (const row of rows) if (row.kind === 'invalid') noteProblem(report, row.line, row.problem);
  const idOf = new Map(readers.map((row) => [row, deps.subscriberIds.idFor(normaliseEmail(row.email))]));
  const ids = [...new Set(idOf.values())];
  const [records, claimed] = await Promise.all([
    deps.subscribers.readAddresses(ids, now),
    deps.claims.claimed(ids),
  ]);

  const toCreate: Subscriber[] = [];
  const toAsk: { id: string; job: AccountEmailJob }[] = [];
  for (const row of readers) {
    const id = idOf.get(row)!;
    for (const name of row.unknownTopics)
      if (name in report.unknownTopics || Object.keys(report.unknownTopics).length < MAX_UNKNOWN_TOPIC_NAMES)
        bump(report.unknownTopics, name);
    if (seen.has(id)) {
      report.duplicates += 1;
      continue;
    }
    seen.add(id);
    const { subscriber: live, suppression, pending } = records.get(id) ?? {};
    const suppressedHere =
      suppression?.reason ?? (live && SUPPRESSED_STATUSES.includes(live.status) ? live.status : undefined);
    if (suppressedHere) {
      report.suppressed += 1;
      bump(report.suppressedBy, suppressedHere);
      continue;
    }
    if (live || pending || claimed.has(id)) {
      report.alreadyHere += 1;
      continue;
    }
    if (
      row.sourceStatus === 'unsubscribed' ||
      row.sourceStatus === 'bounced' ||
      row.sourceStatus === 'complained'
    ) {
      report.suppressed += 1;
      bump(report.suppressedBy, `source-${row.sourceStatus}`);
      continue;
    }
    const topics = row.topics.length > 0 ? row.topics : (options.defaultTopics ?? []);
    if (topics.length === 0) {
      noteProblem(
        report,
        row.line,
        row.unknownTopics.length > 0
          ? `no topic of this digest (unknown: ${row.unknownTopics.slice(0, 5).join(', ')})`
          : 'no topics: give the rows topics, or default topics for the import',
      );
      continue;
    }
    const delivery = { ...DEFAULT_DELIVERY_SLOT, ...(row.timeZone ? { timeZone: row.timeZone } : {}) };
    const country = row.country ? { country: row.country } : {};
    if (row.unknownCountry !== undefined) noteUnknownCountry(report, row.line, row.unknownCountry);
    const consentAt = options.consented && row.sourceStatus === 'subscribed' ? row.consentAt : undefined;
    if (consentAt) {
      const reader = newSubscriber(
        { email: row.email, topics, delivery, ...country, status: 'confirmed' },
        now,
        deps.subscriberIds,
      );
      toCreate.push({
        ...reader,
        consent: {
          at: consentAt,
          ipHash: row.consentIp ? hashClientIp(deps.ipHashKey, row.consentIp, 'consent') : '',
          topics: reader.topics,
          wordingVersion: IMPORTED_CONSENT_WORDING,
          imported: {
            sourceTool: report.sourceTool ?? 'csv',
            importId: options.importId,
            by: options.by,
            importedAt: now.toISOString(),
          },
        },
        // Their first digest counts from the import, not from a consent given years ago.
        scheduleFrom: now.toISOString(),
      });
    } else {
      toAsk.push({
        id,
        job: {
          kind: 'account-email',
          version: 1,
          address: deps.sealer.seal(normaliseEmail(row.email), 'queued-address'),
          // The pending request keeps the country, and the confirmed reader gets it from there.
          request: { type: 'subscribe', topics: [...topics], delivery, ...country },
          requestedAt: now.toISOString(),
        },
      });
    }
  }

  const countNew = (subscriberTopics: readonly TopicId[], kind: 'confirmed' | 'pending') => {
    report.new += 1;
    report[kind] += 1;
    for (const topic of subscriberTopics) report.perTopic[topic] = (report.perTopic[topic] ?? 0) + 1;
  };
  if (options.dryRun) {
    for (const reader of toCreate) countNew(reader.topics, 'confirmed');
    for (const { job } of toAsk)
      countNew(job.request.type === 'subscribe' ? job.request.topics : [], 'pending');
    return;
  }
  const limit = pLimit(WRITE_CONCURRENCY);
  const created = await Promise.all(toCreate.map((reader) => limit(() => deps.subscribers.create(reader))));
  toCreate.forEach((reader, index) => {
    if (created[index]) countNew(reader.topics, 'confirmed');
    // Created meanwhile (a sign-up, a parallel import): it is here now.
    else report.alreadyHere += 1;
  });
  if (toAsk.length > 0) {
    // Queued before the mark: a crash in between asks again on the re-run, and the sender's
    // one-confirmation-a-day rule keeps that to one email; the other order could lose a reader.
    await deps.queue.enqueue(toAsk.map(({ job }) => job));
    await deps.claims.claim(
      toAsk.map(({ id }) => id),
      options.importId,
      now,
    );
    for (const { job } of toAsk)
      countNew(job.request.type === 'subscribe' ? job.request.topics : [], 'pending');
  }
}

/** Topic ids of an option like `car-t,melanoma`; unknown ones refused by name. */
export function parseDefaultTopics(text: string | undefined): TopicId[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(TOPIC_IDS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new ValidationError(`topics: ${unknown.map((name) => `"${name}"`).join(', ')} is not a topic`);
  return names as TopicId[];
}
