import { describe, expect, it } from 'vitest';
import { applyMailEvent, SOFT_BOUNCE_LIMIT } from '../../functions/core/subscribers/mail-events.ts';
import { parseSesEvent } from '../../functions/adapters/ses/ses-event.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { PoisonMessageError } from '../../functions/core/errors.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { FakeSubscriberStore, testSubscriberIds } from '../../testkit/fakes.ts';

const at = new Date('2026-11-26T10:00:00Z');

async function storeWith(email: string) {
  const subscribers = new FakeSubscriberStore();
  const subscriber = newSubscriber({ email, topics: ['car-t'], status: 'confirmed' }, at, testSubscriberIds);
  await subscribers.create(subscriber);
  return {
    subscribers,
    id: subscriber.subscriberId,
    deps: { subscribers, subscriberIds: testSubscriberIds, logger: silentLogger },
  };
}

const sesEvent = (detail: object) => ({ source: 'aws.ses', 'detail-type': 'Email Bounced', detail });

describe('bounces and complaints', () => {
  it('suppresses a reader at once on a hard bounce', async () => {
    const { subscribers, id, deps } = await storeWith('hard@example.org');

    await applyMailEvent({ kind: 'bounce', severity: 'hard', recipients: ['Hard@Example.org'], at }, deps);

    expect((await subscribers.get(id))?.status).toBe('bounced');
  });

  it('suppresses a reader at once on a complaint', async () => {
    const { subscribers, id, deps } = await storeWith('angry@example.org');

    await applyMailEvent({ kind: 'complaint', recipients: ['angry@example.org'], at }, deps);

    expect((await subscribers.get(id))?.status).toBe('complained');
  });

  it(`counts soft bounces and suppresses after ${SOFT_BOUNCE_LIMIT}`, async () => {
    const { subscribers, id, deps } = await storeWith('full@example.org');
    const soft = { kind: 'bounce', severity: 'soft', recipients: ['full@example.org'], at } as const;

    await applyMailEvent(soft, deps);
    await applyMailEvent(soft, deps);
    expect((await subscribers.get(id))?.status).toBe('confirmed');
    await applyMailEvent(soft, deps);

    expect(await subscribers.get(id)).toMatchObject({ status: 'bounced', softBounces: 3 });
  });

  it('counts a soft bounce of an address it does not know as unknown and changes nothing', async () => {
    const { deps, subscribers } = await storeWith('known@example.org');

    expect(
      await applyMailEvent(
        { kind: 'bounce', severity: 'soft', recipients: ['stranger@example.org'], at },
        deps,
      ),
    ).toEqual({
      suppressed: 0,
      softBouncesCounted: 0,
      unknown: 1,
    });
    expect(subscribers.suppressions.size).toBe(0);
  });

  it('suppresses an address with no subscriber (a confirmation) on a complaint or hard bounce, keeping only its keyed id', async () => {
    const { deps, subscribers } = await storeWith('known@example.org');
    const stranger = testSubscriberIds.idFor('stranger@example.org');
    const gone = testSubscriberIds.idFor('gone@example.org');

    const outcome = await applyMailEvent(
      { kind: 'complaint', recipients: ['stranger@example.org'], at },
      deps,
    );
    await applyMailEvent({ kind: 'bounce', severity: 'hard', recipients: ['gone@example.org'], at }, deps);

    expect(outcome).toEqual({ suppressed: 1, softBouncesCounted: 0, unknown: 0 });
    expect(await subscribers.getSuppression(stranger)).toEqual({
      subscriberId: stranger,
      erasedAt: at.toISOString(),
      reason: 'complained',
    });
    expect((await subscribers.getSuppression(gone))?.reason).toBe('bounced');
    expect(JSON.stringify([...subscribers.suppressions.values()])).not.toContain('@example.org');
  });
});

describe('parseSesEvent', () => {
  it('reads a permanent bounce as hard and a transient one as soft', () => {
    const bounce = (bounceType: string) =>
      parseSesEvent(
        sesEvent({
          eventType: 'Bounce',
          bounce: {
            bounceType,
            bouncedRecipients: [{ emailAddress: 'a@example.org' }],
            timestamp: '2026-11-26T09:00:00Z',
          },
        }),
        at,
      );

    expect(bounce('Permanent')).toEqual({
      kind: 'bounce',
      severity: 'hard',
      recipients: ['a@example.org'],
      at: new Date('2026-11-26T09:00:00Z'),
    });
    expect(bounce('Transient')).toMatchObject({ severity: 'soft' });
    expect(bounce('Undetermined')).toMatchObject({ severity: 'soft' });
  });

  it('reads a complaint', () => {
    expect(
      parseSesEvent(
        sesEvent({
          eventType: 'Complaint',
          complaint: { complainedRecipients: [{ emailAddress: 'b@example.org' }] },
        }),
        at,
      ),
    ).toEqual({
      kind: 'complaint',
      recipients: ['b@example.org'],
      at,
    });
  });

  it('refuses anything else with a message that says what is wrong', () => {
    expect(() =>
      parseSesEvent(
        { source: 'aws.ses', 'detail-type': 'Email Delivered', detail: { eventType: 'Delivery' } },
        at,
      ),
    ).toThrow(PoisonMessageError);
    expect(() => parseSesEvent({ hello: 'world' }, at)).toThrow(/source/);
  });
});
