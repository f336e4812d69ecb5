import path from 'node:path';
import { createEmailRenderer, type EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import type { DigestViewInput } from '../../functions/core/rendering/digest-view.ts';
import { loadTemplates, loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { topicLabels } from '../../functions/core/tagging/vocabulary.ts';
import type { TemplateFiles } from '../../functions/core/rendering/templates.ts';
import type { Article } from '../../functions/model/articles.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { anArticle } from '../../testkit/fakes.ts';

/** A realistic week of articles and a renderer over the project's real templates, for rendering tests. */

const ROOT = path.resolve(import.meta.dirname, '../..');

export const SITE_URL = 'https://immunotherapy-digest.example.org';
export const POSTAL_ADDRESS = 'Immunotherapy Digest, 100 Example Avenue, Suite 4, Springfield, MA 01101, USA';

export async function loadRenderingInputs(): Promise<{
  templates: TemplateFiles;
  labels: Record<TopicId, string>;
}> {
  const labels = Object.fromEntries(
    topicLabels(await loadVocabulary(path.join(ROOT, 'content'))).map((topic) => [topic.id, topic.label]),
  ) as Record<TopicId, string>;
  return { templates: await loadTemplates(path.join(ROOT, 'templates')), labels };
}

export async function createTestRenderer(
  options: { templates?: TemplateFiles; slotNonce?: string } = {},
): Promise<EmailRenderer> {
  const inputs = await loadRenderingInputs();
  return createEmailRenderer({
    templates: options.templates ?? inputs.templates,
    topicLabels: inputs.labels,
    siteUrl: SITE_URL,
    postalAddress: POSTAL_ADDRESS,
    mjml: { validationLevel: 'strict' },
    ...(options.slotNonce ? { slotNonce: options.slotNonce } : {}),
  });
}

/** Eight articles a reader of CAR-T, leukaemia, checkpoint inhibitors and side effects might get. */
export const WEEK: readonly Article[] = [
  anArticle({
    id: 'eliana-five-years',
    title:
      'CAR T-cell therapy keeps half of young patients with relapsed leukaemia in remission after five years',
    summary:
      'Five-year follow-up of the ELIANA trial finds that roughly half of children and young adults with relapsed acute lymphoblastic leukaemia remain in remission after a single infusion of tisagenlecleucel, with late side effects uncommon.',
    studyTypes: ['phase-2'],
    topics: { 'car-t': 6, leukemia: 5 },
    matchedTerms: { 'car-t': 'CAR T-cell therapy', leukemia: 'relapsed leukaemia' },
    sources: [{ sourceId: 'nci', sourceName: 'NCI Cancer Currents', weight: 1.3 }],
  }),
  anArticle({
    id: 'car-nk-preprint',
    title: 'Off-the-shelf CAR-NK cells: early safety in lymphoma <script>alert("x")</script>',
    summary:
      'Researchers describe 12 patients treated with donor-derived CAR-NK cells; no cytokine release syndrome above grade 1 was seen. The work has not yet been peer reviewed & results are preliminary.',
    studyTypes: ['preprint', 'phase-1'],
    topics: { 'car-t': 5, leukemia: 2 },
    sources: [{ sourceId: 'biorxiv', sourceName: 'bioRxiv Immunology', weight: 0.8 }],
  }),
  anArticle({
    id: 'crs-at-home',
    title: 'Managing cytokine release syndrome at home: what carers should watch for',
    summary: '',
    studyTypes: ['review'],
    topics: { 'side-effects': 6, 'car-t': 2 },
  }),
  anArticle({
    id: 'keynote-522',
    title:
      'Pembrolizumab plus chemotherapy before surgery improves overall survival in early triple-negative breast cancer',
    summary:
      'The randomised phase 3 KEYNOTE-522 trial reports a significant overall survival benefit for adding the checkpoint inhibitor to chemotherapy before and after surgery.',
    studyTypes: ['randomised-trial', 'phase-3'],
    topics: { 'checkpoint-inhibitors': 6, 'combination-therapy': 4 },
    matchedTerms: { 'checkpoint-inhibitors': 'Pembrolizumab', 'combination-therapy': 'plus' },
    sources: [
      { sourceId: 'nejm', sourceName: 'NEJM', weight: 1.5 },
      { sourceId: 'nci', sourceName: 'NCI Cancer Currents', weight: 1.3 },
    ],
  }),
  anArticle({
    id: 'irae-steroids',
    title: 'Do steroids for immune-related side effects blunt checkpoint inhibitors? A meta-analysis',
    summary:
      'Pooling 28 studies, the authors find no loss of benefit when steroids are started to treat immune-related adverse events, but earlier, prophylactic use was linked to shorter survival.',
    studyTypes: ['review'],
    topics: { 'side-effects': 5, 'checkpoint-inhibitors': 4 },
  }),
  anArticle({
    id: 'myeloma-bcma',
    title: 'BCMA-directed CAR-T in earlier lines of myeloma treatment',
    summary:
      'A phase 3 trial moves cilta-cel to the second line, with longer progression-free survival than standard regimens.',
    studyTypes: ['phase-3'],
    topics: { leukemia: 5, 'car-t': 5 },
  }),
  anArticle({
    id: 'access-travel',
    title: 'Travelling for cell therapy: the hidden costs families carry',
    summary:
      'Lodging, lost wages and weeks near the treatment centre add up; a survey of 300 carers "&" what helps.',
    topics: { access: 5, 'car-t': 3 },
  }),
  anArticle({
    id: 'nivolumab-adjuvant',
    title: 'Adjuvant nivolumab in resected melanoma: ten-year results',
    summary:
      'Long-term data confirm the relapse-free survival benefit; overall survival differences remain small.',
    studyTypes: ['randomised-trial'],
    topics: { 'checkpoint-inhibitors': 5, melanoma: 6 },
  }),
];

const WEEK_BY_ID: ReadonlyMap<string, Article> = new Map(WEEK.map((article) => [article.id, article]));

/**
 * A selection of the fixture, section by section: [topic, [[articleId, matchedTopics]]], and the
 * reader's topics with nothing this week (their quiet lines).
 */
export function digestInput(
  sections: readonly [TopicId, readonly [string, readonly TopicId[]][]][],
  digestId = 'weekly-2026-W48',
  quietTopics: readonly TopicId[] = [],
): DigestViewInput {
  return {
    digestId,
    articles: WEEK_BY_ID,
    selection: {
      sections: sections.map(([topic, articles]) => ({
        topic,
        articles: articles.map(([articleId, matchedTopics]) => ({ articleId, matchedTopics })),
      })),
      quietTopics,
    },
  };
}

/** The fixture's digest for a reader of CAR-T, leukaemia, checkpoint inhibitors and side effects. */
export const FULL_DIGEST = digestInput([
  [
    'car-t',
    [
      ['eliana-five-years', ['car-t', 'leukemia']],
      ['car-nk-preprint', ['car-t', 'leukemia']],
      ['access-travel', ['car-t']],
    ],
  ],
  [
    'checkpoint-inhibitors',
    [
      ['keynote-522', ['checkpoint-inhibitors']],
      ['nivolumab-adjuvant', ['checkpoint-inhibitors']],
    ],
  ],
  ['leukemia', [['myeloma-bcma', ['car-t', 'leukemia']]]],
  [
    'side-effects',
    [
      ['crs-at-home', ['car-t', 'side-effects']],
      ['irae-steroids', ['checkpoint-inhibitors', 'side-effects']],
    ],
  ],
]);
