import type { Subscriber } from '../../model/subscribers.ts';
import { TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import type { AudienceSummary } from '../../model/announcements.ts';

/**
 * Who gets an announcement. Only confirmed readers (the sparse confirmed index holds nobody
 * else, so pending, unsubscribed, bounced, complained and erased readers are never even read),
 * and of those, when topics are given, the ones who follow any of them.
 *
 * Paused readers are left out. The preference centre promises them "nothing is sent until you
 * resume", and an announcement is not more urgent than a reader's own "not now": someone taking
 * a break during treatment should not be reached by the editors either. The dry run says how
 * many were left out for it, so the admin knows.
 */

/** Why a reader chosen at planning no longer gets it at send time (the ledger records it). */
export function reasonLeftOut(
  reader: Subscriber | undefined,
  topics: readonly TopicId[],
): string | undefined {
  if (!reader) return 'no longer subscribed';
  if (reader.status !== 'confirmed') return `reader is ${reader.status}`;
  if (reader.paused) return 'reader paused their subscription';
  if (!followsAny(reader, topics)) return 'reader no longer follows the topics';
  return undefined;
}

/** The audience among `readers`, in a stable order (by id), with its counts. */
export function selectAudience(
  readers: readonly Subscriber[],
  topics: readonly TopicId[],
): { readonly recipients: Subscriber[]; readonly summary: AudienceSummary } {
  const recipients: Subscriber[] = [];
  let pausedLeftOut = 0;
  for (const reader of readers) {
    if (reader.status !== 'confirmed' || !followsAny(reader, topics)) continue;
    if (reader.paused) pausedLeftOut += 1;
    else recipients.push(reader);
  }
  recipients.sort((a, b) => (a.subscriberId < b.subscriberId ? -1 : a.subscriberId > b.subscriberId ? 1 : 0));
  const counted = topics.length > 0 ? topics : TOPIC_IDS;
  const byTopic: Partial<Record<TopicId, number>> = Object.fromEntries(counted.map((topic) => [topic, 0]));
  for (const reader of recipients) {
    for (const topic of reader.topics) if (topic in byTopic) byTopic[topic]! += 1;
  }
  return { recipients, summary: { total: recipients.length, byTopic, pausedLeftOut } };
}

function followsAny(reader: Subscriber, topics: readonly TopicId[]): boolean {
  return topics.length === 0 || reader.topics.some((topic) => topics.includes(topic));
}
