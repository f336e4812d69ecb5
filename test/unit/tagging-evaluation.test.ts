import { describe, expect, it } from 'vitest';
import { ContentError } from '../../functions/core/errors.ts';
import {
  evaluateTagger,
  meetsTargets,
  parseLabelledTitles,
} from '../../functions/core/tagging/evaluation.ts';
import type { Tagger } from '../../functions/core/tagging/tagger.ts';
import type { TopicScores } from '../../functions/model/articles.ts';

/** A tagger that answers from a table, so the arithmetic of the scores is checked alone. */
function fakeTagger(answers: Record<string, { topics: TopicScores; relevant: boolean }>): Tagger {
  return ({ title }) => answers[title] ?? { topics: {}, relevant: false };
}

describe('evaluateTagger', () => {
  it('computes per-topic precision, recall, F1 and support, micro-F1 and relevance accuracy', () => {
    // Prepare: one right, one with an extra topic, one missing a topic, one wrongly relevant.
    const tagger = fakeTagger({
      a: { topics: { melanoma: 2 }, relevant: true },
      b: { topics: { melanoma: 2, access: 2 }, relevant: true },
      c: { topics: {}, relevant: true },
      d: { topics: {}, relevant: true },
    });
    const items = [
      { title: 'a', relevant: true, topics: ['melanoma' as const] },
      { title: 'b', relevant: true, topics: ['melanoma' as const] },
      { title: 'c', relevant: true, topics: ['melanoma' as const] },
      { title: 'd', relevant: false, topics: [] },
    ];

    // Act
    const quality = evaluateTagger(tagger, items);

    // Assess: 2 TP, 1 FP (access), 1 FN (melanoma of c).
    expect(quality.perTopic.melanoma).toMatchObject({ precision: 1, recall: 2 / 3, support: 3 });
    expect(quality.perTopic.access).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(quality.perTopic['car-t']).toMatchObject({ precision: 1, recall: 1, f1: 1, support: 0 });
    expect(quality.microPrecision).toBeCloseTo(2 / 3);
    expect(quality.microRecall).toBeCloseTo(2 / 3);
    expect(quality.microF1).toBeCloseTo(2 / 3);
    expect(quality.relevanceAccuracy).toBe(0.75);
    expect(quality.mistakes.map((mistake) => mistake.title)).toEqual(['b', 'c', 'd']);
  });

  it('judges a set against the targets', () => {
    expect(meetsTargets({ microF1: 0.9, relevanceAccuracy: 0.95 })).toBe(true);
    expect(meetsTargets({ microF1: 0.89, relevanceAccuracy: 1 })).toBe(false);
    expect(meetsTargets({ microF1: 1, relevanceAccuracy: 0.94 })).toBe(false);
  });
});

describe('parseLabelledTitles', () => {
  it('reads JSON lines and keeps title, relevance and topics', () => {
    const items = parseLabelledTitles(
      '{"title": "A", "relevant": true, "topics": ["car-t"], "source": "x"}\n\n{"title": "B", "relevant": false, "topics": []}\n',
      'set.jsonl',
    );

    expect(items).toEqual([
      { title: 'A', relevant: true, topics: ['car-t'] },
      { title: 'B', relevant: false, topics: [] },
    ]);
  });

  it('names the set and the line of a bad entry', () => {
    expect(() =>
      parseLabelledTitles('{"title": "A", "relevant": true, "topics": []}\nnot json', 'set.jsonl'),
    ).toThrow(new ContentError('set.jsonl line 2: not JSON'));
    expect(() =>
      parseLabelledTitles('{"title": "A", "relevant": true, "topics": ["cars"]}', 'set.jsonl'),
    ).toThrow(/set\.jsonl line 1: topics\.0: /);
  });

  it('refuses an empty set', () => {
    expect(() => parseLabelledTitles('\n', 'set.jsonl')).toThrow('set.jsonl: no labelled titles');
  });
});
