import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeed } from '../../functions/core/ingest/read-feed.ts';
import { parseEfetch } from '../../functions/core/ingest/pubmed-parser.ts';
import { parseStudiesPage } from '../../functions/core/ingest/clinicaltrials-parser.ts';
import { pubmedCandidate, trialCandidate } from '../../functions/core/ingest/record-candidates.ts';
import { cleanSummary, cutAtSentence } from '../../functions/core/ingest/summary.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import type { Source } from '../../functions/model/sources.ts';

/**
 * Summaries as readers see them: the furniture of each publisher's feed taken out, structured
 * abstracts with their headings as words, cut at a sentence. The fixtures under
 * test/fixtures/publishers/ copy the shape of each publisher's real feed; the snapshots under
 * content/snapshots/ are what `npm start` ingests.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const PUBLISHERS = path.join(ROOT, 'test/fixtures/publishers');
const SNAPSHOTS = path.join(ROOT, 'content/snapshots');
const FIXTURE_SOURCE: Source = {
  id: 'fixture',
  name: 'Fixture',
  url: 'https://example.org/feed',
  broad: false,
  weight: 1,
  enabled: true,
};
const tagger = createTagger(await loadVocabulary(path.join(ROOT, 'content')));
const FIRST_SEEN = new Date('2026-12-04T12:00:00.000Z');

function summariesOf(file: string): string[] {
  // The API sources' recordings: PubMed records and trial registrations, read as ingest reads them.
  if (file.endsWith('.efetch.xml')) {
    const pubmed: Source = { ...FIXTURE_SOURCE, via: 'pubmed' };
    return parseEfetch(readFileSync(file)).records.flatMap((record) => {
      const result = pubmedCandidate(record, pubmed, tagger, FIRST_SEEN);
      return result.ok ? [result.candidate.summary] : [];
    });
  }
  if (file.endsWith('.studies.json')) {
    const registry: Source = { ...FIXTURE_SOURCE, via: 'clinicaltrials' };
    const newness = { windowFirstDay: '2026-11-27', lookbackDays: 7 };
    return parseStudiesPage(readFileSync(file)).studies.flatMap((study) => {
      const result = trialCandidate(study, registry, tagger, FIRST_SEEN, newness);
      return result.ok ? [result.candidate.summary] : [];
    });
  }
  const source: Source = {
    id: 'fixture',
    name: 'Fixture',
    url: 'https://example.org/feed',
    broad: false,
    weight: 1,
    enabled: true,
  };
  const feed = readFeed(readFileSync(file), source, { tagger }, { url: source.url, firstSeenAt: FIRST_SEEN });
  return feed.candidates.map((candidate) => candidate.summary);
}

/** A heading glued to its text, or standing at a sentence start without its colon. */
const RUN_TOGETHER_HEADING =
  /(?:^|[.!?]\s*)(?:Background|Introduction|Objectives?|Purpose|Aims?|Methods?|Results|Findings|Conclusions?|Interpretation|Discussion)(?:[A-Z]|\s+[A-Z])/;

describe('summaries of each publisher pattern', () => {
  it.each([
    [
      'nature.rdf',
      [
        'Tertiary lymphoid structures form in many tumours and predict response to immune checkpoint blockade. In this Review, the authors discuss how they arise and how they might be induced therapeutically.',
        'A randomized phase 2 trial of a personalized mRNA vaccine with pembrolizumab after resection of high-risk melanoma reports longer recurrence-free survival.',
        // A correction notice is nothing but its publication line.
        '',
      ],
    ],
    [
      'springer-bmc.xml',
      [
        'Background: Atezolizumab plus bevacizumab is first-line treatment for unresectable hepatocellular carcinoma. Methods: We reviewed 402 patients treated at six centres between 2021 and 2025. Results: Median overall survival was 17.2 months; grade 3 or higher bleeding occurred in 6%. Conclusions: Outcomes outside trials matched those of IMbrave150.',
        'Purpose: Whether to resume checkpoint inhibitors after an immune-related adverse event is uncertain. Methods: We searched four databases to June 2026 and pooled 31 cohorts (3,904 patients). Results: The same event recurred in 28% and a new one occurred in 19%. Conclusion: Rechallenge is reasonable for most patients after a careful discussion.',
      ],
    ],
    [
      'frontiers.xml',
      [
        'Background: Dual checkpoint blockade is active in microsatellite-unstable colorectal cancer. Methods: We followed 58 consecutive patients treated from 2022 to 2025. Results: The objective response rate was 64%, and 2-year progression-free survival was 71%. Discussion: Responses were durable; immune-related colitis was the main reason to stop.',
        'This review describes the BCMA-, GPRC5D- and FcRH5-directed bispecific antibodies approved or in late development, their infection risk and how to sequence them with CAR T cells.',
      ],
    ],
    [
      'plos.atom',
      [
        'Background: The neutrophil-to-lymphocyte ratio is cheap to measure. Methods: We studied 611 patients treated with first-line pembrolizumab. Results: A ratio of 5 or more before treatment was linked to shorter overall survival. Conclusions: The ratio can help set expectations before treatment.',
        'Chemoradiotherapy changed the balance of regulatory and effector T cells in paired biopsies from 40 women, which may open a window for checkpoint inhibitors.',
      ],
    ],
    [
      'medrxiv.rdf',
      [
        'Background: Pembrolizumab every six weeks is approved, but extending the interval further is being studied. Methods: We built a Markov model of patients with advanced non-small cell lung cancer. Findings: Dosing by weight and every 8 weeks saved US$41,000 per patient-year with no expected loss of survival. Interpretation: Extended-interval dosing could lower costs without harm.',
        'Loss of STING in tumour cells reduced type I interferon signalling and CD8 T-cell infiltration, and restoring it re-sensitised tumours to anti-PD-1 treatment.',
      ],
    ],
    [
      'bmj-jitc.rdf',
      [
        'Background: Hemophagocytic lymphohistiocytosis-like syndrome is a rare, often fatal complication of CAR T-cell therapy. Methods: An expert panel reviewed the evidence and reached consensus by a modified Delphi process. Results: The panel makes 18 recommendations on diagnosis, grading and treatment with anakinra and corticosteroids.',
        'Background: Anti-PD-1 therapy is standard in advanced cutaneous squamous cell carcinoma. Methods: We treated 44 patients with cemiplimab before surgery. Results: A pathological complete response was seen in 51%. Conclusions: Neoadjuvant cemiplimab is active and safe.',
      ],
    ],
    [
      'pubmed.xml',
      [
        'Background: Tislelizumab is an anti-PD-1 antibody. Methods: In this randomised, double-blind trial, 649 patients received tislelizumab or placebo with chemotherapy. Findings: Median overall survival was 17.2 versus 10.6 months. Interpretation: The benefit was maintained at 5 years.',
        // An erratum: citation, "NO ABSTRACT", the correction note and the PMID line, and nothing else.
        '',
      ],
    ],
    [
      'clinicaltrials.xml',
      [
        'Conditions: Melanoma; Interventions: Drug: Fianlimab, Drug: Cemiplimab, Drug: Pembrolizumab; Sponsors: Regeneron Pharmaceuticals; Phase 3; Recruiting',
      ],
    ],
    [
      'nci-blog.xml',
      [
        'The approval, for people with advanced synovial sarcoma whose tumors carry a specific marker, follows a trial in which about 4 in 10 patients responded.',
      ],
    ],
  ])('%s reads as the abstract and nothing else', (file, expected) => {
    expect(summariesOf(path.join(PUBLISHERS, file))).toEqual(expected);
  });
});

describe('every summary of the snapshots and the fixtures', () => {
  const files = [
    // Every snapshot but esearch answers, which hold no records.
    ...readdirSync(SNAPSHOTS)
      .filter((name) => !name.endsWith('.esearch.json'))
      .map((name) => path.join(SNAPSHOTS, name)),
    ...readdirSync(PUBLISHERS).map((name) => path.join(PUBLISHERS, name)),
  ];
  const summaries = files.flatMap((file) => summariesOf(file).map((summary) => ({ file, summary })));

  it('reads them all', () => {
    expect(summaries.length).toBeGreaterThanOrEqual(60);
  });

  it.each([
    ['no "Published online"', /published online/i],
    ['no bare DOI', /\bdoi\s*:\s*10\.|doi\.org\/10\.|(?:^|[\s;|])10\.\d{4,9}\/\S+(?:\s*$|\s+[A-Z])/i],
    ['no PubMed citation or PMID line', /\bPMID:|\b\d{4} [A-Z][a-z]{2} \d{1,2};\d+\(/],
    ['no copyright line', /©|\bcopyright\b|all rights reserved/i],
    ['no run-together abstract heading', RUN_TOGETHER_HEADING],
  ])('%s', (_, pattern) => {
    const offending = summaries.filter(({ summary }) => pattern.test(summary));
    expect(offending).toEqual([]);
  });
});

describe('cleanSummary', () => {
  it.each([
    // A heading word that starts an ordinary sentence stays a word.
    [
      'Results from four trials were pooled. Overall survival improved.',
      'Results from four trials were pooled. Overall survival improved.',
    ],
    ['Background radiation was measured in 12 centres.', 'Background radiation was measured in 12 centres.'],
    // One opening heading alone is still a heading; capitals become a word.
    ['BACKGROUND: Few data exist.', 'Background: Few data exist.'],
    ['Objective To compare two doses.', 'Objective: To compare two doses.'],
    [
      'CONCLUSIONS AND RELEVANCE: It works. METHODS: We tried.',
      'Conclusions and relevance: It works. Methods: We tried.',
    ],
    // Furniture anywhere: WordPress, Wiley, licences.
    ['A good study. The post A good study appeared first on Onco Daily.', 'A good study.'],
    [
      'Effects were small. This article is protected by copyright. All rights reserved.',
      'Effects were small.',
    ],
    ['Abstract Tumours grew slower in treated mice.', 'Tumours grew slower in treated mice.'],
    ['Response rates doubled. https://doi.org/10.1000/xyz123', 'Response rates doubled.'],
  ])('turns %j into %j', (input, output) => {
    expect(cleanSummary(input)).toBe(output);
  });

  it('keeps a DOI that a sentence talks about', () => {
    const text = 'The data set (doi:10.5061/dryad.x1) is public, and so is the code.';
    expect(cleanSummary(text)).toBe(text);
  });
});

describe('cutAtSentence', () => {
  it('cuts at the last sentence that fits, without an ellipsis', () => {
    expect(cutAtSentence('One is short. Two is a little longer. Three does not fit at all.', 40)).toBe(
      'One is short. Two is a little longer.',
    );
  });

  it('does not end a sentence at an abbreviation, an initial or a decimal', () => {
    expect(
      cutAtSentence(
        'Compared with placebo, i.e. no drug, and vs. J. Smith et al. the rate was 2.5 times higher. More.',
        95,
      ),
    ).toBe('Compared with placebo, i.e. no drug, and vs. J. Smith et al. the rate was 2.5 times higher.');
  });

  it('falls back to a word boundary and an ellipsis when one sentence is longer than the room', () => {
    expect(cutAtSentence('A very long sentence that never ends before the limit is reached at all', 30)).toBe(
      'A very long sentence that…',
    );
  });

  it('leaves text that fits as it is', () => {
    expect(cutAtSentence('Short.', 10)).toBe('Short.');
  });
});
