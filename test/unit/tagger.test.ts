import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { topicLabels, vocabularySchema } from '../../functions/core/tagging/vocabulary.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';

/**
 * The project vocabulary (content/topics.yaml) on the hard cases of its topic scopes: titles
 * written for these tests, none of them from an evaluation set. Each row: title, topics, relevant.
 */
let tag: Tagger;

beforeAll(async () => {
  tag = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
});

type Case = readonly [title: string, topics: readonly TopicId[], relevant?: boolean];

function expectTags(cases: readonly Case[]): void {
  for (const [title, topics, relevant = true] of cases) {
    const result = tag({ title });
    expect({
      title,
      topics: TOPIC_IDS.filter((id) => id in result.topics),
      relevant: result.relevant,
    }).toEqual({
      title,
      topics: [...topics],
      relevant,
    });
  }
}

describe('the tagger with the project vocabulary', () => {
  it('tags a CAR-T leukemia title with both topics and calls it relevant', () => {
    const result = tag({
      title: 'CAR T-Cell Therapy Brings Lasting Remissions to Adults with Acute Lymphoblastic Leukemia',
    });

    expect(result.relevant).toBe(true);
    expect(Object.keys(result.topics).sort()).toEqual(['car-t', 'leukemia']);
  });

  it('recognises checkpoint drugs by name, brand or target', () => {
    expectTags([
      ['Adjuvant atezolizumab in PD-L1-positive NSCLC', ['checkpoint-inhibitors', 'lung-cancer']],
      ['Keytruda approved for a new use', ['checkpoint-inhibitors']],
      ['CTLA-4 blockade revisited', ['checkpoint-inhibitors']],
      ['Dostarlimab in rectal cancer', ['checkpoint-inhibitors']],
    ]);
  });

  it('calls a PD-1 antibody a checkpoint inhibitor, not one of the "antibodies"', () => {
    expectTags([
      ['Pembrolizumab monotherapy in cervical cancer', ['checkpoint-inhibitors']],
      ['Anti-PD-1 antibody therapy in gastric cancer', ['checkpoint-inhibitors', 'antibodies']],
      ['Rituximab maintenance in follicular lymphoma', ['antibodies', 'leukemia']],
      // An antibody not on any list is known by its INN stem.
      ['Sotatercept and zanzalitamab in myeloma', ['antibodies', 'leukemia']],
    ]);
  });

  it('knows CAR-T, cell therapy and their products by INN stem, brand and lay wording', () => {
    expectTags([
      ['Tisagenlecleucel in paediatric leukaemia', ['car-t', 'leukemia']],
      ['Axi-cel in second-line lymphoma', ['car-t', 'leukemia']],
      ['Yescarta gets new approval', ['car-t']],
      ['T-cell therapy shrinks sarcomas', ['car-t']],
      ['Gene therapy for leukaemia gives boy a second chance', ['car-t', 'leukemia']],
      ["Doctors reprogram a patient's own immune cells to fight lymphoma", ['car-t', 'leukemia']],
    ]);
  });

  it('finds combination therapy only when an immunotherapy is combined', () => {
    expectTags([
      ['Nivolumab plus ipilimumab in melanoma', ['checkpoint-inhibitors', 'melanoma', 'combination-therapy']],
      ['Nivolumab and ipilimumab in melanoma', ['checkpoint-inhibitors', 'melanoma', 'combination-therapy']],
      [
        'Pembrolizumab and chemotherapy for lung cancer',
        ['checkpoint-inhibitors', 'lung-cancer', 'combination-therapy'],
      ],
      ['Radiotherapy to boost immunotherapy responses', ['combination-therapy']],
      [
        'Durvalumab with axitinib in kidney cancer',
        ['checkpoint-inhibitors', 'kidney-cancer', 'combination-therapy'],
      ],
      // Not combinations: a comparator, a prior line, a trial name in parentheses, no immunotherapy.
      ['Nivolumab versus docetaxel in lung cancer', ['checkpoint-inhibitors', 'lung-cancer']],
      ['Avelumab in chemotherapy-refractory Merkel cell carcinoma', ['checkpoint-inhibitors', 'melanoma']],
      ['Keytruda (pembrolizumab) approved in gastric cancer', ['checkpoint-inhibitors']],
      ['Dabrafenib plus trametinib in melanoma', [], false],
    ]);
  });

  it('finds side effects: irAEs, CRS, ICANS, toxicity and their management', () => {
    expectTags([
      ['Immune-related adverse events in older patients', ['side-effects']],
      ['Cytokine release syndrome after teclistamab', ['antibodies', 'side-effects']],
      ['ICANS grading after CAR T cells', ['car-t', 'side-effects']],
      ['Steroids for checkpoint inhibitor pneumonitis', ['checkpoint-inhibitors', 'side-effects']],
      ['Nivolumab-induced myocarditis: a case report', ['checkpoint-inhibitors', 'side-effects']],
      // Infliximab treating the toxicity is its management, not the article's antibody.
      ['Infliximab for ipilimumab colitis', ['checkpoint-inhibitors', 'side-effects']],
      // Financial toxicity is about cost, and "efficacy and safety" is every trial's title.
      ['Financial toxicity of immunotherapy', ['access']],
      ['Efficacy and safety of avelumab in bladder cancer', ['checkpoint-inhibitors']],
      // The blood counts after CAR-T, and an organ's dysfunction in lay or clinical wording.
      ['Prolonged hematotoxicity after CAR T-cell infusion', ['car-t', 'side-effects']],
      ['Liver dysfunction on ipilimumab', ['checkpoint-inhibitors', 'side-effects']],
    ]);
  });

  it('finds access: cost, insurance, manufacturing, travel and equity', () => {
    expectTags([
      ['The price of CAR-T therapy', ['car-t', 'access']],
      ['Insurers refuse to pay for immunotherapy', ['access']],
      ['Manufacturing delays for CAR-T in myeloma', ['car-t', 'leukemia', 'access']],
      ['Telehealth follow-up after immunotherapy', ['access']],
      ['Rural patients travel far for cell therapy', ['car-t', 'access']],
      ['Expanded access programme for cemiplimab', ['checkpoint-inhibitors']],
      // Cost alone is not immunotherapy: a broad source's item stays out.
      ['Rising cost of cancer drugs', [], false],
    ]);
  });

  it('gives disease topics only to relevant items', () => {
    expectTags([
      ['Lobectomy versus segmentectomy in stage I non-small cell lung cancer', [], false],
      ['Sunitinib in metastatic renal cell carcinoma', [], false],
      ['Imatinib for chronic myeloid leukaemia', [], false],
      ['Immunotherapy for renal cell carcinoma', ['kidney-cancer']],
      ['Why melanoma responds to immune therapy', ['melanoma']],
      // A cancer named after its cell of origin is not the immune system at work; a drug for it may be.
      ['Oral azacitidine in peripheral T-cell lymphoma', [], false],
      ['Adult T-cell leukaemia-lymphoma: outcomes of chemotherapy', [], false],
      ['Mogamulizumab in cutaneous T-cell lymphoma', ['antibodies', 'leukemia']],
    ]);
  });

  it('knows autoimmune disease and its immunomodulating drugs', () => {
    expectTags([
      ['Adalimumab in rheumatoid arthritis', ['antibodies', 'autoimmune']],
      ['Upadacitinib, a JAK inhibitor, in ulcerative colitis', ['autoimmune']],
      ['Ocrelizumab (anti-CD20) in progressive MS', ['antibodies', 'autoimmune']],
      ['TNF inhibitors and pregnancy', ['autoimmune']],
      ['New drug approved for psoriasis', ['autoimmune']],
      // An autoimmune disease without an immune treatment is not this site's subject.
      ['Insulin pumps in type 1 diabetes', [], false],
    ]);
  });

  it('tells cancer vaccines from vaccines that prevent infection', () => {
    expectTags([
      ['Personalised neoantigen vaccine in melanoma', ['vaccines', 'melanoma']],
      ['mRNA cancer vaccine enters phase 3', ['vaccines']],
      ['Dendritic cell vaccination in glioblastoma', ['vaccines']],
      ['Flu shot advice for patients with cancer', [], false],
      ['Shingles vaccine for adults over 50', [], false],
      ['HPV vaccination cuts cervical cancer rates', [], false],
      // Relevant for the checkpoint inhibitor; the flu jab is no cancer vaccine.
      ['Flu jabs are safe during checkpoint inhibitor treatment', ['checkpoint-inhibitors']],
    ]);
  });

  it('understands lay wording about the immune system as therapy', () => {
    expectTags([
      ['New drug boosts the immune system to fight cancer', []],
      ['Immune therapy gives hope to patients', []],
      ['Natural killer cells trained to attack tumours', []],
      // An IL-15 superagonist, known by brand and code name.
      ['N-803 with BCG in carcinoma in situ of the bladder', []],
      ['Vitamin supplements and your immune system', [], false],
    ]);
  });

  it('keeps the topics of a focused source even without immunotherapy words', () => {
    const result = tag({ title: 'Outcomes in non-small cell lung cancer', assumeRelevant: true });

    expect(result.relevant).toBe(true);
    expect(result.topics).toHaveProperty('lung-cancer');
  });

  it('reads evidence from the summary when the title is vague', () => {
    const result = tag({
      title: 'A new option for patients',
      summary: 'The FDA approved pembrolizumab combined with chemotherapy for advanced cervical cancer.',
    });

    expect(result.relevant).toBe(true);
    expect(Object.keys(result.topics)).toEqual(['checkpoint-inhibitors', 'combination-therapy']);
  });
});

describe('the words that tagged each topic', () => {
  let withTerms: Tagger;

  beforeAll(async () => {
    withTerms = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')), {
      terms: true,
    });
  });

  it('reports, per topic, the words of its strongest term as the item writes them', () => {
    const result = withTerms({
      title: 'Nivolumab plus chemotherapy before surgery in non-small cell lung cancer',
      summary: 'Grade 3 immune-related adverse events were uncommon.',
    });

    expect(result.terms).toMatchObject({
      'checkpoint-inhibitors': 'Nivolumab',
      'lung-cancer': 'non-small cell lung cancer',
    });
    // Every topic tagged has its words, and no topic that was not tagged does.
    expect(Object.keys(result.terms ?? {}).sort()).toEqual(Object.keys(result.topics).sort());
  });

  it('prefers a title hit to a summary hit, and the text as written to the vocabulary’s spelling', () => {
    const result = withTerms({
      title: 'KEYTRUDA after surgery',
      summary: 'Patients received pembrolizumab.',
    });

    expect(result.terms?.['checkpoint-inhibitors']).toBe('KEYTRUDA');
  });

  it('reports nothing for an item that is not relevant, and nothing unless asked', () => {
    expect(withTerms({ title: 'Lobectomy for lung cancer' }).terms).toEqual({});
    expect(tag({ title: 'Nivolumab for lung cancer' })).not.toHaveProperty('terms');
  });
});

describe('the project vocabulary', () => {
  it('labels and describes every topic in one line for the subscribe page', async () => {
    const labels = topicLabels(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));

    expect(labels.map((topic) => topic.id)).toEqual([...TOPIC_IDS]);
    for (const topic of labels) expect(topic.description).not.toContain('\n');
  });
});

describe('the vocabulary schema', () => {
  it('names a missing topic', () => {
    const result = vocabularySchema.safeParse({ relevance: { terms: ['immunotherapy'] }, topics: {} });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('topic "car-t" is missing');
  });
});
