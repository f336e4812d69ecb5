import type { Subscriber } from '../model/subscribers.ts';
import type { AddressRecords } from './subscriber-store.ts';

/**
 * What importing and exporting readers needs beyond the subscriber store's everyday calls: reads
 * of many addresses at once, the record that an import already asked an address, and the
 * confirmed readers page by page (an export never holds the whole list).
 */

/** The records of many addresses in a few batched reads: an import reads 100 rows at a time. */
export interface AddressBatchReader {
  readAddresses(subscriberIds: readonly string[], now: Date): Promise<Map<string, AddressRecords>>;
}

/**
 * One mark per address an import asked to confirm (keyed by the keyed id, no address): a re-run,
 * or another file with the same address, never asks again. Kept for good, so a list imported
 * twice a year apart does not mail its non-confirmers twice.
 */
export interface ImportClaims {
  /** The ids among these that some import already asked. */
  claimed(subscriberIds: readonly string[]): Promise<Set<string>>;
  /** Marks these ids as asked by this import. */
  claim(subscriberIds: readonly string[], importId: string, at: Date): Promise<void>;
}

/** The audit of one import run (state table): who, when, from what, and its counts. */
export interface ImportRunRecord {
  readonly importId: string;
  readonly by: string;
  readonly via: 'cli' | 'api' | 'page';
  readonly sourceTool: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly consented: boolean;
  readonly counts: Readonly<Record<string, number>>;
}

export interface ImportRuns {
  recordRun(run: ImportRunRecord): Promise<void>;
}

/** A page of confirmed readers, and where the next one starts (none after the last). */
export interface ConfirmedPage {
  readonly subscribers: readonly Subscriber[];
  /** Opaque; give it back as `after` to read on from here. */
  readonly next?: string;
}

/** The confirmed readers, a page at a time, read from the sparse confirmed index. */
export interface ConfirmedSubscriberPages {
  /** From the start, or from the `next` of an earlier page; an `after` that does not read is refused. */
  confirmedPages(pageSize: number, after?: string): AsyncIterable<ConfirmedPage>;
}

/** Everything of the above: what the adapter implements and the app wires. */
export interface SubscriberImportStore
  extends AddressBatchReader, ImportClaims, ImportRuns, ConfirmedSubscriberPages {}
