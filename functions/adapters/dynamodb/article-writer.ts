import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { ArticleCandidate } from '../../model/articles.ts';
import { articleIdFor, isTitleKey, withinTitleWindow } from '../../core/ingest/identity.ts';
import type { ArticleWriter, StoredArticle, UpsertOutcome } from '../../ports/article-store.ts';
import { batchGetAll, batchPutAll, isConditionFailure } from './batch.ts';
import type { WriterLease } from './writer-lease.ts';
import {
  addSourceToItem,
  addSourceUpdate,
  articleItem,
  articlePk,
  claimPk,
  lookupKeys,
  refreshTrialUpdate,
  sourceIdsOf,
  toClaim,
  type Claim,
  type Item,
} from './article-items.ts';

/**
 * Writes one ingest run's articles. The lease makes this process the only writer of the table,
 * so deciding "new work or known work" needs no per-key conditional write: a feed's keys are
 * read with BatchGet, decided in memory, and the new claims and articles go out with BatchWrite
 * (25 items a call).
 *
 * Several feeds are stored at once (the store is the slow part, and DynamoDB and this process
 * then work in parallel). They stay exact because every decision is taken in one synchronous
 * step against the stored claims read before it and the session's own decisions, which are
 * registered in that same step: a batch deciding later always sees what an earlier one decided,
 * written or not.
 *
 * Claims are written before the articles they point to, so an article never exists without its
 * claims. A claim whose article is missing (a run that died between the two) is mended by the
 * next candidate that finds it.
 */

/**
 * An article this session created (or mended): its whole item, and when its latest state is
 * stored. The session is the table's only writer, so another source's sighting is added to this
 * item and the item put again (in a BatchWrite with others), instead of a conditional
 * UpdateItem per sighting: same result, far less work for the client and the table.
 */
interface SessionArticle {
  readonly item: Item;
  written: Promise<void>;
}

interface Merge {
  readonly candidate: ArticleCandidate;
  readonly index: number;
}

/** Reads of one batch, in parallel up to this many requests. */
const READ_PARALLELISM = 4;

export class DynamoArticleWriter implements ArticleWriter {
  /** Keys this session claimed (written or about to be). */
  private readonly claims = new Map<string, Claim>();
  private readonly articles = new Map<string, SessionArticle>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly readLimit = pLimit(READ_PARALLELISM);
  private closed = false;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly lease: WriterLease,
  ) {}

  store(candidates: readonly ArticleCandidate[], firstSeenAt: Date): Promise<StoredArticle[]> {
    if (this.closed) return Promise.reject(new Error('article writer is closed'));
    const run = this.storeBatch(candidates, firstSeenAt);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.running);
    await this.lease.release();
  }

  private async storeBatch(
    candidates: readonly ArticleCandidate[],
    firstSeenAt: Date,
  ): Promise<StoredArticle[]> {
    if (candidates.length === 0) return [];
    this.lease.assertHeld();
    const stored = await this.readStored(candidates);

    // One synchronous step: decide every candidate and register the decisions.
    const plan = this.plan(candidates, firstSeenAt, stored);
    const releasePlan = () => {
      for (const key of plan.claimedKeys) this.claims.delete(key);
      for (const id of plan.created.keys()) this.articles.delete(id);
    };
    const written = this.writeNew(plan.claimItems, [...plan.created.values()]);
    for (const id of plan.created.keys()) this.articles.get(id)!.written = written;
    written.catch(releasePlan);

    await Promise.all([
      written,
      this.resave(plan.grownInSession),
      this.mergeIntoStored(plan.mergesIntoStored, stored.articles, firstSeenAt, plan.results),
    ]);
    return plan.results as StoredArticle[];
  }

  /**
   * The stored claims of every key the batch could match, and the stored articles its new ids
   * could collide with.
   *
   * An article's id is the hash of its strongest key, and claims are written before articles and
   * never removed, so an article item can exist under a new id only when that key is already
   * claimed. It names no owner only when it is a title claimed beyond the 14-day window: just
   * those candidates need their would-be article read (a second, usually empty, round), which
   * keeps a BatchWrite from overwriting a different, older work of the same title.
   */
  private async readStored(
    candidates: readonly ArticleCandidate[],
  ): Promise<{ claims: Map<string, Claim>; articles: Map<string, Set<string>> }> {
    const pks = new Set<string>();
    for (const candidate of candidates) {
      for (const key of lookupKeys(candidate)) if (!this.claims.has(key)) pks.add(claimPk(key));
    }
    const claims = new Map<string, Claim>();
    for (const item of await this.getInParallel([...pks], 'pk, articleId, publishedAtMs')) {
      claims.set(String(item.pk).slice('claim#'.length), toClaim(item));
    }

    const articlePks = new Set<string>();
    for (const candidate of candidates) {
      const strongest = candidate.identityKeys[0]!;
      const claim = claims.get(strongest);
      const newId = articleIdFor(strongest);
      if (
        claim &&
        isTitleKey(strongest) &&
        !withinTitleWindow(claim.publishedAtMs ?? Number.NaN, Date.parse(candidate.publishedAt)) &&
        !this.articles.has(newId)
      ) {
        articlePks.add(articlePk(newId));
      }
    }
    const articles = new Map<string, Set<string>>();
    for (const item of await this.getInParallel([...articlePks], 'pk, sourceIds')) {
      articles.set(String(item.pk).slice('article#'.length), sourceIdsOf(item));
    }
    return { claims, articles };
  }

  /**
   * Decides, in order, what each candidate is: a new work, or a known one (stored, created by
   * this session, or earlier in this batch). The first key (strongest first) that names an owner
   * wins; a title names one only within the 14-day window. Keys nobody owns are claimed for the
   * candidate's article; a key another work owns stays with it. Synchronous on purpose.
   */
  private plan(
    candidates: readonly ArticleCandidate[],
    firstSeenAt: Date,
    stored: { claims: Map<string, Claim>; articles: Map<string, Set<string>> },
  ) {
    const results: (StoredArticle | undefined)[] = [];
    const claimItems: Record<string, unknown>[] = [];
    const claimedKeys: string[] = [];
    const created = new Map<string, Item>();
    /** Articles of earlier batches of this session that gained a source here. */
    const grownInSession = new Set<string>();
    const mergesIntoStored = new Map<string, Merge[]>();

    candidates.forEach((candidate, index) => {
      const publishedAtMs = Date.parse(candidate.publishedAt);
      const ownerOf = (key: string): string | undefined => {
        const claim = this.claims.get(key) ?? stored.claims.get(key);
        if (!claim) return undefined;
        if (isTitleKey(key) && !withinTitleWindow(claim.publishedAtMs ?? Number.NaN, publishedAtMs))
          return undefined;
        return claim.articleId;
      };
      const newId = articleIdFor(candidate.identityKeys[0]!);
      const articleId =
        lookupKeys(candidate)
          .map(ownerOf)
          .find((id) => id !== undefined) ??
        // Its id is taken by an older work of the same title, beyond the window (see readStored).
        (stored.articles.has(newId) || this.articles.has(newId) ? newId : undefined);
      if (articleId === undefined && candidate.updateOnly) {
        // An update of a work we never stored: it claims nothing and creates nothing.
        results[index] = { articleId: newId, outcome: 'unchanged' };
        return;
      }

      for (const key of candidate.identityKeys) {
        if (this.claims.has(key) || stored.claims.has(key)) continue;
        const claim: Claim = { articleId: articleId ?? newId, ...(isTitleKey(key) ? { publishedAtMs } : {}) };
        this.claims.set(key, claim);
        claimedKeys.push(key);
        claimItems.push({ pk: claimPk(key), kind: 'claim', ...claim });
      }

      const inBatch = articleId === undefined ? undefined : created.get(articleId);
      if (articleId === undefined) {
        const item = articleItem(newId, candidate, firstSeenAt);
        created.set(newId, item);
        this.articles.set(newId, { item, written: Promise.resolve() });
        results[index] = { articleId: newId, outcome: 'created' };
      } else if (inBatch) {
        results[index] = { articleId, outcome: addSourceToItem(inBatch, candidate) };
      } else if (this.articles.has(articleId)) {
        const outcome = addSourceToItem(this.articles.get(articleId)!.item, candidate);
        if (outcome !== 'unchanged') grownInSession.add(articleId);
        results[index] = { articleId, outcome };
      } else {
        mergesIntoStored.set(articleId, [...(mergesIntoStored.get(articleId) ?? []), { candidate, index }]);
      }
    });
    return { results, claimItems, claimedKeys, created, grownInSession, mergesIntoStored };
  }

  /**
   * Puts again the items of session articles that gained sources, each after its earlier writes
   * (so the latest state lands last, and an article whose first write failed is not written
   * without its claims: this batch fails with it, and the next run tries both again).
   */
  private resave(articleIds: ReadonlySet<string>): Promise<void> {
    if (articleIds.size === 0) return Promise.resolve();
    const sessions = [...articleIds].map((id) => this.articles.get(id)!);
    const saved = Promise.all(sessions.map((session) => session.written)).then(() => {
      this.lease.assertHeld();
      return batchPutAll(
        this.client,
        this.tableName,
        sessions.map((session) => session.item),
      );
    });
    for (const session of sessions) session.written = saved;
    return saved;
  }

  /** Claims first, then articles: an article is never stored without its claims. */
  private async writeNew(claimItems: Record<string, unknown>[], articleItems: Item[]): Promise<void> {
    this.lease.assertHeld();
    await batchPutAll(this.client, this.tableName, claimItems);
    this.lease.assertHeld();
    await batchPutAll(this.client, this.tableName, articleItems);
  }

  /** Adds sources to stored articles; mends an owner whose article item is missing. */
  private async mergeIntoStored(
    merges: Map<string, Merge[]>,
    knownArticles: Map<string, Set<string>>,
    firstSeenAt: Date,
    results: (StoredArticle | undefined)[],
  ): Promise<void> {
    if (merges.size === 0) return;
    const unknown = [...merges.keys()].filter((id) => !knownArticles.has(id));
    const fetched = await this.getInParallel(unknown.map(articlePk), 'pk, sourceIds');
    const owners = new Map(knownArticles);
    for (const item of fetched) owners.set(String(item.pk).slice('article#'.length), sourceIdsOf(item));

    // Synchronous again: a missing article is mended by exactly one batch of this session.
    const mended: Item[] = [];
    const updates: { articleId: string; merge: Merge }[] = [];
    const grownInSession = new Set<string>();
    for (const [articleId, list] of merges) {
      if (owners.has(articleId)) {
        updates.push(...list.map((merge) => ({ articleId, merge })));
        continue;
      }
      const session = this.articles.get(articleId);
      if (session) {
        for (const merge of list) {
          const outcome = addSourceToItem(session.item, merge.candidate);
          if (outcome !== 'unchanged') grownInSession.add(articleId);
          results[merge.index] = { articleId, outcome };
        }
        continue;
      }
      const [first, ...rest] = list;
      const item = articleItem(articleId, first!.candidate, firstSeenAt);
      results[first!.index] = { articleId, outcome: 'created' };
      for (const merge of rest) {
        results[merge.index] = { articleId, outcome: addSourceToItem(item, merge.candidate) };
      }
      mended.push(item);
      this.articles.set(articleId, { item, written: Promise.resolve() });
    }
    const mendedWritten = batchPutAll(this.client, this.tableName, mended);
    for (const item of mended) this.articles.get(String(item.id))!.written = mendedWritten;

    await Promise.all([
      mendedWritten,
      this.resave(grownInSession),
      // One article's updates in order: a batch can hold two versions of one trial.
      ...[...groupBy(updates, (update) => update.articleId)].map(async ([articleId, list]) => {
        for (const { merge } of list) {
          results[merge.index] = {
            articleId,
            outcome: await this.addSource(articleId, merge.candidate, owners.get(articleId)),
          };
        }
      }),
    ]);
  }

  private async getInParallel(
    pks: readonly string[],
    projection: string,
  ): Promise<Record<string, unknown>[]> {
    const groups: string[][] = [];
    for (let start = 0; start < pks.length; start += 100) groups.push(pks.slice(start, start + 100));
    const results = await Promise.all(
      groups.map((group) =>
        this.readLimit(() =>
          batchGetAll(
            this.client,
            this.tableName,
            group.map((pk) => ({ pk })),
            { projection, consistent: true },
          ),
        ),
      ),
    );
    return results.flat();
  }

  /**
   * Adds the candidate's source (and any identifier or topic the article lacks), then its trial
   * facts when they are newer than the stored ones: 'merged', 'updated' (the source was there,
   * its trial record is newer) or 'unchanged'.
   */
  private async addSource(
    articleId: string,
    candidate: ArticleCandidate,
    sourceIds?: Set<string>,
  ): Promise<UpsertOutcome> {
    let outcome: UpsertOutcome = 'unchanged';
    if (!sourceIds?.has(candidate.source.sourceId)) {
      this.lease.assertHeld();
      const added = await this.conditionalUpdate(articleId, addSourceUpdate(candidate));
      if (added) {
        sourceIds?.add(candidate.source.sourceId);
        outcome = 'merged';
      }
    }
    if (candidate.trial) {
      this.lease.assertHeld();
      const refreshed = await this.conditionalUpdate(articleId, refreshTrialUpdate(candidate.trial));
      if (refreshed && outcome === 'unchanged') outcome = 'updated';
    }
    return outcome;
  }

  /** An UpdateItem whose condition may fail: false when it did. */
  private async conditionalUpdate(
    articleId: string,
    update: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: articlePk(articleId) }, ...update }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
