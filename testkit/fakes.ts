import type { Article, ArticleCandidate } from '../functions/model/articles.ts';
import type { ConsentRecord, Subscriber, SubscriberStatus } from '../functions/model/subscribers.ts';
import type { DigestJob, SendJob } from '../functions/core/delivery/send-job.ts';
import type { DeliveryDependencies, DeliverySettings } from '../functions/core/delivery/deliver-job.ts';
import type { EmailRenderer } from '../functions/core/rendering/email-renderer.ts';
import { createTokenService } from '../functions/core/tokens/tokens.ts';
import { silentLogger } from '../functions/ports/logger.ts';
import type { ArticleReader } from '../functions/ports/article-store.ts';
import type { ClaimResult, DeliveryLedger } from '../functions/ports/delivery-ledger.ts';
import type { Clock } from '../functions/ports/clock.ts';
import type { DeliveryKey, DeliveryRecord } from '../functions/model/deliveries.ts';
import type { EditionStore } from '../functions/ports/edition-store.ts';
import type { EmailClaimKind, ProfileFields, SubscriberStore } from '../functions/ports/subscriber-store.ts';
import type { EnqueueOptions, SendQueue } from '../functions/ports/send-queue.ts';
import type { Mailer, OutgoingEmail } from '../functions/ports/mailer.ts';
import type { RequestCounter } from '../functions/ports/request-counter.ts';
import type { StoredEdition } from '../functions/model/editions.ts';
import type { SuppressionEntry } from '../functions/model/subscribers.ts';

/** In-memory fakes of our own ports, for unit tests of the core. Same contracts as the adapters. */

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
    return true;
  }
  async updateProfile(id: string, fields: ProfileFields, at: Date) {
    // Only the fields given: one left undefined keeps its stored value, as in the adapter.
    const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    return this.patch(id, () => true, { ...given, updatedAt: at.toISOString() });
  }
  async confirm(id: string, consent: ConsentRecord, at: Date) {
    return this.patch(id, (s) => s.status === 'pending', {
      status: 'confirmed',
      consent,
      updatedAt: at.toISOString(),
    });
  }
  async reopen(id: string, fields: Required<Pick<ProfileFields, 'topics' | 'delivery'>>, at: Date) {
    return this.patch(id, (s) => s.status === 'pending' || s.status === 'unsubscribed', {
      ...fields,
      status: 'pending',
      updatedAt: at.toISOString(),
    });
  }
  async listConfirmed() {
    return [...this.items.values()].filter((s) => s.status === 'confirmed');
  }
  /** Any item at all, suppression entries included (the adapter scans the whole table). */
  async hasAny() {
    return this.items.size + this.suppressions.size > 0;
  }
  async setStatus(id: string, status: SubscriberStatus, at: Date) {
    this.patch(id, () => true, { status, updatedAt: at.toISOString() });
  }
  async claimConfirmationEmail(id: string, now: Date, minIntervalMs: number) {
    return this.claimOncePer('confirmationSentAt', id, now, minIntervalMs);
  }
  async claimManageLinkEmail(id: string, now: Date, minIntervalMs: number) {
    return this.claimOncePer('manageLinkSentAt', id, now, minIntervalMs);
  }
  async erase(id: string, at: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return false;
    this.items.delete(id);
    this.suppressions.set(id, {
      subscriberId: id,
      erasedAt: at.toISOString(),
      reason:
        subscriber.status === 'bounced' || subscriber.status === 'complained' ? subscriber.status : 'erased',
      ...(subscriber.confirmationSentAt ? { confirmationSentAt: subscriber.confirmationSentAt } : {}),
    });
    return true;
  }
  async getSuppression(id: string) {
    return this.suppressions.get(id);
  }
  async replaceErased(subscriber: Subscriber) {
    if (this.suppressions.get(subscriber.subscriberId)?.reason !== 'erased') return false;
    this.suppressions.delete(subscriber.subscriberId);
    this.items.set(subscriber.subscriberId, subscriber);
    return true;
  }
  async releaseEmailClaim(id: string, kind: EmailClaimKind, claimedAt: Date) {
    const attribute = kind === 'confirmation' ? 'confirmationSentAt' : 'manageLinkSentAt';
    const subscriber = this.items.get(id);
    if (subscriber?.[attribute] !== claimedAt.toISOString()) return;
    const { [attribute]: _released, ...rest } = subscriber;
    this.items.set(id, rest);
  }
  private claimOncePer(
    attribute: 'confirmationSentAt' | 'manageLinkSentAt',
    id: string,
    now: Date,
    minIntervalMs: number,
  ) {
    const subscriber = this.items.get(id);
    if (!subscriber) return false;
    const last = subscriber[attribute];
    if (last && now.getTime() - Date.parse(last) < minIntervalMs) return false;
    this.items.set(id, { ...subscriber, [attribute]: now.toISOString() });
    return true;
  }
  async recordSoftBounce(id: string, at: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return 0;
    const softBounces = (subscriber.softBounces ?? 0) + 1;
    this.items.set(id, { ...subscriber, softBounces, lastSoftBounceAt: at.toISOString() });
    return softBounces;
  }
  async markPlanned(id: string, digestId: string, at: Date) {
    this.patch(id, () => true, { plannedDigestId: digestId, plannedAt: at.toISOString() });
  }
  async markSkipped(id: string, digestId: string, at: Date) {
    this.patch(id, () => true, { skippedDigestId: digestId, skippedAt: at.toISOString() });
  }
  async clearPlanned(id: string) {
    const subscriber = this.items.get(id);
    if (!subscriber) return;
    const { plannedDigestId: _d, plannedAt: _a, ...rest } = subscriber;
    this.items.set(id, rest);
  }
  async recordDelivery(id: string, digestId: string, windowEnd: Date) {
    const subscriber = this.items.get(id);
    if (!subscriber) return;
    if (subscriber.lastDigestAt && subscriber.lastDigestAt >= windowEnd.toISOString()) return;
    const { plannedDigestId: _d, plannedAt: _a, ...rest } = subscriber;
    this.items.set(id, { ...rest, lastDigestAt: windowEnd.toISOString(), lastDigestId: digestId });
  }
  private patch(id: string, when: (s: Subscriber) => boolean, fields: Partial<Subscriber>): boolean {
    const subscriber = this.items.get(id);
    if (!subscriber || !when(subscriber)) return false;
    this.items.set(id, { ...subscriber, ...fields });
    return true;
  }
}

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
        existing.leaseUntil < now.toISOString());
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
