import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { vocabularySchema } from '../../functions/core/tagging/vocabulary.ts';

describe('the tagger with the project vocabulary', () => {
  let tag: Tagger;

  beforeAll(async () => {
    tag = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
  });

  it('tags a CAR-T leukemia title with both topics and calls it relevant', () => {
    const result = tag({
      title: 'CAR T-Cell Therapy Brings Lasting Remissions to Adults with Acute Lymphoblastic Leukemia',
    });

    expect(result.relevant).toBe(true);
    expect(Object.keys(result.topics).sort()).toEqual(['car-t', 'leukemia']);
  });

  it('recognises checkpoint drugs by name, brand or target', () => {
    expect(tag({ title: 'Adjuvant atezolizumab in PD-L1-positive NSCLC' }).topics).toHaveProperty(
      'checkpoint-inhibitors',
    );
    expect(tag({ title: 'Keytruda approved for a new use' }).topics).toHaveProperty('checkpoint-inhibitors');
  });

  it('gives an item that is not about immunotherapy no topics', () => {
    const result = tag({ title: 'Lobectomy versus segmentectomy in stage I non-small cell lung cancer' });

    expect(result).toEqual({ topics: {}, relevant: false });
  });

  it('keeps the topics of a focused source even without immunotherapy words', () => {
    const result = tag({ title: 'Outcomes in non-small cell lung cancer', assumeRelevant: true });

    expect(result.relevant).toBe(true);
    expect(result.topics).toHaveProperty('lung-cancer');
  });
});

describe('the vocabulary schema', () => {
  it('names a missing topic', () => {
    const result = vocabularySchema.safeParse({ relevance: { terms: ['immunotherapy'] }, topics: {} });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('topic "car-t" is missing');
  });
});
