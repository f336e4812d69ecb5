import { describe, expect, it } from 'vitest';
import {
  mapColumns,
  readConsentTime,
  readImportRow,
  splitNames,
  topicMatcher,
  type ColumnMap,
} from '../../functions/core/subscribers/import/import-columns.ts';
import { parseDefaultTopics } from '../../functions/core/subscribers/import/import-subscribers.ts';
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

  it('refuses default topics that are no topic, by name', () => {
    expect(parseDefaultTopics('car-t, melanoma')).toEqual(['car-t', 'melanoma']);
    expect(parseDefaultTopics(undefined)).toBeUndefined();
    expect(() => parseDefaultTopics('car-t,warts')).toThrow(ValidationError);
  });
});
