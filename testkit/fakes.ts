import type { Article, ArticleCandidate } from '../functions/model/articles.ts';
import type { PendingSubscription, Subscriber, SubscriberStatus } from '../functions/model/subscribers.ts';
import type { DigestJob, SendJob } from '../functions/core/delivery/send-job.ts';
import type { DeliveryDependencies, DeliverySettings } from '../functions/core/delivery/deliver-job.ts';
import type { EmailRenderer } from '../functions/core/rendering/email-renderer.ts';
import { createTokenService } from '../functions/core/tokens/tokens.ts';
import { createSubscriberIds } from '../functions/core/subscribers/subscriber-ids.ts';
import { silentLogger } from '../functions/ports/logger.ts';
import { nextSlotInstant, replanInstant, startOfHour } from '../functions/core/digest/schedule.ts';
import type { ArticleReader } from '../functions/ports/article-store.ts';
import type { ClaimResult, DeliveryLedger } from '../functions/ports/delivery-ledger.ts';
import type { Clock } from '../functions/ports/clock.ts';
import type { PlannerCursor } from '../functions/ports/planner-cursor.ts';
import type { DeliveryKey, DeliveryRecord } from '../functions/model/deliveries.ts';
import type { EditionStore } from '../functions/ports/edition-store.ts';
import type { ActivationBase, ProfileFields, SubscriberStore } from '../functions/ports/subscriber-store.ts';
import type { EnqueueOptions, SendQueue } from '../functions/ports/send-queue.ts';
import type { Mailer, OutgoingEmail } from '../functions/ports/mailer.ts';
import type { RequestCounter } from '../functions/ports/request-counter.ts';
import type { StoredEdition } from '../functions/model/editions.ts';
import type { SuppressionEntry } from '../functions/model/subscribers.ts';

/** In-memory fakes of our own ports, for unit tests of the core. Same contracts as the adapters. */

/** Readers per page of the fake's next-slot index: small, so tests see several pages. */
const FAKE_PAGE_SIZE = 100;

/** Subscriber ids under a fixed test key: what `newSubscriber` needs in unit tests. */
export const testSubscriberIds = createSubscriberIds('a-test-subscriber-id-key-that-is-long-enough');

export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class FakeSubscriberStore implements SubscriberStore {
  readonly items = new Map<string, Subscriber>();
  /** Suppression entries of erased subscribers; an id is in `items` or here, never both. */
  readonly suppressions = new Map<string, SuppressionEntry>();
  /** Pending subscriptions by subscriber id, expired ones included until swept. */
  readonly pending = new Map<string, PendingSubscription>();

  async get(id: string) {
    return this.items.get(id);
  }
  async getMany(ids: readonly string[]) {
    return [...new Set(ids)].flatMap((id) => (this.items.has(id) ? [this.items.get(id)!] : []));
  }
  async create(subscriber: Subscriber) {
    if (this.items.has(subscriber.subscriberId) || this.suppressions.has(subscriber.subscriberId))
      return false;
    this.items.set(subscriber.subscriberId, subscriber);
    this.indexWhole(subscriber);
    return true;
  }
  async updateProfile(id: string, fields: ProfileFields, at: Date, instance?: string) {
    // Only the fields given: one left undefined keeps its stored value, as in the adapter.
    const { nextSlotAt, ...profile } = fields;
    const given = Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined));
    const { country, ...rest } = given;
    const ok = this.patch(id, (s) => instance === undefined || s.instance === instance, {
      ...rest,
      ...(typeof country === 'string' ? { country } : {}),
      updatedAt: at.toISOString(),
    });
    // null forgets the country, as the adapter's REMOVE does.
    if (ok && country === null) {
      const { country: _gone, ...kept } = this.items.get(id)!;
      this.items.set(id, kept);
    }
    if (ok && nextSlotAt === null) this.nextSlots.delete(id);
    else if (ok && nextSlotAt) this.nextSlots.set(id, nextSlotAt);
    return ok;
  }
  async activate(subscriber: Subscriber, over: ActivationBase) {
    const id = subscriber.subscriberId;
    const current = this.items.get(id);
    if (over.kind === 'nothing') {
      if (current || this.suppressions.has(id)) return false;
      this.items.set(id, subscriber);
      this.indexWhole(subscriber);
      return true;
    }
    if (over.kind === 'erased') {
      if (this.suppressions.get(id)?.reason !== 'erased') return false;
      this.suppressions.delete(id);
      this.items.set(id, subscriber);
      this.indexWhole(subscriber);
      return true;
    }
    if (!current || !['unsubscribed', 'pending'].includes(current.status)) return false;
    if (current.instance !== over.instance) return false;
    const { paused: _paused, country: _country, ...kept } = current;
    this.items.set(id, {
      ...kept,
      ...(subscriber.country ? { country: subscriber.country } : {}),
      email: subscriber.email,
      topics: subscriber.topics,
      delivery: subscriber.delivery,
      status: 'confirmed',
      instance: subscriber.instance,
      ...(subscriber.consent ? { consent: subscriber.consent } : {}),
      updatedAt: subscriber.updatedAt,
      ...(subscriber.confirmationSentAt ? { confirmationSentAt: subscriber.confirmationSentAt } : {}),
    });
    this.indexWhole(subscriber);
    return true;
  }
  async listConfirmed() {
    return [...this.items.values()].filter((s) => s.status === 'confirmed');
  }
  /** Readers per page of confirmedPages: small, so that tests of a few readers see several pages. */
  confirmedPageSize = 100;
  async *confirmedPages() {
    let page: Subscriber[] = [];
    for (const subscriber of this.items.values()) {
      if (subscriber.status !== 'confirmed') continue;
      page.push(subscriber);
      if (page.length < this.confirmedPageSize) continue;
      yield page;
      page = [];
    }
    if (page.length > 0) yield page;
  }
  /** Any item at all, suppression entries and pending subscriptions included (the adapter scans the whole table). */
  async hasAny() {
    return this.items.size + this.suppressions.size + this.pending.size > 0;
  }
  async setStatus(
    id: string,
    status: SubscriberStatus,
    at: Date,
    options?: { readonly expectedInstance: string; readonly newInstance: string },
  ) {
    const changed = this.patch(id, (s) => !options || s.instance === options.expectedInstance, {
      status,
      updatedAt: at.toISOString(),
      ...(options ? { instance: options.newInstance } : {}),
    });
    if (changed && status !== 'confirmed') this.nextSlots.delete(id);
    return changed;
  }
  async claimManageLinkEmail(id: string, now: Date, minIntervalMs: number) {
    const subscriber = this.items.get(id);
    if (!subscriber) return false;
    const last = subscriber.manageLinkSentAt;
    if (last && now.getTime() - Date.parse(last) < minIntervalMs) return false;
    this.items.set(id, { ...subscriber, manageLinkSentAt: now.toISOString() });
    return true;
  }
  async releaseEmailClaim(id: string, _kind: 'manage-link', claimedAt: Date) {
    const subscriber = this.items.get(id);
    if (subscriber?.manageLinkSentAt !== claimedAt.toISOString()) return;
    const { manageLinkSentAt: _released, ...rest } = subscriber;
    this.items.set(id, rest);
  }
  async readAddress(id: string, now: Date) {
    const subscriber = this.items.get(id);
    const suppression = this.suppressions.get(id);
    const pending = await this.getPending(id, now);
    return {
      ...(subscriber ? { subscriber } : {}),
      ...(suppression ? { suppression } : {}),
      ...(pending ? { pending } : {}),
    };
  }
  async getPending(id: string, now: Date) {
    const pending = this.pending.get(id);
    return pending && pending.expiresAt > now.toISOString() ? pending : undefined;
  }
  async putPending(pending: PendingSubscription, now: Date, minIntervalMs: number) {
    const last = this.pending.get(pending.subscriberId)?.confirmationSentAt;
    if (last && now.getTime() - Date.parse(last) < minIntervalMs) return false;
    this.pending.set(pending.subscriberId, { ...pending, confirmationSentAt: now.toISOString() });
    return true;
  }
  async claimConfirmationEmail(
    id: string,
    instance: string,
    now: Date,
    minIntervalMs: number,
    expiresAt: Date,
  ) {
    const pending = this.pending.get(id);
    if (!pending || pending.instance !== instance || pending.expiresAt <= now.toISOString()) return false;
    const last = pending.confirmationSentAt;
    if (last && now.getTime() - Date.parse(last) < minIntervalMs) return false;
    this.pending.set(id, {
      ...pending,
      confirmationSentAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    return true;
  }
  async releaseConfirmationClaim(id: string, instance: string, claimedAt: Date) {
    const pending = this.pending.get(id);
    if (pending?.instance !== instance || pending.confirmationSentAt !== claimedAt.toISOString()) return;
    const { confirmationSentAt: _released, ...rest } = pending;
    this.pending.set(id, rest);
  }
  async deletePending(id: string, instance?: string) {
    if (instance === undefined || this.pending.get(id)?.instance === instance) this.pending.delete(id);
  }
  async sweepExpiredPending(now: Date) {
    let swept = 0;
    for (const [id, pending] of this.pending) {
      if (pending.expiresAt > now.toISOString()) continue;
      this.pending.delete(id);
      swept += 1;
    }
    return swept;
  }
  async suppress(id: string, reason: 'bounced' | 'complained', at: Date) {
    if (this.items.has(id)) return;
    const existing = this.suppressions.get(id);
    const outranks =
      !existing || existing.reason === 'erased' || (existing.reason === 'bounced' && reason === 'complained');
    if (outranks) {
      const sentAt = latest(existing?.confirmationSentAt, this.pending.get(id)?.confirmationSentAt);
      this.suppressions.set(id, {
        subscriberId: id,
        erasedAt: at.toISOString(),
        reason,
        ...(sentAt ? { confirmationSentAt: sentAt } : {}),
      });
    }
    this.pending.delete(id);
  }
  async erase(id: string, at: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return false;
    this.items.delete(id);
    this.nextSlots.delete(id);
    const sentAt = latest(subscriber.confirmationSentAt, this.pending.get(id)?.confirmationSentAt);
    this.pending.delete(id);
    this.suppressions.set(id, {
      subscriberId: id,
      erasedAt: at.toISOString(),
      reason:
        subscriber.status === 'bounced' || subscriber.status === 'complained' ? subscriber.status : 'erased',
      ...(sentAt ? { confirmationSentAt: sentAt } : {}),
    });
    return true;
  }
  async getSuppression(id: string) {
    return this.suppressions.get(id);
  }
  async recordSoftBounce(id: string, at: Date) {
    const subscriber = this.items.get(id);
    if (subscriber) {
      const softBounces = (subscriber.softBounces ?? 0) + 1;
      this.items.set(id, { ...subscriber, softBounces, lastSoftBounceAt: at.toISOString() });
      return softBounces;
    }
    const pending = this.pending.get(id);
    if (!pending) return 0;
    const softBounces = (pending.softBounces ?? 0) + 1;
    this.pending.set(id, { ...pending, softBounces, lastSoftBounceAt: at.toISOString() });
    return softBounces;
  }
  async markPlanned(id: string, digestId: string, at: Date) {
    if (this.patch(id, () => true, { plannedDigestId: digestId, plannedAt: at.toISOString() }))
      this.moveIfIndexed(id, replanInstant(at));
  }
  async markSkipped(id: string, digestId: string, at: Date, nextSlotAt?: Date) {
    if (this.patch(id, () => true, { skippedDigestId: digestId, skippedAt: at.toISOString() }))
      this.moveIfIndexed(id, nextSlotAt ?? replanInstant(at));
  }
  async clearPlanned(id: string, lookAgainAt?: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return;
    const { plannedDigestId: _d, plannedAt: _a, ...rest } = subscriber;
    this.items.set(id, rest);
    if (lookAgainAt) this.moveIfIndexed(id, lookAgainAt);
  }
  async recordDelivery(id: string, digestId: string, windowEnd: Date, nextSlotAt?: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return;
    if (subscriber.lastDigestAt && subscriber.lastDigestAt >= windowEnd.toISOString()) return;
    const { plannedDigestId: _d, plannedAt: _a, ...rest } = subscriber;
    this.items.set(id, { ...rest, lastDigestAt: windowEnd.toISOString(), lastDigestId: digestId });
    if (nextSlotAt) this.moveIfIndexed(id, nextSlotAt);
  }

  // The next-slot index, as the adapter keeps it (a sparse GSI there): id → instant.
  readonly nextSlots = new Map<string, Date>();
  private indexWhole(subscriber: Subscriber) {
    const instant = nextSlotInstant(subscriber, new Date(subscriber.updatedAt));
    if (instant) this.nextSlots.set(subscriber.subscriberId, instant);
    else this.nextSlots.delete(subscriber.subscriberId);
  }
  private moveIfIndexed(id: string, instant: Date) {
    if (this.nextSlots.has(id)) this.nextSlots.set(id, instant);
  }
  async *nextSlotPages(from: Date, to: Date): AsyncIterable<readonly Subscriber[]> {
    const since = startOfHour(from).getTime();
    const readers = [...this.nextSlots]
      .filter(([, instant]) => instant.getTime() >= since && instant.getTime() <= to.getTime())
      .sort(([, a], [, b]) => a.getTime() - b.getTime())
      .map(([id]) => this.items.get(id)!);
    for (let start = 0; start < readers.length; start += FAKE_PAGE_SIZE) {
      yield readers.slice(start, start + FAKE_PAGE_SIZE);
    }
  }
  async moveNextSlot(id: string, to: Date | undefined, readAt: Date) {
    const current = this.nextSlots.get(id);
    if (!current || current.getTime() > readAt.getTime()) return;
    if (to) this.nextSlots.set(id, to);
    else this.nextSlots.delete(id);
  }
  private patch(id: string, when: (s: Subscriber) => boolean, fields: Partial<Subscriber>): boolean {
    const subscriber = this.items.get(id);
    if (!subscriber || !when(subscriber)) return false;
    this.items.set(id, { ...subscriber, ...fields });
    return true;
  }
}

/** The planner's cursor in memory (the adapter keeps one item in the state table). */
export class FakePlannerCursor implements PlannerCursor {
  completedRunAt: Date | undefined;
  async lastCompletedRun() {
    return this.completedRunAt;
  }
  async recordCompletedRun(at: Date) {
    if (!this.completedRunAt || this.completedRunAt < at) this.completedRunAt = at;
  }
}

const latest = (...times: (string | undefined)[]) =>
  times
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);

/**
 * Articles given directly: for planner, sender and archive tests that start from stored articles.
 * Only the reading side: deduplicating ingest is the DynamoDB store's, tested on dynalite.
 */
export class FakeArticleStore implements ArticleReader {
  readonly items = new Map<string, Article>();

  add(...articles: Article[]): void {
    for (const article of articles) this.items.set(article.id, article);
  }
  async listFirstSeenBetween(from: Date, to: Date) {
    return [...this.items.values()].filter(
      (a) => a.firstSeenAt > from.toISOString() && a.firstSeenAt <= to.toISOString(),
    );
  }
  async getMany(ids: readonly string[]) {
    return [...new Set(ids)].flatMap((id) => (this.items.has(id) ? [this.items.get(id)!] : []));
  }
}

export class FakeLedger implements DeliveryLedger {
  readonly items = new Map<string, DeliveryRecord>();
  private keyOf = (key: DeliveryKey) => `${key.digestId}|${key.subscriberId}`;

  async claim(key: DeliveryKey, now: Date, leaseMs: number): Promise<ClaimResult> {
    const existing = this.items.get(this.keyOf(key));
    const free =
      !existing ||
      existing.status === 'skipped' ||
      (existing.status === 'claimed' &&
        existing.leaseUntil !== undefined &&
        existing.leaseUntil < now.toISOString() &&
        existing.acceptedMessageId === undefined);
    if (!free) return { claimed: false, existing: existing };
    // Like the adapter's update: what the record held beside status and lease (a skip's reason) stays.
    this.items.set(this.keyOf(key), {
      ...existing,
      ...key,
      status: 'claimed',
      claimedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      attempts: (existing?.attempts ?? 0) + 1,
    });
    return { claimed: true };
  }
  async markSent(key: DeliveryKey, messageId: string, at: Date) {
    this.update(key, { status: 'sent', messageId, sentAt: at.toISOString() }, { endLease: true });
  }
  async markAcceptedSent(key: DeliveryKey, messageId: string, at: Date) {
    const existing = this.items.get(this.keyOf(key));
    if (existing?.status !== 'claimed' || existing.acceptedMessageId !== messageId) return false;
    this.update(key, { status: 'sent', messageId, sentAt: at.toISOString() }, { endLease: true });
    return true;
  }
  async recordAccepted(key: DeliveryKey, messageId: string, at: Date) {
    const existing = this.items.get(this.keyOf(key));
    if (!existing) return undefined;
    const recorded = {
      ...existing,
      acceptedMessageId: existing.acceptedMessageId ?? messageId,
      acceptedAt: existing.acceptedAt ?? at.toISOString(),
    };
    this.items.set(this.keyOf(key), recorded);
    return recorded;
  }
  /** Only the holder of a claim can fail it; otherwise this rejects, as the adapter's conditional write. */
  async markFailed(key: DeliveryKey, reason: string) {
    if (this.items.get(this.keyOf(key))?.status !== 'claimed') {
      throw new Error(`cannot mark ${this.keyOf(key)} failed: it is not claimed`);
    }
    this.update(key, { status: 'failed', reason: reason.slice(0, 500) }, { endLease: true });
  }
  async markSkipped(key: DeliveryKey, reason: string) {
    const existing = this.items.get(this.keyOf(key));
    if (existing && existing.status !== 'skipped') return;
    this.items.set(this.keyOf(key), {
      ...existing,
      ...key,
      status: 'skipped',
      reason,
      attempts: existing?.attempts ?? 0,
    });
  }
  async release(key: DeliveryKey) {
    const existing = this.items.get(this.keyOf(key));
    if (existing?.status === 'claimed') this.update(key, { leaseUntil: new Date(0).toISOString() });
  }
  async listForDigest(digestId: string) {
    return [...this.items.values()].filter((record) => record.digestId === digestId);
  }
  async listForReader(subscriberId: string, ledgerIds: readonly string[]) {
    return [...new Set(ledgerIds)]
      .flatMap((digestId) => {
        const record = this.items.get(this.keyOf({ digestId, subscriberId }));
        return record ? [record] : [];
      })
      .sort((a, b) => a.digestId.localeCompare(b.digestId));
  }
  async anonymiseReader(subscriberId: string, ledgerIds: readonly string[]) {
    let anonymised = 0;
    for (const record of await this.listForReader(subscriberId, ledgerIds)) {
      if (record.status === 'claimed') continue;
      this.items.delete(this.keyOf(record));
      const {
        messageId: _m,
        reason: _r,
        claimedAt: _c,
        acceptedMessageId: _a,
        acceptedAt: _t,
        ...kept
      } = record;
      const anonymous = { ...kept, subscriberId: `erased-${(this.anonymised += 1)}` };
      this.items.set(this.keyOf(anonymous), anonymous);
      anonymised += 1;
    }
    return anonymised;
  }
  private anonymised = 0;
  async sentTimes(digestId: string) {
    return (await this.listForDigest(digestId))
      .filter((record) => record.status === 'sent' && record.sentAt)
      .map((record) => Date.parse(record.sentAt!));
  }
  async countByStatus(digestId: string) {
    const counts = { claimed: 0, sent: 0, failed: 0, skipped: 0 };
    for (const record of await this.listForDigest(digestId)) counts[record.status] += 1;
    return counts;
  }
  private update(key: DeliveryKey, fields: Partial<DeliveryRecord>, options: { endLease?: boolean } = {}) {
    const existing = this.items.get(this.keyOf(key));
    const record: DeliveryRecord = { ...key, attempts: 0, status: 'claimed', ...existing, ...fields };
    if (!options.endLease) return void this.items.set(this.keyOf(key), record);
    const { leaseUntil: _ended, ...withoutLease } = record;
    this.items.set(this.keyOf(key), withoutLease);
  }
}

/** Records every email; `failWith` queues errors to throw on the next sends. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  readonly failWith: Error[] = [];
  async send(email: OutgoingEmail) {
    const failure = this.failWith.shift();
    if (failure) throw failure;
    this.sent.push(email);
    return { messageId: `message-${this.sent.length}` };
  }
}

/** Fixed-window counters in memory, with the adapter's contract (never more than `limit` per window). */
export class FakeRequestCounter implements RequestCounter {
  readonly hits = new Map<string, number>();
  async take(key: string, windowStart: Date, _windowMs: number, limit: number) {
    const id = `${key}#${windowStart.getTime()}`;
    const count = this.hits.get(id) ?? 0;
    if (count >= limit) return false;
    this.hits.set(id, count + 1);
    return true;
  }
}

export class FakeEditionStore implements EditionStore {
  readonly items = new Map<string, StoredEdition>();
  async getMany(weekIds: readonly string[]) {
    return weekIds.flatMap((id) => (this.items.has(id) ? [this.items.get(id)!] : []));
  }
  async put(edition: StoredEdition) {
    this.items.set(edition.weekId, edition);
  }
}

export class ArrayQueue implements SendQueue<SendJob> {
  readonly jobs: SendJob[] = [];
  /** The delay each enqueued job asked for (0 when none), in the order of `jobs`. */
  readonly delays: number[] = [];
  async enqueue(jobs: readonly SendJob[], options: EnqueueOptions = {}) {
    this.jobs.push(...jobs);
    this.delays.push(...jobs.map(() => options.delaySeconds ?? 0));
  }
  /** The digest jobs among `jobs`, typed as such (the queue carries announcement jobs too). */
  get digestJobs(): DigestJob[] {
    return this.jobs.filter((job): job is DigestJob => job.kind === 'digest');
  }
}

let articleCounter = 0;

/** An article with sensible defaults; override what the test is about. */
export function anArticle(fields: Partial<Article> = {}): Article {
  articleCounter += 1;
  return {
    id: `article-${articleCounter}`,
    title: `Article ${articleCounter}`,
    url: `https://example.org/articles/${articleCounter}`,
    summary: 'A summary.',
    publishedAt: '2026-11-20T10:00:00.000Z',
    firstSeenAt: '2026-11-20T12:00:00.000Z',
    sources: [{ sourceId: 'test', sourceName: 'Test Source', weight: 1 }],
    identifiers: {},
    studyTypes: [],
    topics: { 'car-t': 4 },
    relevant: true,
    ...fields,
  };
}

/** An ingested item ready for ArticleStore.upsert, identified by its URL; override what matters. */
export function aCandidate(
  fields: Partial<ArticleCandidate> & Pick<ArticleCandidate, 'url'>,
): ArticleCandidate {
  return {
    title: `Study at ${fields.url}`,
    summary: 'A summary.',
    publishedAt: new Date(Date.now() - 86_400_000).toISOString(),
    source: { sourceId: 'test', sourceName: 'Test Journal', weight: 1 },
    identifiers: {},
    studyTypes: [],
    topics: { 'car-t': 5 },
    relevant: true,
    identityKeys: [`url:${fields.url}`],
    ...fields,
  };
}

/**
 * The sender's dependencies on in-memory ports, for unit tests and the benchmark: no rate limit,
 * no real waiting, a silent log. The stores are returned too, to prepare and inspect.
 */
export function inMemoryDelivery<M extends Mailer>(options: {
  renderer: EmailRenderer;
  mailer: M;
  clock: ManualClock;
  settings?: Partial<DeliverySettings>;
}) {
  const stores = {
    subscribers: new FakeSubscriberStore(),
    articles: new FakeArticleStore(),
    ledger: new FakeLedger(),
    queue: new ArrayQueue(),
    plannerCursor: new FakePlannerCursor(),
  };
  const deps: DeliveryDependencies = {
    subscribers: stores.subscribers,
    articles: stores.articles,
    ledger: stores.ledger,
    mailer: options.mailer,
    limiter: { acquire: async () => undefined },
    renderer: options.renderer,
    tokens: createTokenService('a-test-secret-that-is-long-enough-000'),
    clock: options.clock,
    logger: silentLogger,
    sleep: async () => undefined,
    settings: {
      siteUrl: 'https://digest.example.org',
      unsubscribeMailto: 'unsubscribe@digest.example.org',
      leaseMs: 60_000,
      throttleRetries: 2,
      backoffBaseMs: 1,
      ...options.settings,
    },
  };
  return { ...stores, deps };
}
