import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSources, loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { createTagger, type Tagger } from '../../functions/core/tagging/tagger.ts';
import { parseEfetch, type PubMedRecord } from '../../functions/core/ingest/pubmed-parser.ts';
import { parseStudiesPage, type TrialRecord } from '../../functions/core/ingest/clinicaltrials-parser.ts';
import { pubmedCandidate, trialCandidate } from '../../functions/core/ingest/record-candidates.ts';
import {
  studyTypesOfPublication,
  studyTypesOfTrial,
} from '../../functions/core/ingest/record-study-types.ts';
import { extractIdentifiers, identityKeys } from '../../functions/core/ingest/identity.ts';
import type { ArticleCandidate } from '../../functions/model/articles.ts';
import type { Source } from '../../functions/model/sources.ts';

const CONTENT = path.resolve(import.meta.dirname, '../../content');
const NOW = new Date('2026-11-27T12:00:00Z');
const NEWNESS = { windowFirstDay: '2026-11-20', lookbackDays: 7 };

let tag: Tagger;
let sources: readonly Source[];
let records: Map<string, PubMedRecord>;
let trials: Map<string, TrialRecord>;

beforeAll(async () => {
  tag = createTagger(await loadVocabulary(CONTENT));
  sources = await loadSources(CONTENT);
  records = new Map();
  for (const name of [
    'immunotherapy',
    'car-t',
    'checkpoint-inhibitors',
    'cancer-vaccines',
    'immune-adverse-events',
  ]) {
    const parsed = parseEfetch(await readFile(path.join(CONTENT, 'snapshots', `pubmed-${name}.efetch.xml`)));
    for (const record of parsed.records) records.set(record.pmid, record);
  }
  const page = parseStudiesPage(
    await readFile(path.join(CONTENT, 'snapshots/clinicaltrials-immunotherapy.studies.json')),
  );
  trials = new Map(page.studies.map((study) => [study.nctId, study]));
});

const source = (id: string) => sources.find((candidate) => candidate.id === id)!;

function pubmed(pmid: string): ArticleCandidate {
  const result = pubmedCandidate(records.get(pmid)!, source('pubmed-immunotherapy'), tag, NOW);
  if (!result.ok) throw new Error(result.reason);
  return result.candidate;
}

function trial(nctId: string): ArticleCandidate {
  const result = trialCandidate(
    trials.get(nctId)!,
    source('clinicaltrials-immunotherapy'),
    tag,
    NOW,
    NEWNESS,
  );
  if (!result.ok) throw new Error(result.reason);
  return result.candidate;
}

describe('badges from the record, not from the title', () => {
  it('maps NLM publication types to study types', () => {
    expect(
      studyTypesOfPublication([
        'Journal Article',
        'Clinical Trial, Phase III',
        'Randomized Controlled Trial',
      ]),
    ).toEqual(['phase-3', 'randomised-trial']);
    // A systematic review with a meta-analysis reads as the meta-analysis.
    expect(studyTypesOfPublication(['Journal Article', 'Meta-Analysis', 'Systematic Review'])).toEqual([
      'meta-analysis',
    ]);
    expect(studyTypesOfPublication(['Practice Guideline', 'Guideline'])).toEqual(['guideline']);
    expect(studyTypesOfPublication(['Case Reports', 'Review'])).toEqual(['case-report', 'review']);
    expect(studyTypesOfPublication(['Journal Article', 'Comment'])).toEqual([]);
  });

  it('maps a trial design to study types', () => {
    expect(studyTypesOfTrial({ phases: ['early-phase-1', 'phase-2'], randomised: true })).toEqual([
      'trial-registration',
      'randomised-trial',
      'phase-1',
      'phase-2',
    ]);
    expect(studyTypesOfTrial({ phases: ['not-applicable'], randomised: false })).toEqual([
      'trial-registration',
    ]);
  });

  it('gives a PubMed record the badges of its publication types, and says they came from the record', () => {
    expect(pubmed('41290433')).toMatchObject({
      studyTypes: ['phase-3', 'randomised-trial'],
      studyTypesFromRecord: true,
    });
    expect(pubmed('41302345').studyTypes).toEqual(['meta-analysis']);
    expect(pubmed('41304567').studyTypes).toEqual(['guideline']);
  });

  it('falls back on the title for a record with only "Journal Article"', () => {
    const candidate = pubmed('41305678');
    expect(candidate.studyTypesFromRecord).toBeUndefined();
  });
});

describe('a PubMed record as a candidate', () => {
  it('carries its ids as identity keys, its journal, and a PubMed link', () => {
    const candidate = pubmed('41298765');
    expect(candidate).toMatchObject({
      url: 'https://pubmed.ncbi.nlm.nih.gov/41298765/',
      identifiers: { doi: '10.1136/jitc-2026-012847', pmid: '41298765', pmcid: 'PMC12651907' },
      publishedAt: '2026-11-20T00:00:00.000Z',
    });
    expect(candidate.identityKeys.slice(0, 3)).toEqual([
      'doi:10.1136/jitc-2026-012847',
      'pmid:41298765',
      'pmc:PMC12651907',
    ]);
    // The trial a paper reports is another work: its NCT id is not the paper's identity.
    expect(pubmed('41290433').identityKeys.some((key) => key.startsWith('nct:'))).toBe(false);
    expect(pubmed('41305678').journal).toBe('Journal of clinical oncology');
  });

  it('is tagged from its MeSH headings as well as its words', () => {
    // "Cytokine Release Syndrome*/chemically induced" and "Antibodies, Bispecific/adverse effects".
    expect(Object.keys(pubmed('41298765').topics)).toEqual(
      expect.arrayContaining(['side-effects', 'antibodies', 'leukemia']),
    );
    // "Myocarditis*/chemically induced", "Immune Checkpoint Inhibitors*/adverse effects".
    expect(Object.keys(pubmed('41295555').topics)).toEqual(
      expect.arrayContaining(['side-effects', 'checkpoint-inhibitors']),
    );
    // "Cancer Vaccines*": vaccines, with "Melanoma*".
    expect(Object.keys(pubmed('41303456').topics)).toEqual(expect.arrayContaining(['vaccines', 'melanoma']));
  });
});

describe('MeSH headings in the tagger', () => {
  it('count for a topic alone, and a drug-caused condition is a side effect, not the disease', () => {
    const heading = (descriptor: string, qualifiers: string[] = [], major = true) => ({
      descriptor,
      major,
      qualifiers: qualifiers.map((name) => ({ name, major: false })),
    });
    const title = 'Outcomes in a regional cohort';
    expect(
      tag({ title, assumeRelevant: true, facts: { mesh: [heading('Receptors, Chimeric Antigen')] } }).topics,
    ).toHaveProperty('car-t');
    // "Leukemia, Myeloid, Acute" sits under "Leukemia", mapped with its narrower headings.
    expect(
      tag({ title, assumeRelevant: true, facts: { mesh: [heading('Leukemia, Myeloid, Acute')] } }).topics,
    ).toHaveProperty('leukemia');
    const colitis = tag({
      title,
      assumeRelevant: true,
      facts: { mesh: [heading('Colitis, Ulcerative', ['chemically induced'])] },
    }).topics;
    expect(colitis).toHaveProperty('side-effects');
    expect(colitis).not.toHaveProperty('autoimmune');
    expect(
      tag({ title, assumeRelevant: true, facts: { mesh: [heading('Colitis, Ulcerative')] } }).topics,
    ).toHaveProperty('autoimmune');
  });

  it('leaves a title-only item as the text rules tag it', () => {
    const title = 'Pembrolizumab in advanced melanoma';
    expect(tag({ title, assumeRelevant: true, facts: {} })).toEqual(tag({ title, assumeRelevant: true }));
  });
});

describe('a trial registration as a candidate', () => {
  it('stores phase, status, sponsor and the countries where it recruits, as ISO codes', () => {
    const candidate = trial('NCT07012345');
    expect(candidate).toMatchObject({
      url: 'https://clinicaltrials.gov/study/NCT07012345',
      identifiers: { nct: 'NCT07012345' },
      studyTypes: ['trial-registration', 'phase-1', 'phase-2'],
      studyTypesFromRecord: true,
      trial: {
        phases: ['phase-1', 'phase-2'],
        status: 'recruiting',
        sponsor: 'Fred Hutchinson Cancer Center',
        countries: ['DE', 'FR', 'US'],
        // Germany's site is not yet recruiting.
        recruitingCountries: ['FR', 'US'],
        firstPostedOn: '2026-11-24',
        lastUpdatedOn: '2026-11-24',
      },
    });
    expect(candidate.updateOnly).toBeUndefined();
    expect(Object.keys(candidate.topics)).toEqual(expect.arrayContaining(['car-t', 'leukemia']));
  });

  it('lets every site country recruit when the registry gives sites no status', () => {
    expect(trial('NCT07009876').trial).toMatchObject({
      status: 'not-yet-recruiting',
      recruitingCountries: [],
    });
    const sites = trials.get('NCT07009876')!;
    const recruiting = trialCandidate(
      { ...sites, status: 'recruiting' },
      source('clinicaltrials-immunotherapy'),
      tag,
      NOW,
      NEWNESS,
    );
    expect(recruiting.ok && recruiting.candidate.trial?.recruitingCountries).toEqual([
      'AU',
      'ES',
      'GB',
      'US',
    ]);
  });

  it('never lists a completed trial as recruiting anywhere', () => {
    expect(trial('NCT05813691').trial).toMatchObject({
      status: 'completed',
      countries: ['FR', 'IT', 'KR'],
      recruitingCountries: [],
    });
  });

  it('makes an old registration that was only updated an update, never a new article', () => {
    expect(trial('NCT05813691').updateOnly).toBe(true);
    expect(trial('NCT07001287').updateOnly).toBeUndefined();
  });

  it('reads an arm giving an immunotherapy with another treatment as a combination, but not conditioning chemotherapy', () => {
    expect(trial('NCT07001287').topics).toHaveProperty('combination-therapy');
    expect(trial('NCT07010555').topics).not.toHaveProperty('combination-therapy');
  });
});

describe('identity across kinds', () => {
  it('finds a PMC id in a feed link, so a feed item and a PubMed record meet on it', () => {
    const ids = extractIdentifiers(['https://pmc.ncbi.nlm.nih.gov/articles/PMC12651907/']);
    expect(ids).toEqual({ pmcid: 'PMC12651907' });
    const keys = identityKeys({
      identifiers: ids,
      url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC12651907/',
      title: 'x',
      publishedAt: NOW,
    });
    expect(keys[0]).toBe('pmc:PMC12651907');
  });
});
