import { describe, expect, it } from 'vitest';
import {
  mapColumns,
  readConsentTime,
  readCountry,
  readImportRow,
  splitNames,
  topicMatcher,
  type ColumnMap,
} from '../../functions/core/subscribers/import/import-columns.ts';
import {
  parseDefaultTopics,
  type ImportReport,
} from '../../functions/core/subscribers/import/import-subscribers.ts';
import { describeImport } from '../../functions/local/subscribers-command.ts';
import { ValidationError } from '../../functions/core/errors.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';

const LABELS = Object.fromEntries(TOPIC_IDS.map((id) => [id, id])) as Record<TopicId, string>;
LABELS['melanoma'] = 'Melanoma & skin cancers';
LABELS['car-t'] = 'CAR-T & cell therapy';
const NOW = new Date('2026-12-04T12:00:00Z');

const columns = (headers: string[]): ColumnMap => {
  const mapped = mapColumns(headers);
  if ('problem' in mapped) throw new Error(mapped.problem);
  return mapped;
};

describe('mapColumns', () => {
  it('recognises each tool by its headers, whatever their case', () => {
    expect(columns(['Email Address', 'OPTIN_TIME', 'CONFIRM_TIME', 'TAGS', 'LEID']).tool).toBe('mailchimp');
    expect(columns(['email', 'creation_date', 'subscriber_type', 'tags']).tool).toBe('buttondown');
    expect(columns(['UUID', 'Email', 'Name', 'Attributes', 'Status', 'created_at']).tool).toBe('listmonk');
    expect(columns(['email', 'topics', 'consent_at', 'consent_wording_version']).tool).toBe('immuno-digest');
    expect(columns(['E-mail', 'Tags']).tool).toBe('csv');
  });

  it('refuses a header without an address column, saying what it looked for', () => {
    expect(mapColumns(['name', 'city'])).toEqual({ problem: expect.stringContaining('no email column') });
  });

  it('reads the source status of Mailchimp’s unsubscribed and cleaned files and of Buttondown types', () => {
    const unsubscribed = columns(['Email Address', 'OPTIN_TIME', 'CONFIRM_TIME', 'UNSUB_TIME']);
    expect(unsubscribed.status({ UNSUB_TIME: '2025-01-01 00:00:00', CONFIRM_TIME: 'x' })).toBe(
      'unsubscribed',
    );
    const cleaned = columns(['Email Address', 'OPTIN_TIME', 'CONFIRM_TIME', 'CLEAN_TIME']);
    expect(cleaned.status({ CLEAN_TIME: '2025-01-01 00:00:00' })).toBe('bounced');
    const buttondown = columns(['email', 'creation_date', 'subscriber_type']);
    expect(
      ['regular', 'unactivated', 'undeliverable', 'spammy', 'churned'].map((type) =>
        buttondown.status({ subscriber_type: type }),
      ),
    ).toEqual(['subscribed', 'unconfirmed', 'bounced', 'complained', 'unsubscribed']);
  });
});

describe('reading a row', () => {
  const match = topicMatcher(LABELS);

  it('matches topics by id or label without case or punctuation, and keeps the unknown ones', () => {
    expect(match('MELANOMA & Skin Cancers')).toBe('melanoma');
    expect(match('car-t')).toBe('car-t');
    expect(match('knitting')).toBeUndefined();
  });

  it('splits the tag cells of each tool', () => {
    expect(splitNames('"car-t","melanoma"')).toEqual(['car-t', 'melanoma']);
    expect(splitNames("['car-t', 'Kidney cancer']")).toEqual(['car-t', 'Kidney cancer']);
    expect(splitNames('["a","b"]')).toEqual(['a', 'b']);
    expect(splitNames('a; b|c')).toEqual(['a', 'b', 'c']);
  });

  it('reads consent times as the tools write them, and none from the future', () => {
    expect(readConsentTime('2025-03-14 09:12:44', NOW)).toBe('2025-03-14T09:12:44.000Z');
    expect(readConsentTime('2024-11-02T10:00:00.123456+01:00', NOW)).toBe('2024-11-02T09:00:00.123Z');
    expect(readConsentTime('2027-01-01T00:00:00Z', NOW)).toBeUndefined();
    expect(readConsentTime('yesterday', NOW)).toBeUndefined();
  });

  it('reads an address as the sign-up form does, and names what is wrong with a bad one', () => {
    const map = columns(['email', 'tags', 'consent_at', 'zone']);
    const row = readImportRow(
      {
        email: ' Ana@Example.ORG ',
        tags: 'car-t, knitting',
        consent_at: '2025-01-01T00:00:00Z',
        zone: 'europe/rome',
      },
      7,
      map,
      match,
      NOW,
    );
    expect(row).toMatchObject({
      kind: 'reader',
      line: 7,
      topics: ['car-t'],
      unknownTopics: ['knitting'],
      consentAt: '2025-01-01T00:00:00.000Z',
      timeZone: 'Europe/Rome',
    });
    expect(readImportRow({ email: 'ana@@example.org' }, 8, map, match, NOW)).toMatchObject({
      kind: 'invalid',
      line: 8,
    });
    expect(readImportRow({ email: '' }, 9, map, match, NOW)).toEqual({
      kind: 'invalid',
      line: 9,
      problem: 'no email address',
    });
  });

  it('reads a country code in any case, or a name, and keeps a value it does not know apart', () => {
    expect(readCountry('FR')).toEqual({ country: 'FR' });
    expect(readCountry(' de ')).toEqual({ country: 'DE' });
    expect(readCountry('Korea, Republic of')).toEqual({ country: 'KR' });
    expect(readCountry('UK')).toEqual({ country: 'GB' });
    expect(readCountry('')).toEqual({});
    expect(readCountry('ZZ')).toEqual({ unknownCountry: 'ZZ' });
    expect(readCountry('Atlantis')).toEqual({ unknownCountry: 'Atlantis' });
  });

  it('reads the country of our own export and of a `country` or `country_code` column', () => {
    const own = columns(['email', 'topics', 'zone', 'consent_wording_version', 'country']);
    expect(
      readImportRow({ email: 'a@example.org', topics: 'car-t', country: 'fr' }, 2, own, match, NOW),
    ).toMatchObject({ kind: 'reader', country: 'FR' });
    const generic = columns(['E-mail', 'Tags', 'Country Code']);
    expect(
      readImportRow(
        { 'E-mail': 'b@example.org', Tags: 'car-t', 'Country Code': 'XX' },
        3,
        generic,
        match,
        NOW,
      ),
    ).toMatchObject({ kind: 'reader', unknownCountry: 'XX' });
    const blank = readImportRow({ email: 'c@example.org', topics: 'car-t', country: '' }, 4, own, match, NOW);
    expect(blank).not.toHaveProperty('country');
    expect(blank).not.toHaveProperty('unknownCountry');
  });

  it('never reads Mailchimp’s CC (a guess from the IP), nor any country of its export', () => {
    const mailchimp = columns(['Email Address', 'CONFIRM_TIME', 'TAGS', 'CC', 'Country']);
    expect(mailchimp.country).toBeUndefined();
    const row = readImportRow(
      { 'Email Address': 'd@example.org', TAGS: 'car-t', CC: 'US', Country: 'US' },
      5,
      mailchimp,
      match,
      NOW,
    );
    expect(row).toMatchObject({ kind: 'reader', topics: ['car-t'] });
    expect(row).not.toHaveProperty('country');
  });

  it('refuses default topics that are no topic, by name', () => {
    expect(parseDefaultTopics('car-t, melanoma')).toEqual(['car-t', 'melanoma']);
    expect(parseDefaultTopics(undefined)).toBeUndefined();
    expect(() => parseDefaultTopics('car-t,warts')).toThrow(ValidationError);
  });
});

describe('the report in words', () => {
  it('lists a reader imported without their unknown country by line, apart from the rows not imported', () => {
    const report: ImportReport = {
      importId: 'i-1',
      sourceTool: 'csv',
      dryRun: true,
      consented: false,
      rows: 2,
      new: 1,
      confirmed: 0,
      pending: 1,
      alreadyHere: 0,
      suppressed: 0,
      invalid: 1,
      duplicates: 0,
      suppressedBy: {},
      perTopic: { 'car-t': 1 },
      unknownTopics: {},
      problems: [{ line: 3, problem: 'no email address' }],
      unknownCountries: 1,
      warnings: [{ line: 2, problem: 'country "ZZ" is not an ISO 3166-1 country we know' }],
    };

    const lines = describeImport(report);

    expect(lines).toContain('  line 3: no email address');
    expect(lines).toContain('  line 2 (imported): country "ZZ" is not an ISO 3166-1 country we know');
  });
});
