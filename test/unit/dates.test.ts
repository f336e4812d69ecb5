import { describe, expect, it } from 'vitest';
import { parseFeedDate } from '../../functions/core/ingest/dates.ts';

describe('parseFeedDate', () => {
  it.each([
    ['Wed, 14 May 2025 12:00:00 +0000', '2025-05-14T12:00:00.000Z'],
    ['Wed, 5 Nov 2025 13:52:10  EST', '2025-11-05T18:52:10.000Z'],
    ['2021-12-21T02:37:53+0900', '2021-12-20T17:37:53.000Z'],
    ['2026-11-18', '2026-11-18T00:00:00.000Z'],
    ['2026-11-18T09:30:00', '2026-11-18T09:30:00.000Z'],
    ['  2026-11-18T09:30:00.250Z\r\n  ', '2026-11-18T09:30:00.250Z'],
    ['18 Nov 26 09:30 GMT', '2026-11-18T09:30:00.000Z'],
    ['2017-04-07T12:20:50+10:30', '2017-04-07T01:50:50.000Z'],
    ['2020/1/10 14:33:00', '2020-01-10T14:33:00.000Z'],
    ['November 17, 2026', '2026-11-17T00:00:00.000Z'],
    ['Nov 17, 2026 3:05 PM EST', '2026-11-17T20:05:00.000Z'],
    ['Tue Nov 17 2026 12:00:00 GMT', '2026-11-17T12:00:00.000Z'],
    ['Seg, 24 Set 2018 19:42:40 -0300', '2018-09-24T22:42:40.000Z'],
    ['17 juil. 2026', '2026-07-17T00:00:00.000Z'],
    ['2026-11-18 09:30 UTC', '2026-11-18T09:30:00.000Z'],
  ])('reads %j as %s', (raw, iso) => {
    expect(parseFeedDate(raw)?.toISOString()).toBe(iso);
  });

  it('reads a time without a zone as UTC, never the machine zone', () => {
    expect(parseFeedDate('Tue, 17 Nov 2026 08:00:00')?.toISOString()).toBe('2026-11-17T08:00:00.000Z');
  });

  it.each([
    undefined,
    '',
    'yesterday',
    '2026-13-45',
    '2026-02-31',
    'Publication date: February 2022',
    // Day-first or month-first? 8 February or 2 August: refuse rather than guess.
    '08/02/2013 12:00:00',
    'Τρι, 29 Ιούν 2004 12:53:00 GMT',
    'Tue, 17 Nov 2026 08:00:00 XYZT',
  ])('returns undefined for %j', (raw) => {
    expect(parseFeedDate(raw)).toBeUndefined();
  });
});
