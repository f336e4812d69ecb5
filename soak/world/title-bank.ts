import type { TopicId } from '../../functions/model/topics.ts';

/**
 * Titles of the simulated works, each with the topics it is about. `{name}` becomes a made-up
 * cohort name and every title ends with the work's code, so no two works share a title. The
 * generator checks every title it makes against the real tagger before the soak starts: the
 * soak's expectations (who should get which work) rest on these labels being what the tagger
 * says, and a vocabulary change that breaks one stops the soak at once, naming the title.
 *
 * Weights shape the flow: kidney cancer is rare on purpose, so readers who follow only it
 * sometimes have a week with nothing new (the planner's "skipped" path).
 */
export interface TitleTemplate {
  readonly topics: readonly TopicId[];
  readonly template: string;
  readonly weight: number;
}

export const TITLE_BANK: readonly TitleTemplate[] = [
  {
    topics: ['car-t'],
    weight: 4,
    template: 'CAR T-cell therapy for refractory disease: results from the {name} cohort',
  },
  { topics: ['car-t'], weight: 3, template: 'Axicabtagene ciloleucel in the {name} registry' },
  {
    topics: ['car-t'],
    weight: 2,
    template: 'Tumour-infiltrating lymphocyte therapy in the {name} programme',
  },
  {
    topics: ['checkpoint-inhibitors'],
    weight: 4,
    template: 'Pembrolizumab after surgery: the {name} cohort',
  },
  {
    topics: ['checkpoint-inhibitors'],
    weight: 3,
    template: 'PD-1 blockade in advanced solid tumours: the {name} trial',
  },
  { topics: ['checkpoint-inhibitors'], weight: 3, template: 'Atezolizumab maintenance in the {name} study' },
  {
    topics: ['vaccines'],
    weight: 3,
    template: 'Neoantigen cancer vaccine primes T cells in the {name} trial',
  },
  { topics: ['vaccines'], weight: 2, template: 'Dendritic cell vaccine for glioblastoma: the {name} study' },
  { topics: ['antibodies'], weight: 3, template: 'Bispecific T-cell engager therapy in the {name} cohort' },
  { topics: ['antibodies'], weight: 2, template: 'Antibody-drug conjugate outcomes in the {name} cohort' },
  {
    topics: ['autoimmune'],
    weight: 2,
    template: 'Abatacept immunotherapy for rheumatoid arthritis in the {name} cohort',
  },
  {
    topics: ['autoimmune'],
    weight: 2,
    template: 'Immune tolerance therapy in type 1 diabetes: the {name} trial',
  },
  {
    topics: ['leukemia'],
    weight: 3,
    template: 'Immunotherapy for acute lymphoblastic leukemia in the {name} cohort',
  },
  { topics: ['leukemia'], weight: 2, template: 'Immunotherapy in multiple myeloma: the {name} registry' },
  { topics: ['melanoma'], weight: 3, template: 'Immunotherapy for metastatic melanoma in the {name} cohort' },
  { topics: ['melanoma'], weight: 1, template: 'Immunotherapy for Merkel cell carcinoma: the {name} series' },
  {
    topics: ['lung-cancer'],
    weight: 3,
    template: 'Immunotherapy for non-small cell lung cancer in the {name} cohort',
  },
  { topics: ['lung-cancer'], weight: 1, template: 'Immunotherapy for mesothelioma: the {name} trial' },
  {
    topics: ['kidney-cancer'],
    weight: 0.5,
    template: 'Immunotherapy for renal cell carcinoma in the {name} cohort',
  },
  {
    topics: ['side-effects'],
    weight: 3,
    template: 'Immune-related adverse events during immunotherapy in the {name} cohort',
  },
  {
    topics: ['car-t', 'side-effects'],
    weight: 2,
    template: 'Cytokine release syndrome after cell therapy: the {name} registry',
  },
  {
    topics: ['combination-therapy'],
    weight: 2,
    template: 'Immunotherapy combined with radiotherapy in the {name} cohort',
  },
  {
    topics: ['combination-therapy'],
    weight: 2,
    template: 'Chemoimmunotherapy versus immunotherapy alone: the {name} trial',
  },
  {
    topics: ['access'],
    weight: 2,
    template: 'Cost of immunotherapy and insurance coverage in the {name} cohort',
  },
  { topics: ['access'], weight: 1, template: 'Travel distance to immunotherapy centres: the {name} survey' },
  {
    topics: ['checkpoint-inhibitors', 'melanoma'],
    weight: 3,
    template: 'Nivolumab for advanced melanoma in the {name} cohort',
  },
  {
    topics: ['car-t', 'leukemia'],
    weight: 2,
    template: 'CAR T-cell therapy for multiple myeloma: the {name} cohort',
  },
  {
    topics: ['checkpoint-inhibitors', 'lung-cancer'],
    weight: 3,
    template: 'Pembrolizumab for non-small cell lung cancer in the {name} trial',
  },
  {
    topics: ['checkpoint-inhibitors', 'side-effects'],
    weight: 2,
    template: 'Checkpoint inhibitor colitis in the {name} cohort',
  },
];

/** Plain summaries that add no topic of their own (the generator checks that too). */
export const SUMMARIES: readonly string[] = [
  'Investigators report outcomes from a multicentre cohort followed for a median of {months} months.',
  'A prospective analysis of {count} patients treated at {centres} centres, with response and survival.',
  'Results of an open-label study, with the investigators’ assessment of what they mean for practice.',
  'The authors describe a real-world series and compare it with the published trials.',
];

/** Syllables of the made-up cohort names ("Kavorin", "Selmidar"): no drug-name endings among them. */
export const NAME_SYLLABLES = ['ka', 'vo', 'rin', 'sel', 'mi', 'dar', 'lo', 'pen', 'tu', 'bra', 'hes', 'qui'];
