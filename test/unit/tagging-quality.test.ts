import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { evaluateTagger, TAGGING_TARGETS } from '../../functions/core/tagging/evaluation.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { evaluationSets, loadEvaluationSet } from '../../scripts/tagging-eval-sets.ts';

/**
 * The quality gate of content/topics.yaml: on the two shared samples (../shared/eval, beside the
 * project in CI too) and the project's held-out set, titles only, micro-F1 ≥ 0.90 and relevance
 * accuracy ≥ 0.95. A vocabulary edit that regresses fails here; `npm run eval:tagging -- --mistakes`
 * shows which titles and why.
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
