import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { studyTypeHints } from '../../functions/core/ingest/study-types.ts';
import { readFeed } from '../../functions/core/ingest/read-feed.ts';
import { parseStudiesPage } from '../../functions/core/ingest/clinicaltrials-parser.ts';
import { trialCandidate } from '../../functions/core/ingest/record-candidates.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import { loadSources, loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import type { SourceKind } from '../../functions/model/sources.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const hintsOf = (title: string, sourceKind: SourceKind = 'journal', summary = '') =>
  studyTypeHints({ title, summary, sourceKind });

describe('studyTypeHints', () => {
  it.each([
    ['A randomized, placebo-controlled phase 3 trial', ['randomised-trial', 'phase-3']],
    ['Phase II study of nivolumab', ['phase-2']],
    ['Phase Ib/II trial of a bispecific antibody', ['phase-2', 'phase-1']],
    ['Phase 2/3 study of atezolizumab', ['phase-3', 'phase-2']],
    ['Phase 1/Phase 2; Recruiting', ['phase-2', 'phase-1']],
    ['First-in-human study of a CAR-NK product', ['phase-1']],
    ['Immune-related adverse events: a systematic review and meta-analysis', ['meta-analysis', 'review']],
    ['Network meta-analysis of first-line immunotherapy combinations', ['meta-analysis']],
    ['CAR-T in lymphoma: a review', ['review']],
    ['Bispecific antibodies in myeloma: a narrative review', ['review']],
    ['Phase III outcomes', ['phase-3']],
    ['ASCO guideline update: management of immune-related adverse events', ['guideline']],
    ['Expert consensus recommendations on CAR T-cell therapy in older adults', ['guideline']],
  ])('reads %j as %j', (title, hints) => {
    expect(hintsOf(title)).toEqual(hints);
  });

  it.each([
    ['This Review discusses the evidence and the risk to antitumour immunity.'],
    ['In this Review, we describe how tertiary lymphoid structures form.'],
    ['Here we review armoured and logic-gated CAR T-cell designs.'],
    ['The authors review armoured, logic-gated and locally delivered CAR T cell designs.'],
    ['This review summarises how neoantigens are selected.'],
    ['We present a review of bispecific antibodies approved since 2020.'],
  ])('finds a review from the phrasing of its abstract: %j', (summary) => {
    expect(hintsOf('Tertiary lymphoid structures', 'journal', summary)).toEqual(['review']);
  });

  it.each([
    ['A review of medical records identified 212 patients treated with pembrolizumab.'],
    ['Charts were reviewed; a retrospective review of electronic health records followed.'],
    ['All patients were treated according to institutional guidelines.'],
    ['The manuscript is under peer review.'],
  ])('is not fooled by a study that only mentions reviewing or guidelines: %j', (summary) => {
    expect(hintsOf('Outcomes of pembrolizumab in older adults', 'journal', summary)).toEqual([]);
  });

  it('reads a feed category that says Review', () => {
    expect(
      studyTypeHints({
        title: 'Neoantigen vaccines',
        summary: '',
        sourceKind: 'journal',
        categories: ['Review'],
      }),
    ).toEqual(['review']);
  });

  it('drops the trial designs a review or guideline only mentions', () => {
    expect(
      hintsOf('Neoantigen vaccines', 'journal', 'This review covers what phase 1 and 2 trials have shown.'),
    ).toEqual(['review']);
  });

  it('marks what the source is: news, a trial registration, a preprint, the site’s own explainer', () => {
    expect(hintsOf('Pembrolizumab before surgery: a randomized trial found a benefit', 'news')).toEqual([
      'randomised-trial',
      'news',
    ]);
    expect(
      hintsOf('CAR T cells for mantle cell lymphoma', 'registry', 'Conditions: MCL; Phase 2; Recruiting'),
    ).toEqual(['phase-2', 'trial-registration']);
    expect(hintsOf('Single-cell atlas of TILs', 'preprint')).toEqual(['preprint']);
    expect(hintsOf('Side effects of checkpoint inhibitors: what to watch for', 'site')).toEqual([
      'explainer',
    ]);
  });

  it('marks text that says it is not peer reviewed, whatever the source', () => {
    expect(hintsOf('This article has not been peer-reviewed')).toEqual(['preprint']);
  });
});

describe('the badges of the snapshots', async () => {
  const tagger = createTagger(await loadVocabulary(path.join(ROOT, 'content')));
  const sources = await loadSources(path.join(ROOT, 'content'));
  const read = (sourceId: string) => {
    const source = sources.find((candidate) => candidate.id === sourceId)!;
    const feed = readFeed(
      readFileSync(path.join(ROOT, 'content/snapshots', source.snapshot!)),
      source,
      { tagger },
      { url: source.url, firstSeenAt: new Date('2026-12-01T00:00:00Z') },
    );
    return feed.candidates.map((candidate) => ({ title: candidate.title, studyTypes: candidate.studyTypes }));
  };

  it('finds the Nature Reviews items whose abstracts say they are reviews, and only those', () => {
    expect(read('nature-reviews-clinical-oncology')).toEqual([
      {
        title:
          'CAR T cells in solid tumours: overcoming antigen heterogeneity and the suppressive microenvironment',
        studyTypes: ['review'],
      },
      { title: 'Managing immune-related adverse events beyond corticosteroids', studyTypes: ['review'] },
      // Nature Reviews journals also publish perspectives and research highlights, and these two
      // summaries do not say what they are: no badge rather than a guess.
      { title: 'Global access to CAR T cell therapy: manufacturing, cost and equity', studyTypes: [] },
      { title: 'Radiotherapy dose de-escalation in HPV-positive oropharyngeal cancer', studyTypes: [] },
    ]);
  });

  it('marks every NCI blog post as news and every ClinicalTrials.gov record as a trial registration', () => {
    expect(read('nci-cancer-currents').every((item) => item.studyTypes.includes('news'))).toBe(true);
    // ClinicalTrials.gov is read through its API: every study of the recording is a registration.
    const trials = sources.find((candidate) => candidate.id === 'clinicaltrials-immunotherapy')!;
    const page = parseStudiesPage(
      readFileSync(path.join(ROOT, 'content/snapshots', `${trials.snapshot!}.studies.json`)),
    );
    const newness = { windowFirstDay: '2026-11-20', lookbackDays: 7 };
    const registrations = page.studies.map((study) =>
      trialCandidate(study, trials, tagger, new Date('2026-12-01T00:00:00Z'), newness),
    );
    expect(registrations.length).toBeGreaterThan(0);
    expect(
      registrations.every(
        (result) => result.ok && result.candidate.studyTypes.includes('trial-registration'),
      ),
    ).toBe(true);
    expect(read('biorxiv-immunology').every((item) => item.studyTypes.includes('preprint'))).toBe(true);
  });
});
