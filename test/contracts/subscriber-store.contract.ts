import { beforeEach, describe, expect, it } from 'vitest';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { ConsentRecord, Subscriber, SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { SubscriberStore } from '../../functions/ports/subscriber-store.ts';

/**
 * What every SubscriberStore promises, written once and run against the in-memory fake (unit
 * project) and the DynamoDB adapter on dynalite (integration project), so the two cannot drift.
 * `makeStore` gives an empty store for each test.
 */
export function describeSubscriberStoreContract(
  name: string,
  makeStore: () => SubscriberStore | Promise<SubscriberStore>,
): void {
  describe(`the subscriber store contract: ${name}`, () => {
    const at = new Date('2026-11-25T12:00:00.000Z');
    const later = (ms: number) => new Date(at.getTime() + ms);
    const consent: ConsentRecord = {
      at: at.toISOString(),
      ipHash: 'hash',
      topics: ['access'],
      wordingVersion: 'v1',
    };
    let subscribers: SubscriberStore;

    beforeEach(async () => {
      subscribers = await makeStore();
    });

    const reader = (local: string, status: SubscriberStatus = 'confirmed'): Subscriber =>
      newSubscriber({ email: `${local}@example.org`, topics: ['access'], status }, at);

    async function stored(local: string, status: SubscriberStatus = 'confirmed'): Promise<Subscriber> {
      const subscriber = reader(local, status);
      await subscribers.create(subscriber);
      return subscriber;
    }

    it('creates a subscriber once and reads it back whole', async () => {
      const subscriber = reader('new', 'pending');

      expect(await subscribers.create(subscriber)).toBe(true);
      expect(await subscribers.create({ ...subscriber, topics: ['melanoma'] })).toBe(false);

      expect(await subscribers.get(subscriber.subscriberId)).toEqual(subscriber);
      expect(await subscribers.get('nobody-00000000000')).toBeUndefined();
    });

    it('reads many at once: each known id once, unknown ids left out', async () => {
      const a = await stored('many-a');
      const b = await stored('many-b');

      const found = await subscribers.getMany([
        a.subscriberId,
        'nobody-00000000000',
        b.subscriberId,
        a.subscriberId,
      ]);

      expect(found.map((s) => s.subscriberId).sort()).toEqual([a.subscriberId, b.subscriberId].sort());
      expect(await subscribers.getMany([])).toEqual([]);
    });

    it('tells whether any subscriber item exists, an erased one included', async () => {
      expect(await subscribers.hasAny()).toBe(false);
      const only = await stored('only');
      expect(await subscribers.hasAny()).toBe(true);

      await subscribers.erase(only.subscriberId, at);

      expect(await subscribers.hasAny()).toBe(true);
    });

    it('lists exactly the confirmed readers, following every change of status', async () => {
      const confirmed = await stored('listed');
      const pending = await stored('waiting', 'pending');
      const leaving = await stored('leaving');

      await subscribers.confirm(pending.subscriberId, consent, later(1));
      await subscribers.setStatus(leaving.subscriberId, 'unsubscribed', later(1));

      const listed = await subscribers.listConfirmed();
      expect(listed.map((s) => s.subscriberId).sort()).toEqual(
        [confirmed.subscriberId, pending.subscriberId].sort(),
      );
      expect(listed.find((s) => s.subscriberId === pending.subscriberId)).toEqual({
        ...pending,
        status: 'confirmed',
        consent,
        updatedAt: later(1).toISOString(),
      });
    });

    it('changes only the profile fields given, and only for a live subscriber', async () => {
      const subscriber = await stored('profile');

      const changed = await subscribers.updateProfile(
        subscriber.subscriberId,
        { topics: ['melanoma', 'vaccines'], delivery: undefined, paused: true },
        later(5),
      );
      const unknown = await subscribers.updateProfile('nobody-00000000000', { paused: true }, later(5));

      expect(changed).toBe(true);
      expect(unknown).toBe(false);
      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        topics: ['melanoma', 'vaccines'],
        paused: true,
        updatedAt: later(5).toISOString(),
      });
      expect(await subscribers.get('nobody-00000000000')).toBeUndefined();
    });

    it('records when a new slot counts from, with the slot', async () => {
      const subscriber = await stored('new-slot');
      const delivery = { weekday: 5, hour: 18, timeZone: 'Europe/Paris' };

      await subscribers.updateProfile(
        subscriber.subscriberId,
        { delivery, scheduleFrom: later(6).toISOString() },
        later(6),
      );

      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        delivery,
        scheduleFrom: later(6).toISOString(),
        updatedAt: later(6).toISOString(),
      });
    });

    it('confirms only a pending reader, once', async () => {
      const pending = await stored('confirming', 'pending');
      const confirmed = await stored('already');

      expect(await subscribers.confirm(pending.subscriberId, consent, later(1))).toBe(true);
      expect(await subscribers.confirm(pending.subscriberId, consent, later(2))).toBe(false);
      expect(await subscribers.confirm(confirmed.subscriberId, consent, later(2))).toBe(false);
      expect(await subscribers.confirm('nobody-00000000000', consent, later(2))).toBe(false);
      expect((await subscribers.get(pending.subscriberId))?.updatedAt).toBe(later(1).toISOString());
    });

    it('reopens a pending or unsubscribed reader with new choices, never a confirmed one', async () => {
      const left = await stored('left', 'unsubscribed');
      const confirmed = await stored('staying');
      const choices = {
        topics: ['car-t'] as const,
        delivery: { weekday: 3, hour: 7, timeZone: 'Europe/Berlin' },
      };

      expect(await subscribers.reopen(left.subscriberId, choices, later(1))).toBe(true);
      expect(await subscribers.reopen(confirmed.subscriberId, choices, later(1))).toBe(false);

      expect(await subscribers.get(left.subscriberId)).toEqual({
        ...left,
        ...choices,
        status: 'pending',
        updatedAt: later(1).toISOString(),
      });
      expect((await subscribers.get(confirmed.subscriberId))?.topics).toEqual(['access']);
    });

    it('sets a status on a live subscriber only, and never creates one', async () => {
      const subscriber = await stored('bouncing');

      await subscribers.setStatus(subscriber.subscriberId, 'bounced', later(1));
      await subscribers.setStatus('nobody-00000000000', 'confirmed', later(1));

      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        status: 'bounced',
        updatedAt: later(1).toISOString(),
      });
      expect(await subscribers.get('nobody-00000000000')).toBeUndefined();
      expect(await subscribers.listConfirmed()).toEqual([]);
    });

    it('counts soft bounces one by one with the time of the last, without touching updatedAt', async () => {
      const subscriber = await stored('soft');

      const counts = [
        await subscribers.recordSoftBounce(subscriber.subscriberId, later(1)),
        await subscribers.recordSoftBounce(subscriber.subscriberId, later(2)),
      ];

      expect(counts).toEqual([1, 2]);
      expect(await subscribers.recordSoftBounce('nobody-00000000000', later(3))).toBe(0);
      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        softBounces: 2,
        lastSoftBounceAt: later(2).toISOString(),
      });
    });

    it('grants an email claim again once a whole interval has passed, not a millisecond sooner', async () => {
      const { subscriberId } = await stored('confirm-claims', 'pending');
      const hour = 3600_000;

      const first = await subscribers.claimConfirmationEmail(subscriberId, at, hour);
      const soon = await subscribers.claimConfirmationEmail(subscriberId, later(hour - 1), hour);
      const onTheHour = await subscribers.claimConfirmationEmail(subscriberId, later(hour), hour);
      const next = await subscribers.claimConfirmationEmail(subscriberId, later(2 * hour - 1), hour);

      expect([first, soon, onTheHour, next]).toEqual([true, false, true, false]);
      expect((await subscribers.get(subscriberId))?.confirmationSentAt).toBe(later(hour).toISOString());
      expect(await subscribers.claimConfirmationEmail('nobody-00000000000', at, hour)).toBe(false);
      expect(await subscribers.claimManageLinkEmail('nobody-00000000000', at, hour)).toBe(false);
    });

    it('grants one manage-link claim among many racing ones, and gives a claim back only to its own holder', async () => {
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

    it('marks a reader planned and skipped, and moves the window only forward on delivery', async () => {
      const subscriber = await stored('weekly');
      const { subscriberId } = subscriber;

      await subscribers.markSkipped(subscriberId, 'weekly-2026-W47', later(1));
      await subscribers.markPlanned(subscriberId, 'weekly-2026-W48', later(2));
      expect(await subscribers.get(subscriberId)).toEqual({
        ...subscriber,
        skippedDigestId: 'weekly-2026-W47',
        skippedAt: later(1).toISOString(),
        plannedDigestId: 'weekly-2026-W48',
        plannedAt: later(2).toISOString(),
      });

      await subscribers.recordDelivery(subscriberId, 'weekly-2026-W48', later(10));
      await subscribers.markPlanned(subscriberId, 'weekly-2026-W49', later(11));
      await subscribers.recordDelivery(subscriberId, 'weekly-2026-W47', later(5));

      expect(await subscribers.get(subscriberId)).toMatchObject({
        lastDigestAt: later(10).toISOString(),
        lastDigestId: 'weekly-2026-W48',
        plannedDigestId: 'weekly-2026-W49',
      });
      await subscribers.clearPlanned(subscriberId);
      const cleared = await subscribers.get(subscriberId);
      expect(cleared?.plannedDigestId).toBeUndefined();
      expect(cleared?.plannedAt).toBeUndefined();
    });

    it('leaves unknown readers unknown whatever the planner and the sender write', async () => {
      const nobody = 'nobody-00000000000';

      await subscribers.markPlanned(nobody, 'weekly-2026-W48', at);
      await subscribers.markSkipped(nobody, 'weekly-2026-W48', at);
      await subscribers.clearPlanned(nobody);
      await subscribers.recordDelivery(nobody, 'weekly-2026-W48', at);
      await subscribers.releaseEmailClaim(nobody, 'confirmation', at);

      expect(await subscribers.get(nobody)).toBeUndefined();
      expect(await subscribers.hasAny()).toBe(false);
    });

    it('erases a subscriber into a suppression entry that no read returns and no write revives', async () => {
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
      expect(await subscribers.create(reader('erased'))).toBe(false);
      expect(await subscribers.get(id)).toBeUndefined();
    });

    it('keeps a complaint as the reason of the suppression entry, and never lets that one be replaced', async () => {
      const subscriber = await stored('complained', 'complained');

      await subscribers.erase(subscriber.subscriberId, at);

      expect((await subscribers.getSuppression(subscriber.subscriberId))?.reason).toBe('complained');
      expect(await subscribers.replaceErased(reader('complained', 'pending'))).toBe(false);
      expect(await subscribers.getSuppression('nobody-00000000000')).toBeUndefined();
    });

    it('replaces an erased entry with a new pending subscriber, once', async () => {
      const subscriber = await stored('returns');
      await subscribers.erase(subscriber.subscriberId, at);
      const comeback = newSubscriber({ email: 'returns@example.org', topics: ['melanoma'] }, at);

      const results = await Promise.all([
        subscribers.replaceErased(comeback),
        subscribers.replaceErased(comeback),
      ]);

      expect(results.sort()).toEqual([false, true]);
      expect(await subscribers.get(subscriber.subscriberId)).toMatchObject({
        status: 'pending',
        topics: ['melanoma'],
      });
      expect(await subscribers.getSuppression(subscriber.subscriberId)).toBeUndefined();
      expect(await subscribers.replaceErased(await stored('live'))).toBe(false);
    });
  });
}
