import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSesEvent } from '../../functions/adapters/ses/ses-event.ts';
import { ledgerTags } from '../../functions/adapters/ses/ses-tags.ts';
import { deliverJob, type DeliveryDependencies } from '../../functions/core/delivery/deliver-job.ts';
import { recordSesAcceptance } from '../../functions/core/delivery/ses-acceptance.ts';
import type { DigestJob } from '../../functions/core/delivery/send-job.ts';
import { topicsKey } from '../../functions/core/digest/select.ts';
import type { EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import {
  anArticle,
  FakeLedger,
  inMemoryDelivery,
  ManualClock,
  RecordingMailer,
  testSubscriberIds,
  type FakeSubscriberStore,
} from '../../testkit/fakes.ts';
import { createTestRenderer } from '../helpers/digest-fixture.ts';

const at = new Date('2026-11-30T08:00:00.000Z');
const key = { digestId: 'weekly-2026-W49', subscriberId: testSubscriberIds.idFor('reader@example.org') };

/** A Send event as SES puts it on EventBridge, the email's tags given as SES gives them (lists). */
function sendEvent(tags: Record<string, string[]>, messageId = 'ses-message-1') {
  return {
    version: '0',
    source: 'aws.ses',
    'detail-type': 'Email Sent',
    time: at.toISOString(),
    detail: {
      eventType: 'Send',
      mail: {
        timestamp: at.toISOString(),
        messageId,
        source: 'digest@example.org',
        destination: ['reader@example.org'],
        tags: { 'ses:configuration-set': ['digest-set'], ...tags },
      },
      send: {},
    },
  };
}

const tagsOf = (of: typeof key) => Object.fromEntries(ledgerTags(of).map((tag) => [tag.Name, [tag.Value]]));

function recordingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: Logger = {
    info: () => undefined,
    warn: (message) => void warnings.push(message),
    error: (message) => void errors.push(message),
  };
  return { logger, warnings, errors };
}

describe('a Send event', () => {
  it('reads as SES’s acceptance of the ledger item its tags name', () => {
    expect(parseSesEvent(sendEvent(tagsOf(key)), new Date(0))).toEqual({
      kind: 'accepted',
      key,
      messageId: 'ses-message-1',
      at,
    });
  });

  it('names no item when the email carried no ledger tags (a confirmation, a test send)', () => {
    expect(parseSesEvent(sendEvent({ kind: ['confirmation'] }), at)).toMatchObject({
      kind: 'accepted',
      key: undefined,
    });
  });

  it('records the acceptance on its ledger item, once, whichever comes first', async () => {
    const ledger = new FakeLedger();
    await ledger.claim(key, at, 300_000);
    const { logger } = recordingLogger();
    const event = parseSesEvent(sendEvent(tagsOf(key)), at);
    if (event.kind !== 'accepted') throw new Error('not read as a Send event');

    const first = await recordSesAcceptance(event, { ledger, logger });
    const again = await recordSesAcceptance(event, { ledger, logger });

    expect([first, again]).toEqual([{ acceptance: 'recorded' }, { acceptance: 'recorded' }]);
    expect(ledger.items.get(`${key.digestId}|${key.subscriberId}`)).toMatchObject({
      status: 'claimed',
      acceptedMessageId: 'ses-message-1',
      acceptedAt: at.toISOString(),
    });
  });

  it('says so, as an error, when the item was sent as another message: a second copy went out', async () => {
    const ledger = new FakeLedger();
    await ledger.claim(key, at, 300_000);
    await ledger.markSent(key, 'ses-takeover-copy', at);
    const { logger, errors } = recordingLogger();

    const late = await recordSesAcceptance(
      { kind: 'accepted', key, messageId: 'ses-first', at },
      { ledger, logger },
    );
    const own = await recordSesAcceptance(
      { kind: 'accepted', key, messageId: 'ses-takeover-copy', at },
      { ledger, logger },
    );

    expect([late, own]).toEqual([{ acceptance: 'second-copy' }, { acceptance: 'recorded' }]);
    expect(errors).toEqual([
      'SES accepted a second copy of an email: its Send event came after the takeover',
    ]);
  });

  it('logs and drops an event for an item the ledger does not hold, and one with no item at all', async () => {
    const ledger = new FakeLedger();
    const { logger, warnings } = recordingLogger();

    const unknown = await recordSesAcceptance(
      { kind: 'accepted', key, messageId: 'm', at },
      { ledger, logger },
    );
    const untagged = await recordSesAcceptance(
      { kind: 'accepted', key: undefined, messageId: 'm', at },
      { ledger, logger },
    );

    expect(unknown).toEqual({ acceptance: 'unknown-item' });
    expect(untagged).toEqual({ acceptance: 'untagged' });
    expect(warnings).toEqual(['SES accepted an email whose ledger item is not there: dropped']);
    expect(ledger.items.size).toBe(0);
  });
});

describe('a sender taking over an expired claim', () => {
  let renderer: EmailRenderer;
  let clock: ManualClock;
  let mailer: RecordingMailer;
  let ledger: FakeLedger;
  let subscribers: FakeSubscriberStore;
  let deps: DeliveryDependencies;
  let job: DigestJob;

  beforeAll(async () => {
    renderer = await createTestRenderer();
  });

  beforeEach(async () => {
    clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));
    mailer = new RecordingMailer();
    let articles;
    ({ ledger, subscribers, articles, deps } = inMemoryDelivery({ renderer, mailer, clock }));
    const article = anArticle({ firstSeenAt: '2026-11-22T00:00:00Z', topics: { 'car-t': 3 } });
    articles.add(article);
    const reader = newSubscriber(
      { email: 'reader@example.org', topics: ['car-t'], status: 'confirmed' },
      clock.now(),
      testSubscriberIds,
    );
    await subscribers.create(reader);
    job = {
      kind: 'digest',
      version: 1,
      digestId: 'weekly-2026-W48',
      groupKey: 'car-t-group',
      windowEnd: clock.now().toISOString(),
      sections: [{ topic: 'car-t', articles: [{ articleId: article.id, matchedTopics: ['car-t'] }] }],
      recipients: [{ subscriberId: reader.subscriberId, topicsKey: topicsKey(reader.topics) }],
    };
  });

  const ledgerKey = () => ({ digestId: job.digestId, subscriberId: job.recipients[0]!.subscriberId });
  const record = () => ledger.items.get(`${job.digestId}|${job.recipients[0]!.subscriberId}`);

  it('names the ledger item in the email it sends', async () => {
    await deliverJob(job, deps);

    expect(mailer.sent[0]?.ledgerKey).toEqual(ledgerKey());
  });

  it('sends nothing when SES accepted the dead sender’s email, and records it sent with SES’s message id', async () => {
    await ledger.claim(ledgerKey(), clock.now(), deps.settings.leaseMs);
    await ledger.recordAccepted(ledgerKey(), 'ses-accepted-1', new Date(clock.now().getTime() + 2000));
    clock.advance(deps.settings.leaseMs + 1);

    const outcome = await deliverJob(job, deps);

    expect(outcome).toMatchObject({ sent: 1, skipped: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(0);
    expect(record()).toMatchObject({ status: 'sent', messageId: 'ses-accepted-1' });
    expect((await subscribers.get(ledgerKey().subscriberId))?.lastDigestId).toBe('weekly-2026-W48');
  });

  it('leaves an accepted claim to its sender while its lease runs', async () => {
    await ledger.claim(ledgerKey(), clock.now(), deps.settings.leaseMs);
    await ledger.recordAccepted(ledgerKey(), 'ses-accepted-1', clock.now());

    const outcome = await deliverJob(job, deps);

    expect(outcome).toMatchObject({ sent: 0, skipped: 1 });
    expect(record()).toMatchObject({ status: 'claimed' });
  });

  it('sends once an expired claim SES never accepted', async () => {
    await ledger.claim(ledgerKey(), clock.now(), deps.settings.leaseMs);
    clock.advance(deps.settings.leaseMs + 1);

    const outcome = await deliverJob(job, deps);

    expect(outcome).toMatchObject({ sent: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(record()).toMatchObject({ status: 'sent', messageId: 'message-1', attempts: 2 });
  });
});
