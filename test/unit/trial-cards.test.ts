import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planDigest } from '../../functions/core/digest/plan-digest.ts';
import { isRecruitingIn } from '../../functions/core/digest/recruiting.ts';
import { selectArticles, selectionKey } from '../../functions/core/digest/select.ts';
import { deliverJob, digestInputsFor, unlimitedRun } from '../../functions/core/delivery/deliver-job.ts';
import { parseSendJob } from '../../functions/core/delivery/send-job.ts';
import { buildDigestView } from '../../functions/core/rendering/digest-view.ts';
import type { EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import {
  countryList,
  phaseWords,
  statusWords,
  trialViewOf,
} from '../../functions/core/rendering/trial-card.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { Article, RecruitmentStatus, TrialFacts } from '../../functions/model/articles.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import {
  anArticle,
  inMemoryDelivery,
  ManualClock,
  testSubscriberIds,
  type FakeArticleStore,
  type FakeSubscriberStore,
} from '../../testkit/fakes.ts';
import { createTestRenderer, loadRenderingInputs, SITE_URL } from '../helpers/digest-fixture.ts';
import type { Mailer, OutgoingEmail } from '../../functions/ports/mailer.ts';

/** Trial cards: phase, status, where a trial recruits, and "Recruiting in your country". */

let renderer: EmailRenderer;
let labels: Record<TopicId, string>;

beforeAll(async () => {
  renderer = await createTestRenderer();
  ({ labels } = await loadRenderingInputs());
});

function trialFacts(fields: Partial<TrialFacts> = {}): TrialFacts {
  return {
    phases: ['phase-2'],
    status: 'recruiting',
    conditions: ['Melanoma'],
    interventions: ['Pembrolizumab'],
    countries: ['FR', 'US'],
    recruitingCountries: ['FR', 'US'],
    lastUpdatedOn: '2026-11-20',
    ...fields,
  };
}

function aTrial(id: string, trial: Partial<TrialFacts>, fields: Partial<Article> = {}): Article {
  return anArticle({
    id,
    title: `Trial ${id}`,
    studyTypes: ['trial-registration', 'phase-2'],
    identifiers: { nct: `NCT0${id.length}000000` },
    trial: trialFacts(trial),
    firstSeenAt: '2026-11-22T00:00:00Z',
    ...fields,
  });
}

const links = {
  manageUrl: `${SITE_URL}/preferences?token=m.reader`,
  unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u.reader`,
  viewUrl: `${SITE_URL}/digest?token=v.reader&until=1764489600`,
};

describe('the words of a trial card', () => {
  it('writes phases as registries do, and leaves out a phase that does not apply', () => {
    expect(phaseWords(['phase-1', 'phase-2'])).toBe('Phase 1/2');
    expect(phaseWords(['phase-3'])).toBe('Phase 3');
    expect(phaseWords(['early-phase-1'])).toBe('Early phase 1');
    expect(phaseWords(['not-applicable'])).toBe('');
  });

  it('says each status in ClinicalTrials.gov’s words', () => {
    const cases: [RecruitmentStatus, string][] = [
      ['recruiting', 'Recruiting'],
      ['active-not-recruiting', 'Active, not recruiting'],
      ['not-yet-recruiting', 'Not yet recruiting'],
      ['completed', 'Completed'],
      ['withdrawn', 'Withdrawn'],
      ['enrolling-by-invitation', 'Enrolling by invitation'],
    ];
    for (const [status, words] of cases) expect(statusWords(status)).toBe(words);
  });

  it('names up to five recruiting countries in English, sorted, then counts the rest', () => {
    expect(countryList(['US', 'FR'])).toBe('France and United States');
    expect(countryList(['DE'])).toBe('Germany');
    expect(countryList(['US', 'FR', 'DE', 'ES', 'IT', 'BE', 'NL'])).toBe(
      'Belgium, France, Germany, Italy, Netherlands and 2 more',
    );
  });

  it('lists no recruiting countries for a trial that is not recruiting', () => {
    const view = trialViewOf(trialFacts({ status: 'completed', recruitingCountries: ['FR'] }), false);

    expect(view).toEqual({ phase: 'Phase 2', status: 'Completed', recruitingIn: '', recruitingHere: false });
  });
});

describe('who a trial is recruiting for', () => {
  it('is a reader in a country with a recruiting site of a recruiting trial, and nobody else', () => {
    const trial = trialFacts({ recruitingCountries: ['FR'] });

    expect(isRecruitingIn(trial, 'FR')).toBe(true);
    expect(isRecruitingIn(trial, 'DE')).toBe(false);
    expect(isRecruitingIn(trial, undefined)).toBe(false);
    expect(isRecruitingIn(undefined, 'FR')).toBe(false);
  });

  it('is nobody for a trial completed, withdrawn, terminated, not yet recruiting or by invitation', () => {
    for (const status of [
      'completed',
      'withdrawn',
      'terminated',
      'not-yet-recruiting',
      'active-not-recruiting',
      'enrolling-by-invitation',
      'suspended',
    ] as const) {
      // Even if a stale record still lists a site country as recruiting.
      expect(isRecruitingIn(trialFacts({ status, recruitingCountries: ['FR'] }), 'FR'), status).toBe(false);
    }
  });
});

describe('selecting for a reader’s country', () => {
  const now = new Date('2026-11-23T09:00:00Z');
  const limits = { maxPerTopic: 5, maxArticles: 25 };
  // The trial recruiting in France ranks lowest on its own merits.
  const elsewhere = aTrial('trial-elsewhere', { recruitingCountries: ['DE'] }, { topics: { 'car-t': 6 } });
  const inFrance = aTrial('trial-france', { recruitingCountries: ['FR'] }, { topics: { 'car-t': 2 } });
  const completedInFrance = aTrial(
    'trial-done',
    { status: 'completed', recruitingCountries: [] },
    { topics: { 'car-t': 5 } },
  );
  const study = anArticle({ id: 'a-study', topics: { 'car-t': 9 }, firstSeenAt: '2026-11-22T00:00:00Z' });
  const week = [elsewhere, inFrance, completedInFrance, study];

  it('ranks a trial recruiting in the reader’s country above the trials that are not, and marks it', () => {
    const selection = selectArticles(week, ['car-t'], limits, now, 'FR');
    const articles = selection.sections[0]!.articles;

    expect(articles.map((article) => article.articleId)).toEqual([
      'a-study',
      'trial-france',
      'trial-elsewhere',
      'trial-done',
    ]);
    expect(articles.filter((article) => article.recruitingHere).map((article) => article.articleId)).toEqual([
      'trial-france',
    ]);
  });

  it('leaves the selection of a reader elsewhere or without a country as it was', () => {
    const none = selectArticles(week, ['car-t'], limits, now);
    const germany = selectArticles(week, ['car-t'], limits, now, 'DE');
    const japan = selectArticles(week, ['car-t'], limits, now, 'JP');

    expect(none.sections[0]!.articles.map((article) => article.articleId)).toEqual([
      'a-study',
      'trial-elsewhere',
      'trial-done',
      'trial-france',
    ]);
    expect(none.sections[0]!.articles.some((article) => article.recruitingHere)).toBe(false);
    expect(selectionKey(japan)).toBe(selectionKey(none));
    expect(germany.sections[0]!.articles.find((article) => article.recruitingHere)?.articleId).toBe(
      'trial-elsewhere',
    );
  });
});

describe('the card in the email', () => {
  const trial = aTrial(
    'trial-card',
    {
      phases: ['phase-1', 'phase-2'],
      recruitingCountries: ['US', 'FR', 'DE', 'ES', 'IT', 'BE', 'NL'],
    },
    { studyTypes: ['trial-registration', 'phase-1', 'phase-2'] },
  );
  const inputOf = (recruitingHere: boolean) => ({
    digestId: 'weekly-2026-W49',
    articles: new Map([[trial.id, trial]]),
    selection: {
      sections: [
        {
          topic: 'car-t' as const,
          articles: [
            {
              articleId: trial.id,
              matchedTopics: ['car-t' as const],
              ...(recruitingHere ? { recruitingHere: true as const } : {}),
            },
          ],
        },
      ],
    },
  });

  it('shows the status, the phase and where the trial recruits, in the HTML and the text twin', async () => {
    const email = (await renderer.renderDigest(inputOf(false))).personalise(links);

    expect(email.html).toContain('<strong>Recruiting</strong> · Phase 1/2 · sites recruiting in Belgium');
    expect(email.html).toContain('Netherlands and 2 more');
    expect(email.html).not.toContain('Recruiting in your country');
    expect(email.text).toContain(
      'Recruiting · Phase 1/2 · sites recruiting in Belgium, France, Germany, Italy, Netherlands and 2 more',
    );
    expect(email.text).not.toContain('Recruiting in your country');
  });

  it('says "Recruiting in your country" where the selection says so: a card of its own', async () => {
    const email = (await renderer.renderDigest(inputOf(true))).personalise(links);
    const [plain, here] = [inputOf(false), inputOf(true)].map(
      (input) => buildDigestView(input, labels).sections[0]!.articles[0]!,
    );

    expect(email.html).toContain('Recruiting in your country');
    expect(email.text).toContain('>> Recruiting in your country');
    expect(here!.key).not.toBe(plain!.key);
  });

  it('is the same assembled from pieces as rendered whole', async () => {
    const input = inputOf(true);
    const assembled = (await renderer.renderDigest(input)).personalise(links);
    const whole = (await renderer.renderDigestWhole(input, links)).personalise(links);

    expect(assembled.html).toBe(whole.html);
    expect(assembled.text).toBe(whole.text);
  });

  it('travels in a send job, which still rejects anything else on an article', () => {
    const job = {
      kind: 'digest',
      version: 1,
      digestId: 'weekly-2026-W49',
      groupKey: 'group-key',
      windowEnd: '2026-11-23T09:00:00.000Z',
      sections: inputOf(true).selection.sections,
      recipients: [{ subscriberId: 'a-subscriber-id', topicsKey: 'car-t' }],
    };

    expect(parseSendJob(JSON.stringify(job))).toEqual(job);
    const bad = structuredClone(job) as { sections: { articles: Record<string, unknown>[] }[] };
    bad.sections[0]!.articles[0]!.recruitingHere = false;
    expect(() => parseSendJob(JSON.stringify(bad))).toThrow();
  });
});

class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  async send(email: OutgoingEmail) {
    this.sent.push(email);
    return { messageId: `m-${this.sent.length}` };
  }
}

describe('planning readers with countries', () => {
  let clock: ManualClock;
  let subscribers: FakeSubscriberStore;
  let articles: FakeArticleStore;
  let mailer: RecordingMailer;
  let delivery: ReturnType<typeof inMemoryDelivery<RecordingMailer>>;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));
    mailer = new RecordingMailer();
    delivery = inMemoryDelivery({ renderer, mailer, clock });
    ({ subscribers, articles } = delivery);
  });

  const reader = async (local: string, country?: string) => {
    const subscriber = newSubscriber(
      {
        email: `${local}@example.org`,
        topics: ['car-t'],
        status: 'confirmed',
        ...(country ? { country } : {}),
      },
      clock.now(),
      testSubscriberIds,
    );
    await subscribers.create(subscriber);
    return subscriber;
  };

  async function planAndSend() {
    const summary = await planDigest(
      { maxPerTopic: 5, maxArticles: 25, firstWindowDays: 7, recipientsPerJob: 50, ignoreSlot: true },
      {
        ...delivery.deps,
        queue: delivery.queue,
        subscribers: delivery.subscribers,
        plannerCursor: delivery.plannerCursor,
      },
    );
    const jobs = delivery.queue.digestJobs;
    const inputs = await digestInputsFor(jobs, articles);
    for (const [index, job] of jobs.entries())
      await deliverJob(job, delivery.deps, unlimitedRun(), inputs[index]);
    const emailTo = (subscriber: { email: string }) =>
      mailer.sent.find((email) => email.to === subscriber.email)!;
    return { summary, emailTo };
  }

  it('groups readers by country only where a trial recruits in it', async () => {
    articles.add(aTrial('trial-fr', { recruitingCountries: ['FR'] }));
    const [paris, lyon, berlin, tokyo, nowhere] = [
      await reader('paris', 'FR'),
      await reader('lyon', 'FR'),
      await reader('berlin', 'DE'),
      await reader('tokyo', 'JP'),
      await reader('nowhere'),
    ];

    const { summary, emailTo } = await planAndSend();

    // France's readers share one digest; Germany, Japan and no country share the country-less one.
    expect(summary.groups).toBe(2);
    for (const french of [paris, lyon]) expect(emailTo(french).html).toContain('Recruiting in your country');
    for (const other of [berlin, tokyo, nowhere]) {
      expect(emailTo(other).html).toContain('Trial trial-fr');
      expect(emailTo(other).html).not.toContain('Recruiting in your country');
    }
  });
});

describe('a group of several jobs in one batch', () => {
  const article = aTrial('batch-trial', {});
  const inputOf = (articles: ReadonlyMap<string, Article>, groupKey: string) => ({
    digestId: 'weekly-2026-W49',
    articles,
    groupKey,
    selection: {
      sections: [
        { topic: 'car-t' as const, articles: [{ articleId: article.id, matchedTopics: ['car-t' as const] }] },
      ],
    },
  });

  it('is assembled once for the batch, and again for another batch or another group', async () => {
    const batch = new Map([[article.id, article]]);
    const nextBatch = new Map([[article.id, article]]);

    const first = renderer.renderDigest(inputOf(batch, 'group-a'));
    const second = renderer.renderDigest(inputOf(batch, 'group-a'));
    const otherGroup = renderer.renderDigest(inputOf(batch, 'group-b'));
    const otherBatch = renderer.renderDigest(inputOf(nextBatch, 'group-a'));

    expect(second).toBe(first);
    expect(otherGroup).not.toBe(first);
    expect(otherBatch).not.toBe(first);
    expect((await otherBatch).personalise(links).html).toBe((await first).personalise(links).html);
  });
});
