import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { handleSesEvent } from '../../functions/app/mail-events.ts';
import { LEASE_MS } from '../../functions/core/delivery/send-policy.ts';
import { weeklyDigestId } from '../../functions/core/digest/schedule.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { SendEventPublishingMailer, sesSendEvent } from '../../functions/local/ses-send-events.ts';
import { ledgerTags } from '../../functions/adapters/ses/ses-tags.ts';
import type { DeliveryKey } from '../../functions/model/deliveries.ts';
import { DEFAULT_DELIVERY_SLOT } from '../../functions/model/subscribers.ts';
import { systemClock } from '../../functions/ports/clock.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { aCandidate } from '../../testkit/fakes.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * SES tells the ledger: on the stand-ins (dynalite, aws-ses-v2-local, fauxqs), each email the
 * sender sends names its ledger item in its tags; SES's Send event (published as the local runtime
 * publishes it) records the acceptance there; and a sender that takes over a dead sender's
 * expired claim sends again only what SES never accepted.
 */
describe('SES Send events on the delivery ledger', () => {
  let world: TestWorld;
  let publishing: SendEventPublishingMailer;
  /** The world's context, its mailer publishing a Send event 50 ms after each accepted email. */
  let sender: AppContext;
  let readerCount = 0;

  beforeAll(async () => {
    world = await createTestWorld({ env: { RECIPIENTS_PER_JOB: '5' } });
    publishing = new SendEventPublishingMailer(world.context.mailer, {
      publish: (event) => handleSesEvent(world.context, event),
      clock: systemClock,
      configurationSet: 'immuno-digest-events',
      delayMs: () => 50,
    });
    sender = { ...world.context, mailer: publishing };
    const firstSeenAt = new Date(Date.now() - 86_400_000);
    await world.context.articles.upsert(
      aCandidate({
        url: 'https://research.example.org/w1/car-t-in-lupus',
        title: 'Study: CAR-T in lupus',
        publishedAt: new Date(firstSeenAt.getTime() - 86_400_000).toISOString(),
        topics: { 'car-t': 3 },
      }),
      firstSeenAt,
    );
  });

  afterAll(() => world.stop());

  const addReader = async () => {
    readerCount += 1;
    const subscriber = newSubscriber(
      { email: world.email(`accepted-${readerCount}`), topics: ['car-t'], status: 'confirmed' },
      new Date(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(subscriber);
    return subscriber;
  };
  const digestId = () => weeklyDigestId(DEFAULT_DELIVERY_SLOT, new Date());
  const recordOf = async (subscriberId: string) =>
    (await world.context.ledger.listForDigest(digestId())).find(
      (record) => record.subscriberId === subscriberId,
    );
  const mailTo = async (email: string) =>
    (await sentEmails(world.endpoints.ses, world.isMine)).filter((sent) =>
      sent.destination.to.includes(email),
    );
  /** A sender that runs six minutes from now: past every lease taken now. */
  const laterSender = () =>
    createAppContext(world.context.config, {
      clients: world.context.clients,
      clock: { now: () => new Date(Date.now() + LEASE_MS + 60_000) },
      logger: silentLogger,
      mjmlValidation: 'strict',
    });
  /** A sender that claimed the reader's item, had SES accept its email (or not), and died unrecorded. */
  const dieAfterClaim = async (key: DeliveryKey, to: string, sesAccepts: boolean) => {
    expect(await world.context.ledger.claim(key, new Date(), LEASE_MS)).toEqual({ claimed: true });
    if (!sesAccepts) return undefined;
    const { messageId } = await publishing.send({
      to,
      subject: 'Your Immunotherapy Digest',
      html: '<p>The digest</p>',
      text: 'The digest',
      headers: [],
      tags: { kind: 'digest', digest: key.digestId },
      ledgerKey: key,
    });
    await publishing.flush();
    return messageId;
  };

  it('records SES’s acceptance, with its message id, on the ledger item each email names', async () => {
    const readers = [await addReader(), await addReader()];
    await planDigestOnce(world.context, { ignoreSlot: true });

    const totals = await drainSendQueue(sender, world.queues.sendUrl);
    await publishing.flush();

    expect(totals.sent).toBe(2);
    for (const reader of readers) {
      const record = await recordOf(reader.subscriberId);
      expect(record).toMatchObject({ status: 'sent', acceptedMessageId: record?.messageId });
      expect(record?.acceptedAt).toBeDefined();
    }
  });

  it('has a takeover of an expired claim that SES accepted send nothing, and record it sent', async () => {
    const reader = await addReader();
    await planDigestOnce(world.context, { ignoreSlot: true });
    const key = { digestId: digestId(), subscriberId: reader.subscriberId };
    const accepted = await dieAfterClaim(key, reader.email, true);

    const rerun = await drainSendQueue(await laterSender(), world.queues.sendUrl);

    expect(rerun).toMatchObject({ sent: 1 });
    expect(await mailTo(reader.email)).toHaveLength(1);
    expect(await recordOf(reader.subscriberId)).toMatchObject({
      status: 'sent',
      messageId: accepted,
      acceptedMessageId: accepted,
      attempts: 1,
    });
    expect((await world.context.subscribers.get(reader.subscriberId))?.lastDigestId).toBe(digestId());
  });

  it('sends an expired claim that SES never accepted, once', async () => {
    const reader = await addReader();
    await planDigestOnce(world.context, { ignoreSlot: true });
    const key = { digestId: digestId(), subscriberId: reader.subscriberId };
    await dieAfterClaim(key, reader.email, false);

    const rerun = await drainSendQueue(await laterSender(), world.queues.sendUrl);

    expect(rerun).toMatchObject({ sent: 1 });
    expect(await mailTo(reader.email)).toHaveLength(1);
    expect(await recordOf(reader.subscriberId)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await recordOf(reader.subscriberId))?.acceptedMessageId).toBeUndefined();
  });

  it('drops a Send event whose item the ledger does not hold, creating nothing', async () => {
    const key = {
      digestId: 'weekly-2020-W01',
      subscriberId: world.context.subscriberIds.idFor('gone@example.org'),
    };

    const outcome = await handleSesEvent(
      world.context,
      sesSendEvent({
        messageId: 'ses-unknown',
        to: 'gone@example.org',
        tags: ledgerTags(key),
        at: new Date(),
      }),
    );

    expect(outcome).toEqual({ acceptance: 'unknown-item' });
    expect(await world.context.ledger.listForDigest(key.digestId)).toEqual([]);
  });
});
