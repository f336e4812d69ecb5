import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStudiesPage } from '../../functions/core/ingest/clinicaltrials-parser.ts';
import { FeedError } from '../../functions/core/errors.ts';
import { countryCodeOf, countryName } from '../../functions/model/countries.ts';

const snapshot = (name: string) =>
  readFile(path.resolve(import.meta.dirname, '../../content/snapshots', name));

function failureOf(run: () => unknown): FeedError {
  try {
    run();
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error('expected a FeedError');
}

/** A study in the v2 API's shape, with only the modules given. */
const study = (nctId: string, modules: Record<string, unknown> = {}) => ({
  protocolSection: {
    identificationModule: { nctId, briefTitle: `Study ${nctId}` },
    statusModule: {
      overallStatus: 'RECRUITING',
      studyFirstPostDateStruct: { date: '2026-11-20', type: 'ACTUAL' },
      lastUpdatePostDateStruct: { date: '2026-11-21', type: 'ACTUAL' },
    },
    ...modules,
  },
});

const page = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseStudiesPage on the recorded page', () => {
  it('reads ids, titles, phases, status, sponsor, sites, arms and MeSH terms', async () => {
    const { studies, studyErrors, totalCount, nextPageToken } = parseStudiesPage(
      await snapshot('clinicaltrials-immunotherapy.studies.json'),
    );

    expect(studyErrors).toEqual([]);
    expect(nextPageToken).toBeUndefined();
    expect(totalCount).toBe(studies.length);
    const carT = studies.find((record) => record.nctId === 'NCT07012345')!;
    expect(carT).toMatchObject({
      title:
        'Autologous Anti-CD19/CD20 Bispecific CAR T Cells for Relapsed or Refractory Mantle Cell Lymphoma',
      status: 'recruiting',
      phases: ['phase-1', 'phase-2'],
      studyType: 'INTERVENTIONAL',
      randomised: false,
      sponsor: 'Fred Hutchinson Cancer Center',
      conditions: ['Mantle Cell Lymphoma', 'Relapsed Mantle Cell Lymphoma'],
      firstPostedOn: '2026-11-24',
      lastUpdatedOn: '2026-11-24',
      // "Drug: Fludarabine" as an arm names it is the intervention "Fludarabine".
      arms: [['Fludarabine', 'Cyclophosphamide', 'CD19/CD20 bispecific CAR T cells']],
    });
    expect(carT.sites).toContainEqual({ country: 'Germany', status: 'not-yet-recruiting' });
    expect(carT.interventions).toContainEqual({
      name: 'CD19/CD20 bispecific CAR T cells',
      type: 'BIOLOGICAL',
    });

    const completed = studies.find((record) => record.nctId === 'NCT05813691')!;
    expect(completed).toMatchObject({ status: 'completed', phases: ['phase-3'], randomised: true });
  });
});

describe('parseStudiesPage on made pages', () => {
  it('carries the next page token and leaves unknown statuses and phases out', () => {
    const result = parseStudiesPage(
      page({
        studies: [
          study('NCT01234567', {
            designModule: { phases: ['PHASE2', 'PHASE9'] },
            contactsLocationsModule: { locations: [{ country: 'Japan', status: 'SOMETHING_NEW' }, {}] },
          }),
        ],
        nextPageToken: 'NF0g5JGBlPMs',
      }),
    );
    expect(result.nextPageToken).toBe('NF0g5JGBlPMs');
    expect(result.studies[0]).toMatchObject({ phases: ['phase-2'], sites: [{ country: 'Japan' }, {}] });
  });

  it('reads a month-only date and falls back on the first-posted date', () => {
    const result = parseStudiesPage(
      page({
        studies: [
          {
            protocolSection: {
              identificationModule: { nctId: 'nct07654321', officialTitle: 'An official title only' },
              statusModule: { overallStatus: 'WITHDRAWN', studyFirstPostDateStruct: { date: '2026-10' } },
            },
          },
        ],
      }),
    );
    expect(result.studies[0]).toMatchObject({
      nctId: 'NCT07654321',
      title: 'An official title only',
      status: 'withdrawn',
      lastUpdatedOn: '2026-10',
    });
  });

  it('skips and reports a study it cannot read, keeping the rest of the page', () => {
    const result = parseStudiesPage(
      page({ studies: [study('NCT01111111'), study('not an id'), { protocolSection: {} }] }),
    );
    expect(result.studies.map((record) => record.nctId)).toEqual(['NCT01111111']);
    expect(result.studyErrors).toEqual([
      expect.stringMatching(/^study 2: no NCT id/),
      expect.stringMatching(/^study 3: no NCT id/),
    ]);
  });

  it('names each kind of bad page', () => {
    const cases: [string, string][] = [
      ['<html><head><title>Maintenance</title></head></html>', 'not-a-feed'],
      ['{"studies":[{"protocolSection":', 'malformed-json'],
      ['[]', 'unexpected-response'],
      ['{"totalCount":3}', 'unexpected-response'],
      ['{"studies":{"NCT01234567":{}}}', 'unexpected-response'],
      // Not one study in the documented shape: the API changed.
      ['{"studies":[{"protocol":{"id":"NCT01234567"}}]}', 'unexpected-response'],
      [JSON.stringify({ studies: [study('NCT01234567')], nextPageToken: 42 }), 'unexpected-response'],
    ];
    for (const [body, kind] of cases) {
      expect(failureOf(() => parseStudiesPage(Buffer.from(body))).kind, body).toBe(kind);
    }
    expect(
      failureOf(() => parseStudiesPage(page({ studies: [study('NCT01234567')] }), { maxBytes: 20 })).kind,
    ).toBe('too-large');
  });
});

describe('countries', () => {
  it('knows the names registries write, whatever their form', () => {
    expect(countryCodeOf('Korea, Republic of')).toBe('KR');
    expect(countryCodeOf('United States')).toBe('US');
    expect(countryCodeOf('France')).toBe('FR');
    expect(countryCodeOf('Türkiye')).toBe(countryCodeOf('Turkey'));
    expect(countryCodeOf('Atlantis')).toBeUndefined();
    expect(countryName('DE')).toBe('Germany');
  });
});
