import { z } from 'zod';
import { ContentError } from '../errors.ts';
import { TOPIC_IDS, topicIdSchema, type TopicId } from '../../model/topics.ts';
import type { Tagger } from './tagger.ts';

/**
 * Scoring of the tagger against labelled titles (the project's sets in test/fixtures/tagging/, or
 * any folder of sets in the same JSON-lines format): per-topic precision, recall and F1, micro-F1
 * over all topic assignments, and the accuracy of the relevance decision. Titles only, as the
 * evaluation sets are.
 */

const labelledTitleSchema = z.looseObject({
  title: z.string().min(1),
  relevant: z.boolean(),
  topics: z.array(topicIdSchema),
});

export interface LabelledTitle {
  readonly title: string;
  readonly relevant: boolean;
  readonly topics: readonly TopicId[];
}

/** Parses a JSON-lines evaluation set; a bad line fails with the set's name and the line number. */
export function parseLabelledTitles(jsonLines: string, setName: string): LabelledTitle[] {
  const items: LabelledTitle[] = [];
  jsonLines.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ContentError(`${setName} line ${index + 1}: not JSON`, { cause: error });
    }
    const parsed = labelledTitleSchema.safeParse(value);
    if (!parsed.success)
      throw new ContentError(
        `${setName} line ${index + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      );
    items.push({ title: parsed.data.title, relevant: parsed.data.relevant, topics: parsed.data.topics });
  });
  if (items.length === 0) throw new ContentError(`${setName}: no labelled titles`);
  return items;
}

export interface TopicQuality {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Items labelled with the topic. */
  readonly support: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
}

export interface Mistake {
  readonly title: string;
  readonly expected: readonly TopicId[];
  readonly predicted: readonly TopicId[];
  readonly expectedRelevant: boolean;
  readonly predictedRelevant: boolean;
}

export interface SetQuality {
  readonly items: number;
  readonly microPrecision: number;
  readonly microRecall: number;
  readonly microF1: number;
  readonly relevanceAccuracy: number;
  readonly perTopic: Readonly<Record<TopicId, TopicQuality>>;
  /** Items whose topics or relevance differ from the labels. */
  readonly mistakes: readonly Mistake[];
}

/** Tags every title (title only, as a broad source's item) and scores the result against its labels. */
export function evaluateTagger(tagger: Tagger, items: readonly LabelledTitle[]): SetQuality {
  const counts = Object.fromEntries(TOPIC_IDS.map((id) => [id, { tp: 0, fp: 0, fn: 0 }])) as Record<
    TopicId,
    { tp: number; fp: number; fn: number }
  >;
  let relevanceCorrect = 0;
  const mistakes: Mistake[] = [];

  for (const item of items) {
    const result = tagger({ title: item.title });
    const predicted = TOPIC_IDS.filter((id) => (result.topics[id] ?? 0) > 0);
    const expected = new Set(item.topics);
    for (const id of TOPIC_IDS) {
      const isPredicted = predicted.includes(id);
      if (isPredicted && expected.has(id)) counts[id].tp += 1;
      else if (isPredicted) counts[id].fp += 1;
      else if (expected.has(id)) counts[id].fn += 1;
    }
    if (result.relevant === item.relevant) relevanceCorrect += 1;
    const topicsDiffer = predicted.length !== expected.size || predicted.some((id) => !expected.has(id));
    if (topicsDiffer || result.relevant !== item.relevant)
      mistakes.push({
        title: item.title,
        expected: TOPIC_IDS.filter((id) => expected.has(id)),
        predicted,
        expectedRelevant: item.relevant,
        predictedRelevant: result.relevant,
      });
  }

  const perTopic = Object.fromEntries(
    TOPIC_IDS.map((id) => {
      const { tp, fp, fn } = counts[id];
      return [
        id,
        { ...prf(tp, fp, fn), support: tp + fn, truePositives: tp, falsePositives: fp, falseNegatives: fn },
      ];
    }),
  ) as Record<TopicId, TopicQuality>;
  const total = Object.values(counts).reduce(
    (sum, count) => ({ tp: sum.tp + count.tp, fp: sum.fp + count.fp, fn: sum.fn + count.fn }),
    { tp: 0, fp: 0, fn: 0 },
  );
  const micro = prf(total.tp, total.fp, total.fn);
  return {
    items: items.length,
    microPrecision: micro.precision,
    microRecall: micro.recall,
    microF1: micro.f1,
    relevanceAccuracy: items.length === 0 ? 0 : relevanceCorrect / items.length,
    perTopic,
    mistakes,
  };
}

/** Precision, recall and F1; a topic never predicted and never labelled scores 1 (nothing to get wrong). */
function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? (fn === 0 ? 1 : 0) : tp / (tp + fp);
  const recall = tp + fn === 0 ? (fp === 0 ? 1 : 0) : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** The quality every evaluation set must reach (issue 3): micro-F1 and relevance accuracy, titles only. */
export const TAGGING_TARGETS = { microF1: 0.9, relevanceAccuracy: 0.95 } as const;

/** Whether a set reaches {@link TAGGING_TARGETS}. */
export function meetsTargets(quality: Pick<SetQuality, 'microF1' | 'relevanceAccuracy'>): boolean {
  return (
    quality.microF1 >= TAGGING_TARGETS.microF1 &&
    quality.relevanceAccuracy >= TAGGING_TARGETS.relevanceAccuracy
  );
}
