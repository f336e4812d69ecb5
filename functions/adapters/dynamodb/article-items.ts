import type { ArticleCandidate, TrialFacts } from '../../model/articles.ts';
import type { UpsertOutcome } from '../../ports/article-store.ts';
import { neighbouringTitleKey } from '../../core/ingest/identity.ts';

/**
 * The items of the articles table as the writer makes them: `article#<id>` with the work, and
 * `claim#<key>` naming the article that owns an identity key.
 */

export const articlePk = (id: string) => `article#${id}`;
export const claimPk = (key: string) => `claim#${key}`;

export interface Claim {
  readonly articleId: string;
  /** Publication time (ms) of the work that owns a title claim: titles match only within 14 days. */
  readonly publishedAtMs?: number;
}

export type Item = Record<string, unknown> & {
  sources: ArticleCandidate['source'][];
  sourceIds: Set<string>;
};

/**
 * The conditional update that adds a source to a stored article, with any identifier or journal
 * it lacks, study types read from the record's own facts (they replace guessed ones) and, when
 * the source vouches for relevance, its topics. Fails its condition when the source is already
 * there. A trial's facts are written by {@link refreshTrialUpdate}, which keeps the newest.
 */
export function addSourceUpdate(candidate: ArticleCandidate) {
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
  if (candidate.journal) {
    values[':journal'] = candidate.journal;
    sets.push('journal = if_not_exists(journal, :journal)');
  }
  if (candidate.studyTypesFromRecord) {
    values[':studyTypes'] = candidate.studyTypes;
    sets.push('studyTypes = :studyTypes');
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
    // The words of topics only this source found are not added: an article stored before there
    // were matchedTerms has no map to set them in, and "why you got this" names the topic without them.
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')} ADD sourceIds :sourceIdSet`,
    ConditionExpression: 'attribute_exists(pk) AND NOT contains(sourceIds, :sourceId)',
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

/**
 * The conditional update that writes a trial's facts when the stored ones are older (or absent):
 * a registry's later update (recruiting → completed) replaces the earlier, never the reverse.
 */
export function refreshTrialUpdate(trial: TrialFacts) {
  return {
    UpdateExpression: 'SET trial = :trial',
    ConditionExpression:
      'attribute_exists(pk) AND (attribute_not_exists(trial) OR trial.lastUpdatedOn < :updated)',
    ExpressionAttributeValues: { ':trial': trial, ':updated': trial.lastUpdatedOn },
  };
}

/** Every key whose claim could make the candidate a known work: its own, and title neighbours. */
export function lookupKeys(candidate: ArticleCandidate): string[] {
  const publishedAt = new Date(candidate.publishedAt);
  return candidate.identityKeys.flatMap((key) => {
    const neighbour = neighbouringTitleKey(key, publishedAt);
    return neighbour ? [key, neighbour] : [key];
  });
}

/** The article item as stored. */
export function articleItem(articleId: string, candidate: ArticleCandidate, firstSeenAt: Date): Item {
  return {
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
    // Only when the tagger reported them: an article reads back as it was given.
    ...(candidate.matchedTerms ? { matchedTerms: { ...candidate.matchedTerms } } : {}),
    relevant: candidate.relevant,
    ...(candidate.journal ? { journal: candidate.journal } : {}),
    ...(candidate.trial ? { trial: candidate.trial } : {}),
  };
}

/**
 * Adds another source's sighting to an item held in memory (as addSourceUpdate and
 * refreshTrialUpdate do to a stored one): 'merged' when the source is new to it, 'updated' when
 * the source was there but brought a newer trial record, 'unchanged' otherwise.
 */
export function addSourceToItem(item: Item, candidate: ArticleCandidate): UpsertOutcome {
  const trialIsNewer =
    candidate.trial !== undefined &&
    (item.trial === undefined || (item.trial as TrialFacts).lastUpdatedOn < candidate.trial.lastUpdatedOn);
  if (trialIsNewer) item.trial = candidate.trial;
  if (item.sourceIds.has(candidate.source.sourceId)) return trialIsNewer ? 'updated' : 'unchanged';
  item.sources.push(candidate.source);
  item.sourceIds.add(candidate.source.sourceId);
  item.identifiers = { ...candidate.identifiers, ...(item.identifiers as object) };
  if (candidate.journal && item.journal === undefined) item.journal = candidate.journal;
  if (candidate.studyTypesFromRecord) item.studyTypes = candidate.studyTypes;
  if (candidate.relevant) {
    item.relevant = true;
    item.topics = { ...candidate.topics, ...(item.topics as object) };
    if (candidate.matchedTerms || item.matchedTerms)
      item.matchedTerms = { ...candidate.matchedTerms, ...(item.matchedTerms as object | undefined) };
  }
  return 'merged';
}

export function toClaim(item: Record<string, unknown>): Claim {
  return {
    articleId: String(item.articleId),
    ...(typeof item.publishedAtMs === 'number' ? { publishedAtMs: item.publishedAtMs } : {}),
  };
}

export function sourceIdsOf(item: Record<string, unknown>): Set<string> {
  return new Set(item.sourceIds instanceof Set ? (item.sourceIds as Set<string>) : []);
}
