import { describe, expect, it } from 'vitest';
import { prepareForSelection, selectPrepared, topicsKey } from '../../functions/core/digest/select.ts';
import { anArticle } from '../../testkit/fakes.ts';

const now = new Date('2026-11-26T12:00:00Z');
const limits = { maxPerTopic: 5, maxArticles: 25 };

// A planner keeps thousands of selections over the same few hundred articles: at 100,000 readers
// their copies of each entry and topic list were a third of what the run held (bench:digest).
describe('selections of one planning run share their entries', () => {
  const both = anArticle({ topics: { 'car-t': 4, leukemia: 3 } });
  const cart = anArticle({ topics: { 'car-t': 5 } });
  const prepared = prepareForSelection([both, cart], now);

  it('gives two readers the same entry object for the same article and matched topics', () => {
    const first = selectPrepared(prepared, ['car-t', 'leukemia'], limits);
    const second = selectPrepared(prepared, ['leukemia', 'car-t', 'melanoma'], limits);
    const entryOf = (selection: typeof first, id: string) =>
      selection.sections.flatMap((section) => section.articles).find((entry) => entry.articleId === id)!;

    expect(entryOf(second, both.id)).toBe(entryOf(first, both.id));
    expect(entryOf(first, both.id).matchedTopics).toEqual(['car-t', 'leukemia']);
  });

  it('keeps entries apart where they differ: other matched topics, or recruiting here', () => {
    const wide = selectPrepared(prepared, ['car-t', 'leukemia'], limits);
    const narrow = selectPrepared(prepared, ['car-t'], limits);
    const entry = (selection: typeof wide) =>
      selection.sections.flatMap((section) => section.articles).find((e) => e.articleId === both.id)!;

    expect(entry(narrow)).not.toBe(entry(wide));
    expect(entry(narrow).matchedTopics).toEqual(['car-t']);
  });

  it('freezes what it shares, so no reader’s job can change another’s', () => {
    const selection = selectPrepared(prepared, ['car-t', 'leukemia'], limits);
    const entry = selection.sections[0]!.articles[0]!;

    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry.matchedTopics)).toBe(true);
    expect(() => (entry.matchedTopics as string[]).push('melanoma')).toThrow(TypeError);
  });
});

describe('topicsKey', () => {
  it('names a topic set in canonical order, whatever the order or repeats it came in', () => {
    expect(topicsKey(['leukemia', 'car-t', 'leukemia'])).toBe('car-t,leukemia');
    expect(topicsKey(['car-t', 'leukemia'])).toBe(topicsKey(['leukemia', 'car-t']));
    expect(topicsKey([])).toBe('');
  });
});
