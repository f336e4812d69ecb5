import { describe, expect, it } from 'vitest';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { vocabularySchema } from '../../functions/core/tagging/vocabulary.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';

/**
 * The tagger's rules, each on a vocabulary of a few words so the rule alone decides. Every
 * topic not under test gets a word no title contains.
 */
function taggerWith(
  topics: Partial<Record<TopicId, Record<string, unknown>>>,
  extra: { cues?: Record<string, unknown[]>; relevance?: Record<string, unknown> } = {},
): Tagger {
  const vocabulary = vocabularySchema.parse({
    cues: extra.cues ?? {},
    relevance: { terms: ['immunotherapy'], ...extra.relevance },
    topics: Object.fromEntries(
      TOPIC_IDS.map((id) => [
        id,
        { label: id, description: `the ${id} topic of the test`, terms: ['zzzunused'], ...topics[id] },
      ]),
    ),
  });
  return createTagger(vocabulary);
}

const topicsOf = (tag: Tagger, title: string, summary?: string) =>
  Object.keys(tag({ title, ...(summary ? { summary } : {}), assumeRelevant: true }).topics);

describe('matching words', () => {
  it('matches a case-sensitive abbreviation only in its capitals', () => {
    // Prepare
    const tag = taggerWith({ leukemia: { terms: [{ phrase: 'ALL', caseSensitive: true }] } });

    // Act / Assess
    expect(topicsOf(tag, 'Blinatumomab in adult ALL')).toEqual(['leukemia']);
    expect(topicsOf(tag, 'Blinatumomab for all adults')).toEqual([]);
  });

  it('does not trust case-sensitive words in a headline written in capitals', () => {
    const tag = taggerWith({ leukemia: { terms: [{ phrase: 'ALL', caseSensitive: true }] } });

    expect(topicsOf(tag, 'FDA APPROVES NEW DRUG FOR ALL PATIENTS WITH MELANOMA')).toEqual([]);
  });

  it('matches whole words only', () => {
    const tag = taggerWith({
      'car-t': { terms: [{ phrase: 'CAR', caseSensitive: true }] },
      'checkpoint-inhibitors': { terms: ['PD-1'] },
      antibodies: { terms: [{ suffix: 'mab', minLength: 7 }] },
    });

    expect(topicsOf(tag, 'CARDIOLOGY and CARS')).toEqual([]);
    expect(topicsOf(tag, 'PD-10 levels in Punjab')).toEqual([]);
    expect(topicsOf(tag, 'CAR cells, anti-PD-1 and rituximab')).toEqual([
      'car-t',
      'checkpoint-inhibitors',
      'antibodies',
    ]);
  });

  it('treats spaces, hyphens and slashes between words alike', () => {
    const tag = taggerWith({ 'car-t': { terms: ['CAR T'] } });

    for (const title of ['CAR-T for lymphoma', 'CAR T-cell therapy', 'CAR/T cells', 'Two CAR T products'])
      expect(topicsOf(tag, title)).toEqual(['car-t']);
  });

  it('lets the last word be plural, acronyms included', () => {
    const tag = taggerWith({
      'checkpoint-inhibitors': { terms: ['checkpoint inhibitor', { phrase: 'ICI', caseSensitive: true }] },
      'side-effects': { terms: ['toxicity'] },
    });

    expect(topicsOf(tag, 'Checkpoint inhibitors in the elderly')).toEqual(['checkpoint-inhibitors']);
    expect(topicsOf(tag, 'ICIs in the elderly')).toEqual(['checkpoint-inhibitors']);
    expect(topicsOf(tag, 'Toxicities of new drugs')).toEqual(['side-effects']);
  });

  it('reads British and American spellings as one word', () => {
    const tag = taggerWith({ leukemia: { terms: ['leukemia'] }, vaccines: { terms: ['tumor vaccine'] } });

    expect(topicsOf(tag, 'Leukaemia in children')).toEqual(['leukemia']);
    expect(topicsOf(tag, 'A tumour vaccine, randomised')).toEqual(['vaccines']);
  });

  it('ignores accents, typographic dashes and trademark signs', () => {
    const tag = taggerWith({
      autoimmune: { terms: ['Sjogren'] },
      antibodies: { terms: ['antibody-drug conjugate'] },
      'checkpoint-inhibitors': { terms: ['Keytruda'] },
    });

    expect(topicsOf(tag, 'Sjögren’s disease')).toEqual(['autoimmune']);
    expect(topicsOf(tag, 'Antibody–drug conjugates')).toEqual(['antibodies']);
    expect(topicsOf(tag, 'KEYTRUDA® approved')).toEqual(['checkpoint-inhibitors']);
  });

  it('applies a naming rule (suffix) to any word ending so, plural included', () => {
    const tag = taggerWith({ antibodies: { terms: [{ suffix: 'vedotin' }] } });

    expect(topicsOf(tag, 'Brentuximab vedotin and other vedotins')).toEqual(['antibodies']);
  });

  it('matches a pattern on the normalised text', () => {
    const tag = taggerWith({ 'car-t': { terms: [{ pattern: '\\b[a-z]{2,7}-cel\\b' }] } });

    expect(topicsOf(tag, 'Cilta-cel versus standard care')).toEqual(['car-t']);
    expect(topicsOf(tag, 'Excel spreadsheets')).toEqual([]);
  });
});

describe('scoring', () => {
  const tag = taggerWith({ access: { terms: ['cost', 'insurance'] } });

  it('tags a topic from one word in the title', () => {
    expect(tag({ title: 'The cost of care', assumeRelevant: true }).topics).toEqual({ access: 2 });
  });

  it('needs two words when they are only in the summary: title words weigh twice', () => {
    expect(tag({ title: 'News', summary: 'About cost.', assumeRelevant: true }).topics).toEqual({});
    expect(tag({ title: 'News', summary: 'Cost and insurance.', assumeRelevant: true }).topics).toEqual({
      access: 2,
    });
  });

  it('counts a word once however often it repeats', () => {
    expect(tag({ title: 'Cost, cost, cost', assumeRelevant: true }).topics).toEqual({ access: 2 });
  });

  it('counts a word in the title and another in the summary at their own weights', () => {
    expect(tag({ title: 'Cost', summary: 'insurance', assumeRelevant: true }).topics).toEqual({ access: 3 });
  });
});

describe('exclusions and ignored words', () => {
  it('cancels a topic when an excluded word is in the title', () => {
    const tag = taggerWith({ vaccines: { terms: ['cancer vaccine'], exclude: ['influenza'] } });

    expect(topicsOf(tag, 'Influenza and the cancer vaccine')).toEqual([]);
  });

  it('voids only the summary evidence when the excluded word is in the summary', () => {
    const tag = taggerWith({
      vaccines: { terms: [{ phrase: 'cancer vaccine', weight: 2 }], exclude: ['influenza'] },
    });

    expect(topicsOf(tag, 'News', 'A cancer vaccine. Also influenza.')).toEqual([]);
    expect(topicsOf(tag, 'A cancer vaccine', 'Also influenza.')).toEqual(['vaccines']);
  });

  it('hides ignored phrases from the topic but not the same word elsewhere', () => {
    const tag = taggerWith({ access: { terms: ['access'], ignore: ['expanded access'] } });

    expect(topicsOf(tag, 'An expanded access programme')).toEqual([]);
    expect(topicsOf(tag, 'Expanded access and access to care')).toEqual(['access']);
  });
});

describe('cues and conjunctions', () => {
  const cues = {
    vaccine: ['vaccine'],
    cancer: ['cancer', 'melanoma'],
    agent: ['nivolumab', 'ipilimumab', 'ciltacabtagene', { suffix: 'leucel' }],
    checkpoint: ['nivolumab'],
    toxicity: ['colitis'],
  };

  it('counts any word of a cue once', () => {
    const tag = taggerWith({ melanoma: { terms: [{ cue: 'cancer' }] } }, { cues });

    expect(tag({ title: 'Melanoma is a cancer', assumeRelevant: true }).topics).toEqual({ melanoma: 2 });
  });

  it('needs every cue of an allOf term, and may find them across title and summary', () => {
    const tag = taggerWith({ vaccines: { terms: [{ allOf: ['vaccine', 'cancer'], weight: 2 }] } }, { cues });

    expect(topicsOf(tag, 'A new vaccine')).toEqual([]);
    expect(topicsOf(tag, 'A new vaccine for melanoma')).toEqual(['vaccines']);
    expect(topicsOf(tag, 'A new vaccine', 'Tested in melanoma.')).toEqual(['vaccines']);
  });

  it('finds a pair only when two different names are joined by a joining word', () => {
    const tag = taggerWith({ 'combination-therapy': { terms: [{ pairOf: 'agent' }] } }, { cues });

    expect(topicsOf(tag, 'Nivolumab and ipilimumab in melanoma')).toEqual(['combination-therapy']);
    expect(topicsOf(tag, 'Nivolumab/ipilimumab')).toEqual(['combination-therapy']);
    expect(topicsOf(tag, 'Nivolumab, ipilimumab: a review')).toEqual([]);
    // Two words of one product's name are one place, not two drugs.
    expect(topicsOf(tag, 'Ciltacabtagene autoleucel and outcomes')).toEqual([]);
  });

  it('drops a term whose `unless` cue is in the same text', () => {
    const tag = taggerWith(
      { antibodies: { terms: [{ phrase: 'infliximab', unless: ['toxicity'] }] } },
      { cues },
    );

    expect(topicsOf(tag, 'Infliximab in Crohn disease')).toEqual(['antibodies']);
    expect(topicsOf(tag, 'Infliximab for checkpoint colitis')).toEqual([]);
  });

  it('lets a naming rule speak only for names its `except` cue does not list', () => {
    const tag = taggerWith(
      { antibodies: { terms: [{ suffix: 'mab', minLength: 7, except: ['checkpoint'] }] } },
      { cues },
    );

    expect(topicsOf(tag, 'Nivolumab in melanoma')).toEqual([]);
    expect(topicsOf(tag, 'Rituximab in lymphoma')).toEqual(['antibodies']);
  });

  it('keeps a topic with requirements only beside a required topic or cue', () => {
    const tag = taggerWith(
      {
        'checkpoint-inhibitors': { terms: [{ cue: 'checkpoint' }] },
        'combination-therapy': {
          terms: ['plus'],
          requires: { topics: ['checkpoint-inhibitors'], cues: ['vaccine'] },
        },
      },
      { cues },
    );

    expect(topicsOf(tag, 'Dabrafenib plus trametinib')).toEqual([]);
    expect(topicsOf(tag, 'Nivolumab plus chemotherapy')).toEqual([
      'checkpoint-inhibitors',
      'combination-therapy',
    ]);
    expect(topicsOf(tag, 'A vaccine plus radiation')).toEqual(['combination-therapy']);
  });
});

describe('relevance', () => {
  const tag = taggerWith(
    { 'lung-cancer': { terms: ['lung cancer'] }, 'checkpoint-inhibitors': { terms: ['nivolumab'] } },
    { relevance: { terms: ['immunotherapy'], impliedBy: ['checkpoint-inhibitors'] } },
  );

  it('gives a broad-source item that is not relevant no topics at all', () => {
    expect(tag({ title: 'Lobectomy for lung cancer' })).toEqual({ topics: {}, relevant: false });
  });

  it('keeps disease topics of a relevant item', () => {
    expect(tag({ title: 'Immunotherapy for lung cancer' })).toEqual({
      topics: { 'lung-cancer': 2 },
      relevant: true,
    });
  });

  it('makes an item relevant through a therapy topic named in impliedBy', () => {
    expect(tag({ title: 'Nivolumab for lung cancer' }).relevant).toBe(true);
  });

  it('keeps the topics of a focused source without relevance words', () => {
    expect(tag({ title: 'Lobectomy for lung cancer', assumeRelevant: true }).topics).toEqual({
      'lung-cancer': 2,
    });
  });

  it('explains which words counted when asked', () => {
    const vocabulary = vocabularySchema.parse({
      relevance: { terms: ['immunotherapy'] },
      topics: Object.fromEntries(
        TOPIC_IDS.map((id) => [id, { label: id, description: `the ${id} topic of the test`, terms: [id] }]),
      ),
    });
    const explained = createTagger(vocabulary, { explain: true })({
      title: 'Immunotherapy in melanoma',
      summary: 'access',
    });

    expect(explained.evidence).toEqual({
      melanoma: ['title: melanoma'],
      relevance: ['title: immunotherapy'],
    });
  });
});

describe('the vocabulary schema', () => {
  const topics = Object.fromEntries(
    TOPIC_IDS.map((id) => [id, { label: id, description: `the ${id} topic of the test`, terms: ['x1'] }]),
  );
  const issuesOf = (input: unknown) =>
    vocabularySchema
      .safeParse(input)
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('names an unknown cue and where it is used', () => {
    expect(
      issuesOf({
        relevance: { terms: [{ cue: 'nope' }] },
        topics: { ...topics, melanoma: { ...topics.melanoma, terms: [{ allOf: ['a', 'b'] }] } },
        cues: { a: ['x'] },
      }),
    ).toEqual([
      'relevance.terms.0.cue: unknown cue "nope"',
      'topics.melanoma.terms.0.allOf.1: unknown cue "b"',
    ]);
  });

  it('refuses a cue that includes itself', () => {
    expect(
      issuesOf({ relevance: { terms: ['x'] }, topics, cues: { a: [{ cue: 'b' }], b: [{ cue: 'a' }] } }),
    ).toEqual(['cues.a: cue "a" includes itself', 'cues.b: cue "b" includes itself']);
  });

  it('refuses a pattern that is not a regular expression', () => {
    expect(issuesOf({ relevance: { terms: [{ pattern: '(unclosed' }] }, topics })).toContain(
      'relevance.terms.0.pattern: not a valid regular expression',
    );
  });

  it('refuses to require a topic that has requirements of its own', () => {
    const withRequirements = {
      ...topics,
      access: { ...topics.access, requires: { topics: ['melanoma'] } },
      melanoma: { ...topics.melanoma, requires: { topics: ['access'] } },
    };

    expect(issuesOf({ relevance: { terms: ['x'] }, topics: withRequirements })).toEqual([
      'topics.melanoma.requires.topics.0: topic "access" has requirements of its own and cannot be required',
      'topics.access.requires.topics.0: topic "melanoma" has requirements of its own and cannot be required',
    ]);
  });
});
