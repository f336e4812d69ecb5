import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ArticleCandidate } from '../../core/model.ts';
import {
  articleIdFor,
  isTitleKey,
  neighbouringTitleKey,
  withinTitleWindow,
} from '../../core/ingest/identity.ts';
import type { ArticleWriter, StoredArticle } from '../../ports/index.ts';
import { batchGetAll, batchPutAll, isConditionFailure } from './batch.ts';
import type { WriterLease } from './writer-lease.ts';

/**
 * Writes one ingest run's articles. The lease makes this process the only writer of the table,
 * so deciding "new work or known work" needs no per-key conditional write: a feed's keys are
 * read with BatchGet, decided in memory, and the new claims and articles go out with BatchWrite
 * (25 items a call). Batches of one writer run one after another, so each sees all earlier ones.
 *
 * Claims are written before the articles they point to, so an article never exists without its
 * claims. A claim whose article is missing (a run that died between the two) is mended by the
 * next candidate that finds it.
 */

export const articlePk = (id: string) => `article#${id}`;
export const claimPk = (key: string) => `claim#${key}`;

interface Claim {
  readonly articleId: string;
  /** Publication time (ms) of the work that owns a title claim: titles match only within 14 days. */
  readonly publishedAtMs?: number;
}

/** What the batch knows of an existing article: enough to tell merged from unchanged. */
interface ArticleState {
  readonly sourceIds: Set<string>;
}

export class DynamoArticleWriter implements ArticleWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly lease: WriterLease,
  ) {}

  store(candidates: readonly ArticleCandidate[], firstSeenAt: Date): Promise<StoredArticle[]> {
    const run = this.queue.then(() => this.storeBatch(candidates, firstSeenAt));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.lease.release();
  }

  private async storeBatch(
    candidates: readonly ArticleCandidate[],
    firstSeenAt: Date,
  ): Promise<StoredArticle[]> {
    if (this.closed) throw new Error('article writer is closed');
    if (candidates.length === 0) return [];
    this.lease.assertHeld();

    const known = await this.readClaimsAndArticles(candidates);
    const plan = planBatch(candidates, firstSeenAt, known);
    const unknownOwners = [...plan.mergesIntoStored.keys()].filter((id) => !known.articles.has(id));
    const owners = new Map([...known.articles, ...(await this.readArticles(unknownOwners))]);

    // An owner whose article is missing gets it from the first candidate that names it.
    const mended: Record<string, unknown>[] = [];
    for (const [articleId, merges] of plan.mergesIntoStored) {
      if (owners.has(articleId)) continue;
      const [first, ...rest] = merges;
      mended.push(
        articleItem(
          articleId,
          first!.candidate,
          firstSeenAt,
          rest.map((merge) => merge.candidate),
        ),
      );
      plan.results[first!.index] = { articleId, outcome: 'created' };
      for (const merge of rest)
        plan.results[merge.index] = {
          articleId,
          outcome: sourceIsNew(first!.candidate, merge.candidate) ? 'merged' : 'unchanged',
        };
      plan.mergesIntoStored.delete(articleId);
    }

    this.lease.assertHeld();
    await batchPutAll(this.client, this.tableName, plan.claims);
    this.lease.assertHeld();
    await Promise.all([
      batchPutAll(this.client, this.tableName, [...plan.created.values(), ...mended]),
      ...[...plan.mergesIntoStored].flatMap(([articleId, merges]) =>
        merges.map(async ({ candidate, index }) => {
          plan.results[index] = {
            articleId,
            outcome: (await this.addSource(articleId, candidate, owners.get(articleId)!))
              ? 'merged'
              : 'unchanged',
          };
        }),
      ),
    ]);
    return plan.results as StoredArticle[];
  }

  /** The claims of every key the batch could match, and the articles its new ids would take. */
  private async readClaimsAndArticles(
    candidates: readonly ArticleCandidate[],
  ): Promise<{ claims: Map<string, Claim>; articles: Map<string, ArticleState> }> {
    const pks = new Set<string>();
    for (const candidate of candidates) {
      for (const key of lookupKeys(candidate)) pks.add(claimPk(key));
      pks.add(articlePk(articleIdFor(candidate.identityKeys[0]!)));
    }
    const items = await this.getInParallel([...pks], 'pk, articleId, publishedAtMs, sourceIds');
    const claims = new Map<string, Claim>();
    const articles = new Map<string, ArticleState>();
    for (const item of items) {
      const pk = String(item.pk);
      if (pk.startsWith('claim#')) claims.set(pk.slice('claim#'.length), toClaim(item));
      else articles.set(pk.slice('article#'.length), toState(item));
    }
    return { claims, articles };
  }

  private async readArticles(ids: readonly string[]): Promise<Map<string, ArticleState>> {
    const items = await this.getInParallel(ids.map(articlePk), 'pk, sourceIds');
    return new Map(items.map((item) => [String(item.pk).slice('article#'.length), toState(item)]));
  }

  private async getInParallel(
    pks: readonly string[],
    projection: string,
  ): Promise<Record<string, unknown>[]> {
    const groups: string[][] = [];
    for (let start = 0; start < pks.length; start += 100) groups.push(pks.slice(start, start + 100));
    const results = await Promise.all(
      groups.map((group) =>
        batchGetAll(
          this.client,
          this.tableName,
          group.map((pk) => ({ pk })),
          { projection, consistent: true },
        ),
      ),
    );
    return results.flat();
  }

  /** Adds the candidate's source (and any identifier or topic the article lacks); false if it was there. */
  private async addSource(
    articleId: string,
    candidate: ArticleCandidate,
    state: ArticleState,
  ): Promise<boolean> {
    if (state.sourceIds.has(candidate.source.sourceId)) return false;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':source': [candidate.source],
      ':sourceIdSet': new Set([candidate.source.sourceId]),
      ':sourceId': candidate.source.sourceId,
    };
    const sets = ['sources = list_append(sources, :source)'];
    for (const [kind, value] of Object.entries(candidate.identifiers)) {
      names[`#id_${kind}`] = kind;
      values[`:id_${kind}`] = value;
      sets.push(`identifiers.#id_${kind} = if_not_exists(identifiers.#id_${kind}, :id_${kind})`);
    }
    if (candidate.relevant) {
      // A focused source vouches for a work a broad source's tagger doubted: its topics count too.
      values[':true'] = true;
      sets.push('relevant = :true');
      Object.entries(candidate.topics).forEach(([topic, score], index) => {
        names[`#t${index}`] = topic;
        values[`:t${index}`] = score;
        sets.push(`topics.#t${index} = if_not_exists(topics.#t${index}, :t${index})`);
      });
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: articlePk(articleId) },
          UpdateExpression: `SET ${sets.join(', ')} ADD sourceIds :sourceIdSet`,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(sourceIds, :sourceId)',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      state.sourceIds.add(candidate.source.sourceId);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

interface BatchPlan {
  readonly results: (StoredArticle | undefined)[];
  readonly claims: Record<string, unknown>[];
  readonly created: Map<string, Record<string, unknown> & { sources: ArticleCandidate['source'][] }>;
  /** Stored owner id → the candidates that merge onto it, with their positions in the batch. */
  readonly mergesIntoStored: Map<string, { candidate: ArticleCandidate; index: number }[]>;
}

/**
 * Decides, in memory and in order, what each candidate of the batch is: a new work, or a known
 * one (stored, or created earlier in this batch). The first key (strongest first) that names an
 * owner wins; a title names one only within the 14-day window. Keys nobody owns are claimed for
 * the candidate's article; a key another work owns stays with it.
 */
function planBatch(
  candidates: readonly ArticleCandidate[],
  firstSeenAt: Date,
  known: { claims: Map<string, Claim>; articles: Map<string, ArticleState> },
): BatchPlan {
  const plan: BatchPlan = { results: [], claims: [], created: new Map(), mergesIntoStored: new Map() };
  const claims = new Map(known.claims);

  candidates.forEach((candidate, index) => {
    const publishedAtMs = Date.parse(candidate.publishedAt);
    const ownerOf = (key: string): string | undefined => {
      const claim = claims.get(key);
      if (!claim) return undefined;
      if (isTitleKey(key) && !withinTitleWindow(claim.publishedAtMs ?? Number.NaN, publishedAtMs))
        return undefined;
      return claim.articleId;
    };
    const newId = articleIdFor(candidate.identityKeys[0]!);
    const owner =
      candidate.identityKeys
        .flatMap((key) => [key, ...optional(neighbouringTitleKey(key, new Date(publishedAtMs)))])
        .map(ownerOf)
        .find((id) => id !== undefined) ?? (known.articles.has(newId) ? newId : undefined);
    const articleId = owner ?? newId;

    for (const key of candidate.identityKeys) {
      if (claims.has(key)) continue;
      const claim: Claim = isTitleKey(key) ? { articleId, publishedAtMs } : { articleId };
      claims.set(key, claim);
      plan.claims.push({ pk: claimPk(key), kind: 'claim', ...claim });
    }

    const createdEarlier = plan.created.get(articleId);
    if (createdEarlier) {
      const isNew = !createdEarlier.sources.some((source) => source.sourceId === candidate.source.sourceId);
      if (isNew) addSourceToItem(createdEarlier, candidate);
      plan.results[index] = { articleId, outcome: isNew ? 'merged' : 'unchanged' };
    } else if (owner) {
      const merges = plan.mergesIntoStored.get(articleId) ?? [];
      merges.push({ candidate, index });
      plan.mergesIntoStored.set(articleId, merges);
    } else {
      plan.created.set(articleId, articleItem(articleId, candidate, firstSeenAt));
      plan.results[index] = { articleId, outcome: 'created' };
    }
  });
  return plan;
}

/** Every key whose claim could make the candidate a known work: its own, and title neighbours. */
function lookupKeys(candidate: ArticleCandidate): string[] {
  const publishedAt = new Date(candidate.publishedAt);
  return candidate.identityKeys.flatMap((key) => [key, ...optional(neighbouringTitleKey(key, publishedAt))]);
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

function sourceIsNew(first: ArticleCandidate, other: ArticleCandidate): boolean {
  return first.source.sourceId !== other.source.sourceId;
}

/** The article item as stored; `more` are candidates of other sources merged before the first write. */
export function articleItem(
  articleId: string,
  candidate: ArticleCandidate,
  firstSeenAt: Date,
  more: readonly ArticleCandidate[] = [],
): Record<string, unknown> & { sources: ArticleCandidate['source'][] } {
  const item = {
    pk: articlePk(articleId),
    kind: 'article',
    id: articleId,
    title: candidate.title,
    url: candidate.url,
    summary: candidate.summary,
    publishedAt: candidate.publishedAt,
    firstSeenAt: firstSeenAt.toISOString(),
    firstSeenDay: firstSeenAt.toISOString().slice(0, 10),
    sources: [candidate.source],
    sourceIds: new Set([candidate.source.sourceId]),
    identifiers: { ...candidate.identifiers },
    studyTypes: candidate.studyTypes,
    topics: { ...candidate.topics },
    relevant: candidate.relevant,
  };
  for (const other of more) if (!item.sourceIds.has(other.source.sourceId)) addSourceToItem(item, other);
  return item;
}

function addSourceToItem(item: Record<string, unknown>, candidate: ArticleCandidate): void {
  (item.sources as ArticleCandidate['source'][]).push(candidate.source);
  (item.sourceIds as Set<string>).add(candidate.source.sourceId);
  item.identifiers = { ...candidate.identifiers, ...(item.identifiers as object) };
  if (candidate.relevant) {
    item.relevant = true;
    item.topics = { ...candidate.topics, ...(item.topics as object) };
  }
}

function toClaim(item: Record<string, unknown>): Claim {
  return {
    articleId: String(item.articleId),
    ...(typeof item.publishedAtMs === 'number' ? { publishedAtMs: item.publishedAtMs } : {}),
  };
}

function toState(item: Record<string, unknown>): ArticleState {
  return { sourceIds: new Set(item.sourceIds instanceof Set ? (item.sourceIds as Set<string>) : []) };
}
