import { describe, expect, it } from 'vitest';
import { windowRates } from '../../functions/core/list-health/deliverability.ts';
import { feedHealthOf } from '../../functions/core/list-health/feed-health.ts';
import {
  countReaders,
  isoWeekOf,
  lastWeeks,
  mailEventsBetween,
} from '../../functions/core/list-health/reader-counts.ts';
import type { CensusRow } from '../../functions/model/list-health.ts';

const NOW = new Date('2026-12-04T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

describe('bounce and complaint rates beside SES’s thresholds', () => {
  it('warns only above half of SES’s review threshold, and says review at the threshold', () => {
    expect(windowRates(7, 1000, { bounces: 25, complaints: 0 }).bounce.level).toBe('ok');
    expect(windowRates(7, 1000, { bounces: 26, complaints: 0 }).bounce.level).toBe('warning');
    expect(windowRates(7, 1000, { bounces: 50, complaints: 0 }).bounce.level).toBe('review');
    expect(windowRates(7, 10_000, { bounces: 0, complaints: 5 }).complaint.level).toBe('ok');
    expect(windowRates(7, 10_000, { bounces: 0, complaints: 6 }).complaint.level).toBe('warning');
    expect(windowRates(7, 10_000, { bounces: 0, complaints: 10 }).complaint.level).toBe('review');
  });

  it('gives a rate of 0 when nothing was sent', () => {
    const rates = windowRates(30, 0, { bounces: 2, complaints: 1 });

    expect(rates.bounce).toMatchObject({ rate: 0, events: 2, level: 'ok', warnAt: 0.025, sesReviewAt: 0.05 });
    expect(rates.complaint).toMatchObject({ rate: 0, warnAt: 0.0005, sesReviewAt: 0.001 });
  });
});

describe('feed health', () => {
  const source = { id: 'journal', name: 'A journal' };
  const fetched = { sourceId: 'journal', consecutiveFailures: 0, lastSuccessAt: daysAgo(0.1) };
  const at = (...days: number[]) => days.map((day) => NOW.getTime() - day * DAY_MS);

  it('flags a fetched source as silent once its newest item is older than three usual gaps', () => {
    // Items every 2 days until 7 days ago: usual gap 2 days, silent after 6.
    const health = feedHealthOf(source, fetched, at(7, 9, 11, 13, 15), NOW);

    expect(health).toMatchObject({
      usualGapDays: 2,
      silent: true,
      status: 'silent',
      items7d: 0,
      items30d: 5,
    });
  });

  it('keeps a source that publishes at its usual pace ok, and counts its items', () => {
    const health = feedHealthOf(source, fetched, at(1, 3, 5, 8.5), NOW);

    expect(health).toMatchObject({ silent: false, status: 'ok', items7d: 3, items30d: 4 });
  });

  it('calls a source failing when its last fetch failed, and never fetched without a state', () => {
    const failing = feedHealthOf(
      source,
      { ...fetched, consecutiveFailures: 3, lastFailureAt: daysAgo(0), lastError: 'HTTP 404' },
      at(1, 2, 3),
      NOW,
    );
    const never = feedHealthOf(source, undefined, [], NOW);

    expect(failing).toMatchObject({ status: 'failing', consecutiveFailures: 3, lastError: 'HTTP 404' });
    expect(never).toMatchObject({ status: 'never-fetched', silent: false });
  });

  it('calls a fetched source with nothing in 30 days silent', () => {
    expect(feedHealthOf(source, fetched, [], NOW)).toMatchObject({ silent: true, status: 'silent' });
  });
});

describe('reader counts from the census', () => {
  const rows: CensusRow[] = [
    {
      kind: 'reader',
      status: 'confirmed',
      topics: ['car-t'],
      paused: false,
      createdAt: daysAgo(40),
      updatedAt: daysAgo(40),
    },
    {
      kind: 'reader',
      status: 'confirmed',
      topics: ['car-t', 'melanoma'],
      paused: true,
      createdAt: daysAgo(40),
      updatedAt: daysAgo(3),
    },
    {
      kind: 'reader',
      status: 'bounced',
      topics: ['car-t'],
      paused: false,
      createdAt: daysAgo(40),
      updatedAt: daysAgo(2),
    },
    {
      kind: 'reader',
      status: 'complained',
      topics: ['car-t'],
      paused: false,
      createdAt: daysAgo(40),
      updatedAt: daysAgo(10),
    },
    { kind: 'suppressed', reason: 'bounced', at: daysAgo(20) },
    { kind: 'suppressed', reason: 'erased', at: daysAgo(1) },
    { kind: 'pending', requestedAt: daysAgo(1), expiresAt: daysAgo(-1) },
    { kind: 'pending', requestedAt: daysAgo(9), expiresAt: daysAgo(2) },
  ];

  it('counts each state once, paused apart from confirmed, and expired requests not at all', () => {
    expect(countReaders(rows, NOW)).toEqual({
      byState: { confirmed: 1, paused: 1, pending: 1, unsubscribed: 0, bounced: 2, complained: 1, erased: 1 },
      byTopic: { 'car-t': 1 },
    });
  });

  it('counts the bounces and complaints of a period by when they happened', () => {
    expect(mailEventsBetween(rows, new Date(daysAgo(7)), NOW)).toEqual({ bounces: 1, complaints: 0 });
    expect(mailEventsBetween(rows, new Date(daysAgo(30)), NOW)).toEqual({ bounces: 2, complaints: 1 });
  });

  it('names ISO weeks in UTC across a year’s end', () => {
    expect(isoWeekOf(new Date('2026-12-31T23:00:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(new Date('2027-01-04T00:00:00Z'))).toBe('2027-W01');
    expect(lastWeeks(NOW, 3)).toEqual(['2026-W47', '2026-W48', '2026-W49']);
  });
});
