import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

/** The DynamoDB adapters' side of erasure, email claims and request counting, on dynalite. */
describe('the subscriber store on DynamoDB', () => {
  let world: TestWorld;
  const at = new Date('2026-11-25T12:00:00.000Z');

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(() => world.stop());

  async function stored(local: string, status: SubscriberStatus = 'confirmed') {
    const subscriber = newSubscriber({ email: world.email(local), topics: ['access'], status }, at);
    await world.context.subscribers.create(subscriber);
    return subscriber;
  }

  it('erases a subscriber into a suppression entry that no read returns and no write revives', async () => {
    const { subscribers } = world.context;
    const subscriber = await stored('erased');
    await subscribers.claimConfirmationEmail(subscriber.subscriberId, at, 1000);
    const id = subscriber.subscriberId;

    expect(await subscribers.erase(id, at)).toBe(true);
    expect(await subscribers.erase(id, at)).toBe(false);

    expect(await subscribers.get(id)).toBeUndefined();
    expect(await subscribers.getMany([id])).toEqual([]);
    expect((await subscribers.listConfirmed()).map((s) => s.subscriberId)).not.toContain(id);
    expect(await subscribers.getSuppression(id)).toEqual({
      subscriberId: id,
      erasedAt: at.toISOString(),
      reason: 'erased',
      confirmationSentAt: at.toISOString(),
    });

    // Whatever was in flight when the reader was erased (a sender, a bounce, the planner) changes nothing.
    await subscribers.setStatus(id, 'confirmed', at);
    await subscribers.recordDelivery(id, 'weekly-2026-W48', at);
    await subscribers.markPlanned(id, 'weekly-2026-W48', at);
    expect(await subscribers.recordSoftBounce(id, at)).toBe(0);
    expect(await subscribers.updateProfile(id, { paused: true }, at)).toBe(false);
    expect(await subscribers.claimManageLinkEmail(id, at, 1000)).toBe(false);
    expect(
      await subscribers.create(newSubscriber({ email: world.email('erased'), topics: ['access'] }, at)),
    ).toBe(false);
    expect(await subscribers.get(id)).toBeUndefined();
  });

  it('keeps a complaint as the reason of the suppression entry, and never lets that one be replaced', async () => {
    const { subscribers } = world.context;
    const subscriber = await stored('complained', 'complained');

    await subscribers.erase(subscriber.subscriberId, at);

    expect((await subscribers.getSuppression(subscriber.subscriberId))?.reason).toBe('complained');
    expect(
      await subscribers.replaceErased(
        newSubscriber({ email: world.email('complained'), topics: ['access'] }, at),
      ),
    ).toBe(false);
  });

  it('replaces an erased entry with a new pending subscriber, once', async () => {
    const { subscribers } = world.context;
    const subscriber = await stored('returns');
    await subscribers.erase(subscriber.subscriberId, at);
    const comeback = newSubscriber({ email: world.email('returns'), topics: ['melanoma'] }, at);

    const results = await Promise.all([
      subscribers.replaceErased(comeback),
      subscribers.replaceErased(comeback),
    ]);

    expect(results.sort()).toEqual([false, true]);
    expect(await subscribers.get(subscriber.subscriberId)).toMatchObject({
      status: 'pending',
      topics: ['melanoma'],
    });
  });

  it('grants one manage-link claim among many racing ones, and gives a claim back only to its own holder', async () => {
    const { subscribers } = world.context;
    const { subscriberId } = await stored('claims');

    const claims = await Promise.all(
      Array.from({ length: 20 }, () => subscribers.claimManageLinkEmail(subscriberId, at, 3600_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);

    await subscribers.releaseEmailClaim(subscriberId, 'manage-link', new Date(at.getTime() - 1));
    expect(await subscribers.claimManageLinkEmail(subscriberId, at, 3600_000)).toBe(false);
    await subscribers.releaseEmailClaim(subscriberId, 'manage-link', at);
    expect(await subscribers.claimManageLinkEmail(subscriberId, at, 3600_000)).toBe(true);
  });

  it('never lets racing requests past a fixed-window limit, and starts each window afresh', async () => {
    const { requestCounter } = world.context;
    const window = new Date('2026-11-25T12:00:00.000Z');

    const taken = await Promise.all(
      Array.from({ length: 30 }, () => requestCounter.take('client-a', window, 600_000, 10)),
    );
    const nextWindow = await requestCounter.take(
      'client-a',
      new Date(window.getTime() + 600_000),
      600_000,
      10,
    );
    const otherClient = await requestCounter.take('client-b', window, 600_000, 10);

    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(nextWindow).toBe(true);
    expect(otherClient).toBe(true);
  });
});
