import type { DeliveryKey, DeliveryRecord, DeliveryStatus } from '../functions/model/deliveries.ts';
import { DEFAULT_DELIVERY_SLOT, type Subscriber } from '../functions/model/subscribers.ts';
import { TOPIC_IDS, type TopicId } from '../functions/model/topics.ts';
import type { ClaimResult, DeliveryClaims } from '../functions/ports/delivery-ledger.ts';
import type { DigestMarks, NextSlotIndex, SubscriberReader } from '../functions/ports/subscriber-store.ts';
import { firstDigestAt, replanInstant, startOfHour } from '../functions/core/digest/schedule.ts';

/**
 * The benchmark's own in-memory ports for a list of a million readers: the same contracts as
 * testkit's fakes (and the DynamoDB adapters) for what the planner and the sender call, with each
 * reader kept in a few bytes of typed arrays instead of an object. A reader's id, instance and
 * address are made from their index, and a record is built only when asked for, as a store
 * builds one from the item it read. testkit's fakes keep whole records (what tests inspect); at a
 * million readers those, not the code measured, would be what fills the memory.
 */

/** What the bench generates per reader; the rest is the same for every reader of the week. */
export interface ReaderProfile {
  readonly topics: readonly TopicId[];
  readonly country?: string;
}

/** Length of a real subscriber id (an HMAC-SHA256 in base64url): the bench's ids are as long. */
const ID_LENGTH = 43;
const ID_PREFIX = 'bench-';
const INDEX_DIGITS = 9;
const ID_FILLER = 'x'.repeat(ID_LENGTH - ID_PREFIX.length - INDEX_DIGITS);

/** A reader's id: `bench-000000042xxx…`, as long as a real one, with its index readable. */
export function benchReaderId(index: number): string {
  return `${ID_PREFIX}${String(index).padStart(INDEX_DIGITS, '0')}${ID_FILLER}`;
}

function indexOf(subscriberId: string): number | undefined {
  if (subscriberId.length !== ID_LENGTH || !subscriberId.startsWith(ID_PREFIX)) return undefined;
  const index = Number(subscriberId.slice(ID_PREFIX.length, ID_PREFIX.length + INDEX_DIGITS));
  return Number.isInteger(index) ? index : undefined;
}

/** Readers per page of confirmedPages: about what one DynamoDB query page of 1 MB holds. */
const PAGE_SIZE = 1000;

/** Few distinct strings (digest ids, countries): each stored once, readers keep its number. */
class StringTable {
  private readonly values: string[] = [''];
  private readonly numbers = new Map<string, number>([['', 0]]);
  numberOf(value: string): number {
    let number = this.numbers.get(value);
    if (number === undefined) {
      number = this.values.push(value) - 1;
      this.numbers.set(value, number);
    }
    return number;
  }
  valueOf(number: number): string | undefined {
    return number === 0 ? undefined : this.values[number];
  }
}

/**
 * Confirmed readers in columns: topics as a bit set, country, and the planner's and sender's marks
 * (digest ids by number, times in epoch ms, NaN when unset). Status, slot and dates are the
 * week's, the same for every reader, as the generated list has them.
 */
export class CompactReaderStore implements SubscriberReader, DigestMarks, NextSlotIndex {
  private readonly topicBits: Uint16Array;
  /** Each reader's next-slot instant (epoch ms; NaN: not in the index), as the index keeps it. */
  private readonly nextSlot: Float64Array;
  private readonly countries: Uint8Array;
  private readonly plannedDigest: Uint8Array;
  private readonly plannedAt: Float64Array;
  private readonly skippedDigest: Uint8Array;
  private readonly skippedAt: Float64Array;
  private readonly lastDigest: Uint8Array;
  private readonly lastDigestAt: Float64Array;
  private readonly strings = new StringTable();
  private readonly topicLists = new Map<number, readonly TopicId[]>();
  private readonly createdAt: string;
  readonly size: number;

  constructor(profiles: Iterable<ReaderProfile>, count: number, createdAt: Date) {
    this.size = count;
    this.createdAt = createdAt.toISOString();
    this.topicBits = new Uint16Array(count);
    this.countries = new Uint8Array(count);
    this.plannedDigest = new Uint8Array(count);
    this.plannedAt = new Float64Array(count).fill(Number.NaN);
    this.skippedDigest = new Uint8Array(count);
    this.skippedAt = new Float64Array(count).fill(Number.NaN);
    this.lastDigest = new Uint8Array(count);
    this.lastDigestAt = new Float64Array(count).fill(Number.NaN);
    // Every bench reader has the default slot, and each one's is owed from the start.
    const firstSlot = firstDigestAt(DEFAULT_DELIVERY_SLOT, createdAt).getTime();
    this.nextSlot = new Float64Array(count).fill(firstSlot);
    let index = 0;
    for (const profile of profiles) {
      if (index >= count) break;
      let bits = 0;
      for (const topic of profile.topics) bits |= 1 << TOPIC_IDS.indexOf(topic);
      this.topicBits[index] = bits;
      this.countries[index] = profile.country ? this.strings.numberOf(profile.country) : 0;
      index += 1;
    }
    if (index !== count) throw new Error(`expected ${count} readers, got ${index}`);
  }

  async get(subscriberId: string) {
    const index = indexOf(subscriberId);
    return index === undefined || index >= this.size ? undefined : this.readerAt(index);
  }
  async getMany(subscriberIds: readonly string[]) {
    const readers: Subscriber[] = [];
    for (const id of new Set(subscriberIds)) {
      const reader = await this.get(id);
      if (reader) readers.push(reader);
    }
    return readers;
  }
  async listConfirmed() {
    return Array.from({ length: this.size }, (_, index) => this.readerAt(index));
  }
  async *confirmedPages() {
    for (let first = 0; first < this.size; first += PAGE_SIZE) {
      const last = Math.min(this.size, first + PAGE_SIZE);
      yield Array.from({ length: last - first }, (_, offset) => this.readerAt(first + offset));
    }
  }
  async hasAny() {
    return this.size > 0;
  }

  async markPlanned(subscriberId: string, digestId: string, at: Date) {
    const index = this.known(subscriberId);
    if (index === undefined) return;
    this.plannedDigest[index] = this.strings.numberOf(digestId);
    this.plannedAt[index] = at.getTime();
    this.nextSlot[index] = replanInstant(at).getTime();
  }
  async clearPlanned(subscriberId: string) {
    const index = this.known(subscriberId);
    if (index === undefined) return;
    this.plannedDigest[index] = 0;
    this.plannedAt[index] = Number.NaN;
  }
  async markSkipped(subscriberId: string, digestId: string, at: Date, nextSlotAt?: Date) {
    const index = this.known(subscriberId);
    if (index === undefined) return;
    this.skippedDigest[index] = this.strings.numberOf(digestId);
    this.skippedAt[index] = at.getTime();
    this.nextSlot[index] = (nextSlotAt ?? replanInstant(at)).getTime();
  }
  /** As the adapter: the window only moves forward, and the planned mark goes with the delivery. */
  async recordDelivery(subscriberId: string, digestId: string, windowEnd: Date, nextSlotAt?: Date) {
    const index = this.known(subscriberId);
    if (index === undefined) return;
    if (this.lastDigestAt[index]! >= windowEnd.getTime()) return;
    if (nextSlotAt) this.nextSlot[index] = nextSlotAt.getTime();
    this.plannedDigest[index] = 0;
    this.plannedAt[index] = Number.NaN;
    this.lastDigest[index] = this.strings.numberOf(digestId);
    this.lastDigestAt[index] = windowEnd.getTime();
  }

  /**
   * The index's hours as a scan of the column: bench:digest plans with ignoreSlot (every reader at
   * once) and never reads it; bench:plan measures the real index on dynalite.
   */
  async *nextSlotPages(from: Date, to: Date): AsyncIterable<readonly Subscriber[]> {
    const since = startOfHour(from).getTime();
    let page: Subscriber[] = [];
    for (let index = 0; index < this.size; index += 1) {
      const instant = this.nextSlot[index]!;
      if (!(instant >= since && instant <= to.getTime())) continue;
      page.push(this.readerAt(index));
      if (page.length === PAGE_SIZE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
  async moveNextSlot(subscriberId: string, to: Date | undefined, readAt: Date) {
    const index = this.known(subscriberId);
    if (index === undefined || !(this.nextSlot[index]! <= readAt.getTime())) return;
    this.nextSlot[index] = to ? to.getTime() : Number.NaN;
  }

  private known(subscriberId: string): number | undefined {
    const index = indexOf(subscriberId);
    return index !== undefined && index < this.size ? index : undefined;
  }

  private topicsOf(bits: number): readonly TopicId[] {
    let topics = this.topicLists.get(bits);
    if (!topics) {
      topics = TOPIC_IDS.filter((_, position) => (bits & (1 << position)) !== 0);
      this.topicLists.set(bits, topics);
    }
    return topics;
  }

  /** The reader as the DynamoDB adapter would return them. */
  private readerAt(index: number): Subscriber {
    const country = this.strings.valueOf(this.countries[index]!);
    const planned = this.strings.valueOf(this.plannedDigest[index]!);
    const skipped = this.strings.valueOf(this.skippedDigest[index]!);
    const last = this.strings.valueOf(this.lastDigest[index]!);
    return {
      subscriberId: benchReaderId(index),
      // As long as a real instance (9 random bytes in base64url).
      instance: index.toString(36).padStart(12, '0'),
      email: `reader-${index}@bench.example.org`,
      topics: this.topicsOf(this.topicBits[index]!),
      status: 'confirmed',
      delivery: DEFAULT_DELIVERY_SLOT,
      ...(country ? { country } : {}),
      createdAt: this.createdAt,
      updatedAt: this.createdAt,
      softBounces: 0,
      ...(last ? { lastDigestId: last, lastDigestAt: isoOf(this.lastDigestAt[index]!) } : {}),
      ...(planned ? { plannedDigestId: planned, plannedAt: isoOf(this.plannedAt[index]!) } : {}),
      ...(skipped ? { skippedDigestId: skipped, skippedAt: isoOf(this.skippedAt[index]!) } : {}),
    };
  }
}

const isoOf = (ms: number) => new Date(ms).toISOString();

const STATUSES: readonly (DeliveryStatus | undefined)[] = [undefined, 'claimed', 'sent', 'failed', 'skipped'];

/** One digest's rows: status, lease and attempts per reader index. */
interface LedgerColumns {
  readonly status: Uint8Array;
  readonly leaseUntil: Float64Array;
  readonly attempts: Uint8Array;
}

/**
 * The delivery ledger's claims for the bench's readers, in columns per digest: the claim, lease
 * and status rules of FakeLedger and the adapter. Message ids, reasons and times are not kept:
 * nothing in a benchmark reads them back.
 */
export class CompactLedger implements DeliveryClaims {
  private readonly digests = new Map<string, LedgerColumns>();

  constructor(private readonly readers: number) {}

  async claim(key: DeliveryKey, now: Date, leaseMs: number): Promise<ClaimResult> {
    const { columns, index } = this.row(key);
    const status = STATUSES[columns.status[index]!];
    const free =
      status === undefined ||
      status === 'skipped' ||
      (status === 'claimed' && columns.leaseUntil[index]! < now.getTime());
    // (A claim SES accepted is never taken over; no row here is ever accepted: see markAcceptedSent.)
    if (!free) return { claimed: false, existing: this.recordOf(key, columns, index) };
    columns.status[index] = STATUSES.indexOf('claimed');
    columns.leaseUntil[index] = now.getTime() + leaseMs;
    columns.attempts[index] = Math.min(255, columns.attempts[index]! + 1);
    return { claimed: true };
  }
  async markSent(key: DeliveryKey) {
    const { columns, index } = this.row(key);
    columns.status[index] = STATUSES.indexOf('sent');
    columns.leaseUntil[index] = Number.NaN;
  }
  /**
   * The bench's mailer publishes no SES Send events, so no row is ever accepted-but-unrecorded:
   * there is nothing to settle from an acceptance (FakeLedger and the adapter say false then too).
   */
  async markAcceptedSent() {
    return false;
  }
  async markFailed(key: DeliveryKey) {
    const { columns, index } = this.row(key);
    if (STATUSES[columns.status[index]!] !== 'claimed') {
      throw new Error(`cannot mark ${key.digestId}|${key.subscriberId} failed: it is not claimed`);
    }
    columns.status[index] = STATUSES.indexOf('failed');
    columns.leaseUntil[index] = Number.NaN;
  }
  async markSkipped(key: DeliveryKey) {
    const { columns, index } = this.row(key);
    const status = STATUSES[columns.status[index]!];
    if (status !== undefined && status !== 'skipped') return;
    columns.status[index] = STATUSES.indexOf('skipped');
  }
  async release(key: DeliveryKey) {
    const { columns, index } = this.row(key);
    if (STATUSES[columns.status[index]!] === 'claimed') columns.leaseUntil[index] = 0;
  }

  /** How many rows of a digest are in each status. */
  countByStatus(digestId: string): Record<DeliveryStatus, number> {
    const counts = { claimed: 0, sent: 0, failed: 0, skipped: 0 };
    const columns = this.digests.get(digestId);
    if (columns) for (const code of columns.status) if (code > 0) counts[STATUSES[code]!] += 1;
    return counts;
  }

  private row(key: DeliveryKey): { columns: LedgerColumns; index: number } {
    const index = indexOf(key.subscriberId);
    if (index === undefined || index >= this.readers) {
      throw new Error(`the bench ledger knows only the bench's readers, not ${key.subscriberId}`);
    }
    let columns = this.digests.get(key.digestId);
    if (!columns) {
      columns = {
        status: new Uint8Array(this.readers),
        leaseUntil: new Float64Array(this.readers).fill(Number.NaN),
        attempts: new Uint8Array(this.readers),
      };
      this.digests.set(key.digestId, columns);
    }
    return { columns, index };
  }

  private recordOf(key: DeliveryKey, columns: LedgerColumns, index: number): DeliveryRecord {
    const lease = columns.leaseUntil[index]!;
    return {
      digestId: key.digestId,
      subscriberId: key.subscriberId,
      status: STATUSES[columns.status[index]!]!,
      attempts: columns.attempts[index]!,
      ...(Number.isNaN(lease) ? {} : { leaseUntil: isoOf(lease) }),
    };
  }
}
