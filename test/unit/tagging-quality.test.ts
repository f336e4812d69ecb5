import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { evaluateTagger, TAGGING_TARGETS } from '../../functions/core/tagging/evaluation.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { TOPIC_IDS } from '../../functions/model/topics.ts';
import { evaluationSets, loadEvaluationSet } from '../../scripts/tagging-eval-sets.ts';

/**
 * The quality gate of content/topics.yaml on the project's labelled sets (test/fixtures/tagging/:
 * the journal and news development sets and the held-out set), titles only: micro-F1 ≥ 0.90 and
 * relevance accuracy ≥ 0.95. A vocabulary edit that regresses fails here;
 * `npm run eval:tagging -- --mistakes` shows which titles and why.
 */
let tag: Tagger;

beforeAll(async () => {
  tag = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
});

describe.each(evaluationSets())('tagging quality on $description', (set) => {
  it(`reaches micro-F1 ${TAGGING_TARGETS.microF1} and relevance accuracy ${TAGGING_TARGETS.relevanceAccuracy}`, async () => {
    // Prepare
    const items = await loadEvaluationSet(set);

    // Act
    const quality = evaluateTagger(tag, items);

    // Assess (the mistakes ride along so a failure says which titles went wrong)
    const summary = {
      microF1: quality.microF1,
      relevanceAccuracy: quality.relevanceAccuracy,
      mistakes: quality.mistakes,
    };
    expect(quality.microF1, JSON.stringify(summary, null, 1)).toBeGreaterThanOrEqual(TAGGING_TARGETS.microF1);
    expect(quality.relevanceAccuracy, JSON.stringify(summary, null, 1)).toBeGreaterThanOrEqual(
      TAGGING_TARGETS.relevanceAccuracy,
    );
  });
});

describe('the project labelled sets', () => {
  it('share no title, so tuning on the development sets cannot leak into the held-out set', async () => {
    // Prepare
    const sets = await Promise.all(evaluationSets().map(loadEvaluationSet));

    // Act
    const titles = sets.flat().map((item) => item.title.toLowerCase());

    // Assess
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('label every topic in each development set, with negatives beside them', async () => {
    // Prepare
    const developmentSets = evaluationSets().filter((set) => set.key !== 'heldOut');

    for (const set of developmentSets) {
      // Act
      const items = await loadEvaluationSet(set);
      const labelled = new Set(items.flatMap((item) => item.topics));

      // Assess
      expect(
        [...TOPIC_IDS].filter((id) => !labelled.has(id)),
        set.description,
      ).toEqual([]);
      expect(items.filter((item) => !item.relevant).length, set.description).toBeGreaterThanOrEqual(20);
    }
  });
});
