import { describe, expect, it } from 'vitest';
import { testSubscriberIds } from '../../testkit/fakes.ts';

const subscriberIdFor = (email: string) => testSubscriberIds.idFor(email);
import type { TopicId } from '../../functions/model/topics.ts';
import {
  checkArticlesStoredOnce,
  checkDeadLetters,
  checkNoDigestBeforeFirstSlot,
  checkNoMailToInactive,
  checkNoWorkTwice,
  checkOneDigestPerDueReader,
  checkSectionPerChosenTopic,
  checkSummariesMatchLedger,
  digestEmailsByPair,
  type LedgerRecord,
  type StoredArticle,
} from '../../soak/invariants.ts';
import { WorldModel } from '../../soak/model/world-model.ts';
import { digestSectionsOf, type DeliveredEmail } from '../../soak/outside/ses-gateway.ts';
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
    ['soak-w000004', work('soak-w000004', ['car-t', 'lung-cancer'])],
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

function digest(
  to: string,
  digestId: string,
  at: number,
  workKeys: string[],
  sections: DeliveredEmail['sections'] = [{ heading: 'CAR-T & CELL THERAPY', workKeys }],
  quietTopics: string[] = [],
): DeliveredEmail {
  return {
    messageId: `${to}-${digestId}-${at}`,
    to,
    at,
    kind: 'digest',
    digestId,
    workKeys,
    sections,
    quietTopics,
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
    const result = checkOneDigestPerDueReader(model, WEEK_10, digestEmailsByPair(mail));

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
      ledger,
      testSubscriberIds,
    );

    // Assess: the breach says what the ledger holds, so two claims tell apart from one
    expect(result.violations).toBe(1);
    expect(result.examples[0]).toContain(`${people[0]!.email} got 2 × ${WEEK_10}`);
    expect(result.examples[0]).toContain('ledger sent after 2 claims');
  });

  it('excuses no second copy, not even one whose first was unrecorded as its sender was killed', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = [
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[0]!.email, WEEK_10, plannedAt, ['soak-w000001']),
      digest(people[1]!.email, WEEK_10, plannedAt, ['soak-w000001']),
    ];

    // Act
    const result = checkOneDigestPerDueReader(model, WEEK_10, digestEmailsByPair(mail), [], undefined, {
      unrecorded: 1,
      settled: 0,
    });

    // Assess
    expect(result).toMatchObject({ violations: 1, secondCopies: 1 });
    expect(result.summary).toContain('1 second copies (each a violation); so far 1 emails unrecorded');
  });

  it('reports a due reader who got nothing, and a digest holding a work off their topics', () => {
    // Prepare
    const { model, people, plannedAt } = plannedWorld();
    const mail = [digest(people[1]!.email, WEEK_10, plannedAt, ['soak-w000003'])];

    // Act
    const result = checkOneDigestPerDueReader(model, WEEK_10, digestEmailsByPair(mail));

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

  describe('a section for every chosen topic', () => {
    const LABELS = {
      'car-t': 'CAR-T & cell therapy',
      melanoma: 'Melanoma & skin cancers',
      'lung-cancer': 'Lung cancer',
      leukemia: 'Leukemia & blood cancers',
    } as Record<TopicId, string>;
    const CAR_T = { heading: 'CAR-T & CELL THERAPY', workKeys: ['soak-w000001', 'soak-w000002'] };
    const MELANOMA = { heading: 'MELANOMA & SKIN CANCERS', workKeys: ['soak-w000003'] };

    /** A reader of CAR-T, melanoma and lung cancer: works on the first two, none on lung cancer. */
    function threeTopicWorld(works = ['soak-w000001', 'soak-w000002', 'soak-w000003']) {
      const reader = { ...person(3), topics: ['car-t', 'melanoma', 'lung-cancer'] as TopicId[] };
      const model = new WorldModel([reader], publications);
      model.subscribed(reader.email, reader.topics, reader.slot, MONDAY - 48 * HOUR);
      model.confirmed(reader.email, MONDAY - 47 * HOUR);
      model.stored('source-a', works, MONDAY - 20 * HOUR);
      const plannedAt = MONDAY + 8 * HOUR + 10 * 60_000;
      model.plan(plannedAt);
      model.sendPhaseDone();
      const send = (sections: DeliveredEmail['sections'], quiet: string[]) =>
        digestEmailsByPair([
          digest(
            reader.email,
            WEEK_10,
            plannedAt,
            [...new Set(sections.flatMap((s) => s.workKeys))],
            sections,
            quiet,
          ),
        ]);
      return { model, send };
    }

    it('passes a digest with a section per topic that had works and a quiet line for the one that had none', () => {
      const { model, send } = threeTopicWorld();

      const result = checkSectionPerChosenTopic(
        model,
        WEEK_10,
        send([CAR_T, MELANOMA], ['Lung cancer']),
        LABELS,
      );

      expect(result).toMatchObject({ violations: 0, checked: 3 });
    });

    it('reports a topic with works but no section, a missing quiet line, a false one and a stray section', () => {
      const { model, send } = threeTopicWorld();

      const missing = checkSectionPerChosenTopic(model, WEEK_10, send([CAR_T], []), LABELS);
      const falseQuiet = checkSectionPerChosenTopic(
        model,
        WEEK_10,
        send(
          [CAR_T, { heading: 'LEUKEMIA & BLOOD CANCERS', workKeys: ['soak-w000003'] }],
          ['Melanoma & skin cancers', 'Lung cancer'],
        ),
        LABELS,
      );

      expect(missing.examples).toEqual([
        `${person(3).email}'s ${WEEK_10} has no section for melanoma, which had 1 works (soak-w000003 not in it)`,
        `${person(3).email}'s ${WEEK_10} has no quiet line for lung-cancer, which had no works`,
      ]);
      expect(falseQuiet.examples).toEqual([
        `${person(3).email}'s ${WEEK_10} has a section "LEUKEMIA & BLOOD CANCERS", not one of car-t+melanoma+lung-cancer`,
        `${person(3).email}'s ${WEEK_10} says nothing is new on melanoma, which had 1 works`,
      ]);
    });

    it('excuses a topic whose only works are all in the digest under another topic', () => {
      // The one lung-cancer work is also on CAR-T, and shown there: lung cancer has nothing left.
      const { model, send } = threeTopicWorld(['soak-w000003', 'soak-w000004']);

      const result = checkSectionPerChosenTopic(
        model,
        WEEK_10,
        send([{ heading: 'CAR-T & CELL THERAPY', workKeys: ['soak-w000004'] }, MELANOMA], []),
        LABELS,
      );

      expect(result.violations).toBe(0);
    });

    it('reads sections and quiet lines from a digest’s text part as the template writes them', () => {
      const text = [
        'IMMUNOTHERAPY DIGEST',
        'CAR-T & cell therapy (1)',
        '',
        'CAR-T & CELL THERAPY',
        '--------------------',
        'A title W000001',
        'https://journal-01.example.org/articles/soak-w000001',
        '',
        'Nothing new on Lung cancer this week.',
        '',
        'MELANOMA & SKIN CANCERS',
        '-----------------------',
        'https://journal-02.example.org/record/soak-w000003',
        '--',
        'Manage your topics and delivery time: https://x.example.org/preferences?token=t',
      ].join('\n');

      expect(digestSectionsOf(text)).toEqual({
        sections: [
          { heading: 'CAR-T & CELL THERAPY', workKeys: ['soak-w000001'] },
          { heading: 'MELANOMA & SKIN CANCERS', workKeys: ['soak-w000003'] },
        ],
        quietTopics: ['Lung cancer'],
      });
    });
  });

  describe('no digest before the first slot', () => {
    /** One reader with the Monday 08:00 (UTC) slot, confirmed on Friday 6 March at 12:30. */
    function fridayReader() {
      const reader = person(4);
      const model = new WorldModel([reader], publications);
      const friday = MONDAY + 4 * 24 * HOUR + 12.5 * HOUR;
      model.subscribed(reader.email, reader.topics, reader.slot, friday - HOUR);
      model.confirmed(reader.email, friday);
      return { model, reader, friday };
    }

    it('passes a first digest at the first slot after confirmation', () => {
      const { model, reader } = fridayReader();
      const nextMonday = MONDAY + 7 * 24 * HOUR + 8 * HOUR + 10 * 60_000;

      const result = checkNoDigestBeforeFirstSlot(model, [
        digest(reader.email, WEEK_11, nextMonday, ['soak-w000001']),
      ]);

      expect(result).toMatchObject({ violations: 0, checked: 1 });
    });

    it('reports a digest sent on the day of confirmation, before the first chosen slot', () => {
      const { model, reader, friday } = fridayReader();

      const result = checkNoDigestBeforeFirstSlot(model, [
        digest(reader.email, WEEK_10, friday + 40 * 60_000, []),
      ]);

      expect(result.examples).toEqual([
        `${WEEK_10} reached ${reader.email} at 2026-03-06T13:10Z, before their first slot 2026-03-09T08:00Z ` +
          '(weekday 1 8:00 UTC, chosen or confirmed at 2026-03-06T12:30Z)',
      ]);
    });

    it('reports a digest before the first new slot after a change, and excuses one planned before it', () => {
      // Confirmed long before; on Monday 9 March at 08:20 the reader moves from Monday 08:00 to
      // Monday 07:00, which has passed: the next digest is due on 16 March.
      const { model, reader } = fridayReader();
      model.stored('source-a', ['soak-w000001'], MONDAY + 7 * 24 * HOUR);
      const planned = MONDAY + 7 * 24 * HOUR + 8 * HOUR + 10 * 60_000;
      model.plan(planned);
      model.slotChanged(reader.email, { weekday: 1, hour: 7, timeZone: 'UTC' }, planned + 10 * 60_000);

      const onItsWay = digest(reader.email, WEEK_11, planned + 15 * 60_000, ['soak-w000001']);
      const early = digest(reader.email, 'weekly-2026-W12', planned + 24 * HOUR, []);
      const result = checkNoDigestBeforeFirstSlot(model, [onItsWay, early]);

      expect(result.checked).toBe(2);
      expect(result.examples).toEqual([
        `weekly-2026-W12 reached ${reader.email} at 2026-03-10T08:10Z, before their first slot 2026-03-16T07:00Z ` +
          '(weekday 1 7:00 UTC, chosen or confirmed at 2026-03-09T08:20Z)',
      ]);
    });
  });
});
