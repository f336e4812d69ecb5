import { describe, expect, it } from 'vitest';
import { testSubscriberIds } from '../../testkit/fakes.ts';

const subscriberIdFor = (email: string) => testSubscriberIds.idFor(email);
import type { TopicId } from '../../functions/model/topics.ts';
import {
  checkArticlesStoredOnce,
  checkDeadLetters,
  checkNoMailToInactive,
  checkNoWorkTwice,
  checkOneDigestPerDueReader,
  checkSummariesMatchLedger,
  digestEmailsByPair,
  explainedPairs,
  type LedgerRecord,
  type StoredArticle,
} from '../../soak/invariants.ts';
import { WorldModel } from '../../soak/model/world-model.ts';
import type { DeliveredEmail } from '../../soak/outside/ses-gateway.ts';
import { noFleetTotals, type FleetTotals } from '../../soak/system/sender-fleet.ts';
import type { Person } from '../../soak/world/population.ts';
import type { Publications, Work } from '../../soak/world/publications.ts';

/**
 * The soak is only worth its "0 violations" if its checks can fail: each breach of a promise
 * is fed to the checker here, and the checker must name it.
 */

const HOUR = 3_600_000;
/** Monday 2 March 2026 00:00 UTC (ISO week 10). */
const MONDAY = Date.UTC(2026, 2, 2);
const WEEK_10 = 'weekly-2026-W10';
const WEEK_11 = 'weekly-2026-W11';

function person(index: number): Person {
  return {
    index,
    email: `reader-${index}.unit@example.org`,
    ip: `10.0.0.${index}`,
    joinAt: MONDAY - 48 * HOUR,
    topics: ['car-t'],
    slot: { weekday: 1, hour: 8, timeZone: 'UTC' },
    confirmAfterMs: HOUR,
    mailboxGoneAt: undefined,
    mailboxFull: undefined,
  };
}

function work(key: string, topics: readonly TopicId[]): Work {
  return {
    key,
    topics,
    title: key,
    summary: '',
    doi: undefined,
    publishedAt: MONDAY - 24 * HOUR,
    sightings: [],
  };
}

const publications: Publications = {
  sources: [],
  works: new Map([
    ['soak-w000001', work('soak-w000001', ['car-t'])],
    ['soak-w000002', work('soak-w000002', ['car-t'])],
    ['soak-w000003', work('soak-w000003', ['melanoma'])],
  ]),
  feedItems: () => [],
};

/** Two confirmed car-t readers, three works stored on Sunday, a planner run on Monday at 08:10. */
function plannedWorld() {
  const people = [person(1), person(2)];
  const model = new WorldModel(people, publications);
  for (const reader of people) {
    model.subscribed(reader.email, reader.topics, reader.slot, MONDAY - 48 * HOUR);
    model.confirmed(reader.email, MONDAY - 47 * HOUR);
  }
  model.stored('source-a', ['soak-w000001', 'soak-w000002', 'soak-w000003'], MONDAY - 20 * HOUR);
  const plannedAt = MONDAY + 8 * HOUR + 10 * 60_000;
  model.plan(plannedAt);
  model.sendPhaseDone();
  return { model, people, plannedAt };
}

function digest(to: string, digestId: string, at: number, workKeys: string[]): DeliveredEmail {
  return {
    messageId: `${to}-${digestId}-${at}`,
    to,
    at,
    kind: 'digest',
    digestId,
    workKeys,
    manageUrl: undefined,
    unsubscribeUrl: undefined,
    confirmUrl: undefined,
  };
}

function fleetTotals(overrides: Partial<FleetTotals> = {}): FleetTotals {
  return {
    ...noFleetTotals(),
    invocations: 1,
    coldStarts: 1,
    reported: { sent: 2, skipped: 0, failed: 0, poison: 0, continued: 0 },
    ...overrides,
  };
}

describe('the soak invariant checker', () => {
  it('reports nothing when every due reader got exactly one digest of their works', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = people.map((reader) =>
      digest(reader.email, WEEK_10, plannedAt, ['soak-w000001', 'soak-w000002']),
    );

    // Act
    const result = checkOneDigestPerDueReader(model, WEEK_10, digestEmailsByPair(mail), new Map());

    // Assess
    expect(result).toMatchObject({ violations: 0, expected: 2, delivered: 2 });
  });

  it('reports a reader who was sent the same digest twice', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = [
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[1]!.email, WEEK_10, plannedAt, ['soak-w000001']),
    ];

    const ledger: LedgerRecord[] = [
      { digestId: WEEK_10, subscriberId: subscriberIdFor(people[0]!.email), status: 'sent', attempts: 2 },
    ];

    // Act
    const result = checkOneDigestPerDueReader(
      model,
      WEEK_10,
      digestEmailsByPair(mail),
      new Map(),
      ledger,
      testSubscriberIds,
    );

    // Assess: the breach says what the ledger holds, so two claims tell apart from one
    expect(result.violations).toBe(1);
    expect(result.examples[0]).toContain(`${people[0]!.email} got 2 × ${WEEK_10}`);
    expect(result.examples[0]).toContain('ledger sent after 2 claims');
  });

  it('excuses a second copy only when the first was not yet in the ledger as its sender was killed', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = [
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[1]!.email, WEEK_10, plannedAt, ['soak-w000001']),
    ];
    const killed = fleetTotals({ unrecordedAtDeaths: [{ to: people[0]!.email, digestId: WEEK_10 }] });

    // Act
    const result = checkOneDigestPerDueReader(
      model,
      WEEK_10,
      digestEmailsByPair(mail),
      explainedPairs(killed),
    );

    // Assess
    expect(result).toMatchObject({ violations: 0, explainedDuplicates: 1 });
  });

  it('reports a due reader who got nothing, and a digest holding a work off their topics', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = [digest(people[1]!.email, WEEK_10, plannedAt, ['soak-w000003'])];

    // Act
    const result = checkOneDigestPerDueReader(model, WEEK_10, digestEmailsByPair(mail), new Map());

    // Assess
    expect(result.violations).toBe(2);
    expect(result.examples.join('\n')).toMatch(
      /reader-1\.unit@example\.org was due weekly-2026-W10 .* got nothing/,
    );
    expect(result.examples.join('\n')).toMatch(
      /reader-2\.unit@example\.org's weekly-2026-W10 holds 1 works, 1 not on topics car-t/,
    );
  });

  it('reports the same work sent to one reader in two weeks', () => {
    // Prepare
    const mail = [
      digest('a@example.org', WEEK_10, MONDAY, ['soak-w000001', 'soak-w000002']),
      digest('a@example.org', WEEK_11, MONDAY + 7 * 24 * HOUR, ['soak-w000002']),
    ];

    // Act
    const result = checkNoWorkTwice(digestEmailsByPair(mail));

    // Assess
    expect(result.violations).toBe(1);
    expect(result.examples[0]).toBe(`a@example.org got soak-w000002 in ${WEEK_10} and again in ${WEEK_11}`);
  });

  it('reports mail to an unsubscribed reader and a confirmation to a confirmed one', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    model.unsubscribed(people[0]!.email, plannedAt + HOUR);
    const mail: DeliveredEmail[] = [
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[0]!.email, WEEK_10, plannedAt + 2 * HOUR, ['soak-w000001']),
      { ...digest(people[1]!.email, WEEK_10, plannedAt, []), kind: 'confirmation', digestId: undefined },
    ];

    // Act
    const result = checkNoMailToInactive(model, mail);

    // Assess
    expect(result.violations).toBe(2);
    expect(result.examples.join('\n')).toContain(`went to ${people[0]!.email}`);
    expect(result.examples.join('\n')).toContain('who was unsubscribed');
    expect(result.examples.join('\n')).toContain(`a confirmation went to ${people[1]!.email}`);
  });

  it('reports mail to bounced and complained readers and to addresses nobody in the soak has', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    model.mailEvent(people[0]!.email, 'hard', plannedAt + HOUR);
    model.mailEvent(people[1]!.email, 'complaint', plannedAt + HOUR);
    const later = plannedAt + 3 * HOUR;
    const mail = [
      digest(people[0]!.email, WEEK_10, later, ['soak-w000001']),
      digest(people[1]!.email, WEEK_10, later, ['soak-w000001']),
      digest('stranger@example.org', WEEK_10, later, ['soak-w000001']),
    ];

    // Act
    const result = checkNoMailToInactive(model, mail);

    // Assess
    expect(result.violations).toBe(3);
    expect(result.examples.join('\n')).toMatch(
      /who was bounced[\s\S]*who was complained[\s\S]*stranger@example\.org/,
    );
  });

  it('reports a work stored as two articles, a work never stored and an article nobody published', () => {
    // Prepare
    const { model } = plannedWorld();
    const firstSeenAt = new Date(MONDAY - 20 * HOUR).toISOString();
    const article = (id: string, url: string): StoredArticle => ({
      id,
      url,
      firstSeenAt,
      sourceIds: new Set(['source-a']),
    });
    const articles = [
      article('a1', 'https://journal-01.example.org/articles/soak-w000001'),
      article('a2', 'https://journal-02.example.org/record/soak-w000001'),
      article('a3', 'https://journal-01.example.org/articles/soak-w000002'),
      article('a4', 'https://elsewhere.example.org/not-a-work'),
    ];

    // Act
    const result = checkArticlesStoredOnce(model, articles);

    // Assess
    expect(result.examples).toEqual([
      'article a4 (https://elsewhere.example.org/not-a-work) is no work the publishers published',
      'soak-w000001 is stored as 2 articles',
      'soak-w000003 is stored as 0 articles',
    ]);
  });

  it('reports an unexplained dead letter and a poison message that never reached the DLQ', () => {
    // Act
    const result = checkDeadLetters(
      ['{"kind":"digest","note":"soak-poison-1"}', '{"kind":"digest","digestId":"weekly-2026-W10"}'],
      ['soak-poison-1', 'soak-poison-2'],
    );

    // Assess
    expect(result.violations).toBe(2);
    expect(result.examples[0]).toContain('the DLQ holds an unexplained message');
    expect(result.examples[1]).toBe('poison message soak-poison-2 is not in the DLQ');
  });

  it('reports a ledger that disagrees with the run summaries and the model', () => {
    // Prepare
    const { model, people } = plannedWorld();
    const ledger: LedgerRecord[] = [
      { digestId: WEEK_10, subscriberId: subscriberIdFor(people[0]!.email), status: 'sent' },
      { digestId: WEEK_10, subscriberId: subscriberIdFor(people[1]!.email), status: 'claimed' },
    ];

    // Act
    const result = checkSummariesMatchLedger(model, ledger, 0, fleetTotals(), testSubscriberIds);

    // Assess
    expect(result.examples).toEqual([
      'the ledger has 1 sent; batch reports say 2, killed batches had recorded 0 (+ up to 0 on the wire)',
      '1 claims are left hanging in the ledger',
      `no sent record for ${WEEK_10}|${subscriberIdFor(people[1]!.email)} (${people[1]!.email})`,
    ]);
  });
});
