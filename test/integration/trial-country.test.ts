import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TrialFacts } from '../../functions/model/articles.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { sentEmails, type StoredEmail, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * "Recruiting in your country" end to end on the stand-ins: stored trials (DynamoDB), readers
 * with and without a country, the planner, the send queue (SQS) and the emails (SES).
 */

const trial = (recruitingCountries: string[], status: TrialFacts['status'] = 'recruiting'): TrialFacts => ({
  phases: ['phase-2'],
  status,
  conditions: ['Renal cell carcinoma'],
  interventions: ['Nivolumab'],
  countries: [...new Set([...recruitingCountries, 'FR'])].sort(),
  recruitingCountries,
  lastUpdatedOn: new Date().toISOString().slice(0, 10),
});

const TRIALS = {
  france: {
    nct: 'NCT07100001',
    title: 'Nivolumab in kidney cancer, recruiting in France',
    trial: trial(['FR', 'US']),
  },
  elsewhere: {
    nct: 'NCT07100002',
    title: 'Ipilimumab in kidney cancer, recruiting in Spain',
    trial: trial(['ES']),
  },
  closed: {
    nct: 'NCT07100003',
    title: 'Cabozantinib in kidney cancer, completed in France',
    trial: trial([], 'completed'),
  },
};

/** The lines of a trial's card in the text email, from its title to its link. */
function cardOf(email: StoredEmail, nct: string): string {
  const text = email.body.text ?? '';
  const link = text.indexOf(`https://clinicaltrials.gov/study/${nct}`);
  expect(link, `${nct} in the email`).toBeGreaterThan(-1);
  return text.slice(text.lastIndexOf('\n\n', link), link);
}

describe('trials recruiting in the reader’s country, on the stand-ins', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    const firstSeenAt = new Date(Date.now() - 86_400_000);
    for (const { nct, title, trial: facts } of Object.values(TRIALS)) {
      await world.context.articles.upsert(
        aCandidate({
          url: `https://clinicaltrials.gov/study/${nct}`,
          title,
          identifiers: { nct },
          identityKeys: [`nct:${nct}`],
          studyTypes: ['trial-registration', 'phase-2'],
          studyTypesFromRecord: true,
          topics: { 'kidney-cancer': 5 },
          trial: facts,
        }),
        firstSeenAt,
      );
    }
  });

  afterAll(() => world.stop());

  it('tells a reader in France of the trial recruiting there, and nobody of the others', async () => {
    const reader = async (local: string, country?: string) => {
      const subscriber = newSubscriber(
        {
          email: world.email(local),
          topics: ['kidney-cancer'],
          status: 'confirmed',
          ...(country ? { country } : {}),
        },
        new Date(),
        world.context.subscriberIds,
      );
      await world.context.subscribers.create(subscriber);
      return subscriber;
    };
    const paris = await reader('paris', 'FR');
    const lyon = await reader('lyon', 'FR');
    const nowhere = await reader('nowhere');

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    // France's readers share one selection; the reader with no country has the country-less one.
    expect(plan).toMatchObject({ planned: 3, groups: 2 });
    expect(totals).toMatchObject({ sent: 3, failed: 0 });
    const emails = await sentEmails(world.endpoints.ses, world.isMine);
    const emailOf = (email: string) => emails.find((sent) => sent.destination.to[0] === email)!;
    for (const french of [paris, lyon]) {
      const email = emailOf(french.email);
      expect(cardOf(email, TRIALS.france.nct)).toContain(
        'Recruiting · Phase 2 · sites recruiting in France and United States\n>> Recruiting in your country',
      );
      expect(cardOf(email, TRIALS.elsewhere.nct)).toContain('sites recruiting in Spain');
      expect(cardOf(email, TRIALS.elsewhere.nct)).not.toContain('Recruiting in your country');
      expect(cardOf(email, TRIALS.closed.nct)).toContain('Completed · Phase 2');
      expect(cardOf(email, TRIALS.closed.nct)).not.toContain('Recruiting in your country');
      expect(email.body.html?.match(/Recruiting in your country/g)).toHaveLength(1);
      // Ranked above the trials that do not recruit where the reader lives.
      const text = email.body.text ?? '';
      expect(text.indexOf(TRIALS.france.nct)).toBeLessThan(text.indexOf(TRIALS.elsewhere.nct));
      expect(text.indexOf(TRIALS.france.nct)).toBeLessThan(text.indexOf(TRIALS.closed.nct));
    }
    const none = emailOf(nowhere.email);
    for (const { nct } of Object.values(TRIALS)) expect(none.body.text).toContain(nct);
    expect(none.body.text).not.toContain('Recruiting in your country');
    expect(none.body.html).not.toContain('Recruiting in your country');
  });
});
