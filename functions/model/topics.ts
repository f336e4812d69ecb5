import { z } from 'zod';

/**
 * The fixed topic ids. content/topics.yaml is their canonical home: its header says what belongs
 * in each and how to add one, and it must define exactly these ids (loading it fails otherwise).
 * They are repeated here for the type system and to give their order, which is the order in which
 * digest sections and the subscribe page list them. Every part of the system (tagging, subscriber
 * preferences, digest sections, the labelled sets in test/fixtures/tagging/) speaks in these ids.
 */
export const TOPIC_IDS = [
  'car-t',
  'checkpoint-inhibitors',
  'vaccines',
  'antibodies',
  'autoimmune',
  'leukemia',
  'melanoma',
  'lung-cancer',
  'kidney-cancer',
  'side-effects',
  'combination-therapy',
  'access',
] as const;

export type TopicId = (typeof TOPIC_IDS)[number];

export const topicIdSchema = z.enum(TOPIC_IDS);

export function isTopicId(value: string): value is TopicId {
  return (TOPIC_IDS as readonly string[]).includes(value);
}

/** Sorts topic ids into their canonical order and drops duplicates. */
export function canonicalTopicOrder(topics: Iterable<TopicId>): TopicId[] {
  const wanted = new Set(topics);
  return TOPIC_IDS.filter((id) => wanted.has(id));
}
