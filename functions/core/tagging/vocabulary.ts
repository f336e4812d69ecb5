import { z } from 'zod';
import { TOPIC_IDS, type TopicId } from '../topics.ts';

/**
 * The schema of content/topics.yaml: the words that detect each topic. The ids are fixed by
 * TOPICS.md; everything else (labels, descriptions, terms, weights, exclusions) is editorial and
 * lives in content so an editor can tune it without touching code.
 *
 * A term is either a phrase (matched on word boundaries; spaces and hyphens interchangeable,
 * case-insensitive unless `caseSensitive`) or a `pattern` (a regular expression, for naming
 * rules such as the -leucel suffix of cell-therapy products).
 */
const termSchema = z.union([
  z
    .string()
    .min(2)
    .transform((phrase) => ({ phrase, weight: 1, caseSensitive: false })),
  z
    .object({
      phrase: z.string().min(2),
      weight: z.number().positive().max(10).default(1),
      caseSensitive: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      pattern: z.string().min(2),
      weight: z.number().positive().max(10).default(1),
      caseSensitive: z.boolean().default(false),
    })
    .strict(),
]);

export type TermDefinition = z.output<typeof termSchema>;

const topicSchema = z
  .object({
    label: z.string().min(2).max(60),
    description: z.string().min(10).max(200),
    terms: z.array(termSchema).min(1),
    exclude: z.array(termSchema).default([]),
  })
  .strict();

export const vocabularySchema = z
  .object({
    /** A topic is tagged when its weighted hits reach this score. */
    threshold: z.number().positive().default(2),
    /** Title hits count this many times a summary hit. */
    titleWeight: z.number().positive().default(2),
    relevance: z
      .object({
        threshold: z.number().positive().default(2),
        terms: z.array(termSchema).min(1),
        exclude: z.array(termSchema).default([]),
        /** Topics whose own evidence makes an item relevant by itself (therapy topics, not diseases). */
        impliedBy: z.array(z.enum(TOPIC_IDS)).default([]),
      })
      .strict(),
    // partialRecord + the check below: a missing topic gets a message that names it.
    topics: z.partialRecord(z.enum(TOPIC_IDS), topicSchema),
  })
  .strict()
  .superRefine((vocabulary, context) => {
    for (const id of TOPIC_IDS) {
      if (!vocabulary.topics[id])
        context.addIssue({ code: 'custom', path: ['topics', id], message: `topic "${id}" is missing` });
    }
  });

export type Vocabulary = z.output<typeof vocabularySchema>;

export type TopicDefinition = z.output<typeof topicSchema>;

/** Labels and descriptions for pages and emails, in canonical topic order. */
export function topicLabels(vocabulary: Vocabulary): { id: TopicId; label: string; description: string }[] {
  return TOPIC_IDS.map((id) => {
    const topic = vocabulary.topics[id]!;
    return { id, label: topic.label, description: topic.description };
  });
}
