import { describe, expect, it } from 'vitest';
import { formSendAt } from '../../functions/api/routes/admin/schedule-routes.ts';
import { parseSendAt } from '../../functions/core/announcements/schedule-send.ts';
import { ValidationError } from '../../functions/core/errors.ts';

const NOW = new Date('2026-12-04T12:00:00Z');

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.join('; ');
    throw error;
  }
  throw new Error('not refused');
}

describe('the time of a scheduled send', () => {
  it('reads ISO 8601 with Z or an offset, to the whole second', () => {
    expect(parseSendAt('2026-12-10T09:00:00Z', NOW).toISOString()).toBe('2026-12-10T09:00:00.000Z');
    expect(parseSendAt('2026-12-10T10:00:00+01:00', NOW).toISOString()).toBe('2026-12-10T09:00:00.000Z');
    expect(parseSendAt('2026-12-10T04:30-04:30', NOW).toISOString()).toBe('2026-12-10T09:00:00.000Z');
    expect(parseSendAt('2026-12-10T09:00:00.789Z', NOW).toISOString()).toBe('2026-12-10T09:00:00.000Z');
  });

  it('refuses a time without its zone, or that is no time at all', () => {
    expect(refusal(() => parseSendAt('2026-12-10T09:00:00', NOW))).toMatch(/^sendAt: .*with its zone/);
    expect(refusal(() => parseSendAt('next tuesday', NOW))).toMatch(/^sendAt: /);
    expect(refusal(() => parseSendAt('2027-04-31T09:00:00Z', NOW))).toMatch(/not a real date/);
    expect(refusal(() => parseSendAt('2026-12-10T25:00:00Z', NOW))).toMatch(/not a real date/);
  });

  it('refuses the past, the next minute, and more than a year ahead', () => {
    expect(refusal(() => parseSendAt('2026-12-04T11:59:00Z', NOW))).toMatch(/in the past/);
    expect(refusal(() => parseSendAt('2026-12-04T12:00:30Z', NOW))).toMatch(/less than a minute/);
    expect(parseSendAt('2026-12-04T12:01:00Z', NOW).toISOString()).toBe('2026-12-04T12:01:00.000Z');
    expect(parseSendAt('2027-12-04T12:00:00Z', NOW).toISOString()).toBe('2027-12-04T12:00:00.000Z');
    expect(refusal(() => parseSendAt('2027-12-04T12:00:01Z', NOW))).toMatch(/more than 365 days ahead/);
  });
});

describe('the compose page’s send-later fields', () => {
  it('reads the wall time in the zone chosen, summer and winter', () => {
    expect(formSendAt({ sendAt: '2026-12-10T09:00', sendZone: 'Europe/Paris' }, NOW)?.toISOString()).toBe(
      '2026-12-10T08:00:00.000Z',
    );
    expect(formSendAt({ sendAt: '2027-07-01T09:00', sendZone: 'Europe/Paris' }, NOW)?.toISOString()).toBe(
      '2027-07-01T07:00:00.000Z',
    );
    expect(formSendAt({ sendAt: '2026-12-10T09:00', sendZone: 'America/New_York' }, NOW)?.toISOString()).toBe(
      '2026-12-10T14:00:00.000Z',
    );
    expect(formSendAt({ sendAt: '2026-12-10T09:00' }, NOW)?.toISOString()).toBe('2026-12-10T09:00:00.000Z');
  });

  it('sends now when the time is empty, and names the field that is wrong', () => {
    expect(formSendAt({ sendAt: '', sendZone: 'UTC' }, NOW)).toBeUndefined();
    expect(refusal(() => formSendAt({ sendAt: '2026-12-10T09:00', sendZone: 'Mars/Olympus' }, NOW))).toMatch(
      /^sendZone: /,
    );
    expect(refusal(() => formSendAt({ sendAt: '10/12/2026 9am' }, NOW))).toMatch(/^sendAt: /);
    expect(refusal(() => formSendAt({ sendAt: '2026-12-01T09:00' }, NOW))).toMatch(/^sendAt: .*in the past/);
  });
});
