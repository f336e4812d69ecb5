import type { DeliverySlot } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { Person } from '../world/population.ts';
import type { Publications } from '../world/publications.ts';
import { digestIdAt, slotStartInWeekOf } from './calendar.ts';

/**
 * The soak's independent model of the world it simulates: who subscribed, confirmed, changed
 * topics, left, bounced or complained, and when (as the readers saw their requests answered);
 * which works the publishers' servers handed to which ingest run; and from those, following the
 * promises in docs/architecture.md, what each reader should receive each week. It never reads the system's
 * tables: the invariants compare the system's behaviour (the mailboxes, the tables) against it.
 */

export type ReaderStatus = 'none' | 'pending' | 'confirmed' | 'unsubscribed' | 'bounced' | 'complained';

/** What one reader should get for one weekly digest. */
export interface Expectation {
  readonly digestId: string;
  /** deliver: one email; skip: nothing new on their topics; cancelled: they left after planning. */
  outcome: 'deliver' | 'skip' | 'cancelled';
  readonly plannedAt: number;
  readonly topics: readonly TopicId[];
  readonly windowStart: number;
  /** The works they may be sent: first seen in (windowStart, plannedAt], on their topics. */
  readonly matching: ReadonlySet<string>;
  /** The same works by chosen topic (every chosen topic, with none on it too): who must get a section. */
  readonly byTopic: ReadonlyMap<TopicId, ReadonlySet<string>>;
  /** Planned, and the send phase that follows has not run yet. */
  pending: boolean;
}

export interface Reader {
  readonly person: Person;
  status: ReaderStatus;
  readonly history: { at: number; status: ReaderStatus }[];
  topics: readonly TopicId[];
  slot: DeliverySlot;
  /**
   * From when the reader's slots are owed a digest, each time it changed: their confirmations and
   * their changes of slot, with the slot chosen then. A digest must not come before the first
   * slot after the latest of these (docs/digests.md).
   */
  readonly owed: { readonly from: number; readonly slot: DeliverySlot }[];
  softBounces: number;
  /** End of the window of the last digest the model expects delivered. */
  lastWindowEnd: number | undefined;
  planned: { digestId: string; at: number } | undefined;
  readonly expectations: Map<string, Expectation>;
}

/** A first digest looks this far back; no digest ever looks further than MAX_WINDOW_MS. */
const FIRST_WINDOW_MS = 7 * 86_400_000;
const MAX_WINDOW_MS = 28 * 86_400_000;
/** A reader planned but not delivered is planned again after a day (docs/digests.md). */
const REPLAN_AFTER_MS = 24 * 3_600_000;
const SOFT_BOUNCE_LIMIT = 3;

export class WorldModel {
  readonly readers = new Map<string, Reader>();
  /** When each work was first handed to an ingest run that stored it. */
  readonly firstSeen = new Map<string, number>();
  /** The sources each work was stored from. */
  readonly storedFrom = new Map<string, Set<string>>();
  /** Works in the order they were first seen, for window queries. */
  private readonly seenInOrder: { key: string; at: number }[] = [];

  constructor(
    people: readonly Person[],
    private readonly publications: Publications,
  ) {
    for (const person of people) {
      this.readers.set(person.email, {
        person,
        status: 'none',
        history: [],
        topics: person.topics,
        slot: person.slot,
        owed: [],
        softBounces: 0,
        lastWindowEnd: undefined,
        planned: undefined,
        expectations: new Map(),
      });
    }
  }

  reader(email: string): Reader {
    const reader = this.readers.get(email);
    if (!reader) throw new Error(`no such reader in the model: ${email}`);
    return reader;
  }

  statusAt(email: string, at: number): ReaderStatus {
    let status: ReaderStatus = 'none';
    for (const change of this.reader(email).history) {
      if (change.at > at) break;
      status = change.status;
    }
    return status;
  }

  // ---- ingest -------------------------------------------------------------------------------

  /** A run at `at` stored the feed `sourceId` as served, with these works in it. */
  stored(sourceId: string, workKeys: readonly string[], at: number): void {
    for (const key of workKeys) {
      if (!this.firstSeen.has(key)) {
        this.firstSeen.set(key, at);
        this.seenInOrder.push({ key, at });
      }
      const sources = this.storedFrom.get(key) ?? new Set<string>();
      sources.add(sourceId);
      this.storedFrom.set(key, sources);
    }
  }

  // ---- the readers' side of the API -----------------------------------------------------------

  /** POST /subscribe reached the system (answered 202, or failed only at the email). */
  subscribed(email: string, topics: readonly TopicId[], slot: DeliverySlot, at: number): void {
    const reader = this.reader(email);
    if (reader.status === 'none' || reader.status === 'unsubscribed' || reader.status === 'pending') {
      reader.topics = topics;
      reader.slot = slot;
      this.setStatus(reader, 'pending', at);
    }
  }

  confirmed(email: string, at: number): void {
    const reader = this.reader(email);
    if (reader.status !== 'pending') return;
    this.setStatus(reader, 'confirmed', at);
    reader.owed.push({ from: at, slot: reader.slot });
  }

  /**
   * POST /preferences with another slot was answered. The new slot counts from now; a digest
   * already planned still goes (the sender checks topics, not slots).
   */
  slotChanged(email: string, slot: DeliverySlot, at: number): void {
    const reader = this.reader(email);
    const same =
      slot.weekday === reader.slot.weekday &&
      slot.hour === reader.slot.hour &&
      slot.timeZone === reader.slot.timeZone;
    if (same) return;
    reader.slot = slot;
    reader.owed.push({ from: at, slot });
  }

  unsubscribed(email: string, at: number): void {
    const reader = this.reader(email);
    if (reader.status === 'confirmed' || reader.status === 'pending')
      this.setStatus(reader, 'unsubscribed', at);
  }

  topicsChanged(email: string, topics: readonly TopicId[]): void {
    const reader = this.reader(email);
    reader.topics = topics;
    // Planned for the old topics and not sent yet: the sender skips them and the planner's next
    // run plans them again with the new ones.
    const pending = this.pendingExpectation(reader);
    if (pending) {
      reader.expectations.delete(pending.digestId);
      reader.planned = undefined;
    }
  }

  /** An SES bounce or complaint event the system has applied. */
  mailEvent(email: string, kind: 'hard' | 'soft' | 'complaint', at: number): void {
    const reader = this.reader(email);
    if (reader.status === 'none') return;
    if (kind === 'complaint') return this.setStatus(reader, 'complained', at);
    if (kind === 'hard') {
      if (reader.status !== 'complained') this.setStatus(reader, 'bounced', at);
      return;
    }
    reader.softBounces += 1;
    if (reader.softBounces >= SOFT_BOUNCE_LIMIT && reader.status === 'confirmed')
      this.setStatus(reader, 'bounced', at);
  }

  // ---- the planner ----------------------------------------------------------------------------

  /**
   * What a planner run at `at` should decide for every reader: due readers with matching works
   * get a digest, due readers with none are skipped; nobody else is touched.
   */
  plan(at: number): { deliver: Reader[]; skip: Reader[] } {
    const deliver: Reader[] = [];
    const skip: Reader[] = [];
    for (const reader of this.readers.values()) {
      if (reader.status !== 'confirmed' || reader.topics.length === 0) continue;
      const digestId = digestIdAt(reader.slot.timeZone, at);
      const known = reader.expectations.get(digestId);
      if (known && known.outcome !== 'cancelled') continue;
      if (reader.planned?.digestId === digestId && at - reader.planned.at < REPLAN_AFTER_MS) continue;
      const slotStart = slotStartInWeekOf(reader.slot, at);
      if (at < slotStart) continue;
      // A slot that began before the reader confirmed or chose it is not owed.
      const owedFrom = reader.owed.at(-1)?.from;
      if (owedFrom !== undefined && slotStart < owedFrom) continue;
      // The last digest went in this week of the reader's (current) zone: one a week.
      if (
        reader.lastWindowEnd !== undefined &&
        digestIdAt(reader.slot.timeZone, reader.lastWindowEnd) === digestId
      )
        continue;

      const windowStart = Math.max(reader.lastWindowEnd ?? at - FIRST_WINDOW_MS, at - MAX_WINDOW_MS);
      const inWindow = this.seenInOrder.filter((seen) => seen.at > windowStart && seen.at <= at);
      const byTopic = new Map<TopicId, Set<string>>(reader.topics.map((topic) => [topic, new Set()]));
      for (const seen of inWindow) {
        for (const topic of this.publications.works.get(seen.key)!.topics) byTopic.get(topic)?.add(seen.key);
      }
      const matching = new Set([...byTopic.values()].flatMap((works) => [...works]));
      const expectation: Expectation = {
        digestId,
        outcome: matching.size > 0 ? 'deliver' : 'skip',
        plannedAt: at,
        topics: reader.topics,
        windowStart,
        matching,
        byTopic,
        pending: matching.size > 0,
      };
      reader.expectations.set(digestId, expectation);
      if (expectation.outcome === 'deliver') {
        reader.planned = { digestId, at };
        deliver.push(reader);
      } else {
        skip.push(reader);
      }
    }
    return { deliver, skip };
  }

  /** The send phase after a planner run is over: what was planned is delivered, unless cancelled. */
  sendPhaseDone(): void {
    for (const reader of this.readers.values()) {
      const pending = this.pendingExpectation(reader);
      if (!pending) continue;
      pending.pending = false;
      if (pending.outcome === 'deliver') {
        reader.lastWindowEnd = pending.plannedAt;
        reader.planned = undefined;
      }
    }
  }

  pendingExpectation(reader: Reader): Expectation | undefined {
    for (const expectation of reader.expectations.values()) if (expectation.pending) return expectation;
    return undefined;
  }

  private setStatus(reader: Reader, status: ReaderStatus, at: number): void {
    reader.status = status;
    reader.history.push({ at, status });
    // Left between planning and sending: the sender reads the status again and sends nothing.
    const pending = status === 'confirmed' ? undefined : this.pendingExpectation(reader);
    if (pending && pending.outcome === 'deliver') pending.outcome = 'cancelled';
  }
}
