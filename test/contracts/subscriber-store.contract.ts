import { beforeEach, describe, expect, it } from 'vitest';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type {
  ConsentRecord,
  PendingSubscription,
  Subscriber,
  SubscriberStatus,
} from '../../functions/model/subscribers.ts';
import type { SubscriberStore } from '../../functions/ports/subscriber-store.ts';
import { testSubscriberIds } from '../../testkit/fakes.ts';

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
      newSubscriber({ email: `${local}@example.org`, topics: ['access'], status }, at, testSubscriberIds);
    const idOf = (local: string) => testSubscriberIds.idFor(`${local}@example.org`);
    const pendingOf = (local: string, fields: Partial<PendingSubscription> = {}): PendingSubscription => ({
      subscriberId: idOf(local),
      instance: `inst-${local}`,
      sealedEmail: 'k1.sealed.address',
      topics: ['melanoma'],
      delivery: { weekday: 3, hour: 7, timeZone: 'Europe/Berlin' },
      requestedAt: at.toISOString(),
      expiresAt: later(7 * 86_400_000).toISOString(),
      ...fields,
    });
    /** The live record a pending subscription becomes once confirmed. */
    const activated = (pending: PendingSubscription, email: string): Subscriber => ({
      subscriberId: pending.subscriberId,
      instance: pending.instance,
      email,
      topics: pending.topics,
      delivery: pending.delivery,
      status: 'confirmed',
      consent,
      createdAt: later(1).toISOString(),
      updatedAt: later(1).toISOString(),
      softBounces: 0,
    });

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
      const leaving = await stored('leaving');
      const joining = activated(pendingOf('joining'), 'joining@example.org');

      await subscribers.activate(joining, { kind: 'nothing' });
      await subscribers.setStatus(leaving.subscriberId, 'unsubscribed', later(1));

      const listed = await subscribers.listConfirmed();
      expect(listed.map((s) => s.subscriberId).sort()).toEqual(
        [confirmed.subscriberId, joining.subscriberId].sort(),
      );
      expect(listed.find((s) => s.subscriberId === joining.subscriberId)).toEqual(joining);
    });

    it('pages through exactly the confirmed readers, each once', async () => {
      const confirmed = await Promise.all(['paged-1', 'paged-2', 'paged-3'].map((name) => stored(name)));
      const leaving = await stored('paged-leaving');
      await subscribers.setStatus(leaving.subscriberId, 'unsubscribed', later(1));

      const paged: Subscriber[] = [];
      for await (const page of subscribers.confirmedPages()) {
        expect(page.length).toBeGreaterThan(0);
        paged.push(...page);
      }

      const ids = paged.map((s) => s.subscriberId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual((await subscribers.listConfirmed()).map((s) => s.subscriberId).sort());
      for (const reader of confirmed) expect(ids).toContain(reader.subscriberId);
      expect(ids).not.toContain(leaving.subscriberId);
      expect(paged.find((s) => s.subscriberId === confirmed[0]!.subscriberId)).toEqual(confirmed[0]);
    });

    it('changes profile fields only for the instance given, when one is', async () => {
      const subscriber = await stored('instance-bound');

      expect(
        await subscribers.updateProfile(subscriber.subscriberId, { paused: true }, later(1), 'another'),
      ).toBe(false);
      expect(
        await subscribers.updateProfile(
          subscriber.subscriberId,
          { paused: true },
          later(1),
          subscriber.instance,
        ),
      ).toBe(true);
      expect((await subscribers.get(subscriber.subscriberId))?.paused).toBe(true);
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

    it('keeps a country, changes it, forgets it on null, and loses it with the rest on erasure', async () => {
      const subscriber = await stored('country');
      const countryOf = async () => (await subscribers.get(subscriber.subscriberId))?.country;

      await subscribers.updateProfile(subscriber.subscriberId, { country: 'FR' }, later(1));
      expect(await countryOf()).toBe('FR');
      await subscribers.updateProfile(subscriber.subscriberId, { topics: ['melanoma'] }, later(2));
      expect(await countryOf()).toBe('FR');
      await subscribers.updateProfile(subscriber.subscriberId, { country: 'DE' }, later(3));
      expect(await countryOf()).toBe('DE');
      await subscribers.updateProfile(subscriber.subscriberId, { country: null }, later(4));
      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        topics: ['melanoma'],
        updatedAt: later(4).toISOString(),
      });

      await subscribers.updateProfile(subscriber.subscriberId, { country: 'FR' }, later(5));
      await subscribers.erase(subscriber.subscriberId, later(6));
      expect(await subscribers.get(subscriber.subscriberId)).toBeUndefined();
    });

    it('gives a returning reader the country of their new subscription, or none', async () => {
      const left = { ...(await stored('returning-country')), country: 'FR' };
      await subscribers.updateProfile(left.subscriberId, { country: 'FR' }, later(1));
      await subscribers.setStatus(left.subscriberId, 'unsubscribed', later(2));
      const leftInstance = (await subscribers.get(left.subscriberId))!.instance;
      const back = activated(pendingOf('returning-country'), 'returning-country@example.org');

      expect(await subscribers.activate(back, { kind: 'left', instance: leftInstance })).toBe(true);
      expect((await subscribers.get(left.subscriberId))?.country).toBeUndefined();

      await subscribers.setStatus(left.subscriberId, 'unsubscribed', later(3));
      const again = { ...back, instance: 'inst-again', country: 'ES' };
      const instance = (await subscribers.get(left.subscriberId))!.instance;
      expect(await subscribers.activate(again, { kind: 'left', instance })).toBe(true);
      expect((await subscribers.get(left.subscriberId))?.country).toBe('ES');
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

    it('makes a confirmed pending subscription live once: over nothing, over an erasure, never over a bounce', async () => {
      const fresh = activated(pendingOf('fresh'), 'fresh@example.org');
      const erased = await stored('was-erased');
      await subscribers.erase(erased.subscriberId, at);
      const returning = activated(pendingOf('was-erased'), 'was-erased@example.org');
      const bounced = await stored('bounced-once', 'bounced');
      await subscribers.erase(bounced.subscriberId, at);

      const results = await Promise.all([
        subscribers.activate(fresh, { kind: 'nothing' }),
        subscribers.activate(fresh, { kind: 'nothing' }),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect(await subscribers.get(fresh.subscriberId)).toEqual(fresh);

      expect(await subscribers.activate(returning, { kind: 'erased' })).toBe(true);
      expect(await subscribers.get(returning.subscriberId)).toEqual(returning);
      expect(await subscribers.getSuppression(returning.subscriberId)).toBeUndefined();

      const overBounce = activated(pendingOf('bounced-once'), 'bounced-once@example.org');
      expect(await subscribers.activate(overBounce, { kind: 'erased' })).toBe(false);
      expect(await subscribers.activate(overBounce, { kind: 'nothing' })).toBe(false);
      expect((await subscribers.getSuppression(bounced.subscriberId))?.reason).toBe('bounced');
    });

    it('brings back a reader who left with the new subscription, keeping their digest window, only over the instance they left', async () => {
      const left = await stored('comes-back', 'unsubscribed');
      await subscribers.recordDelivery(left.subscriberId, 'weekly-2026-W47', later(5));
      await subscribers.updateProfile(left.subscriberId, { paused: true }, later(6));
      const back = activated(pendingOf('comes-back'), 'comes-back@example.org');
      const confirmed = await stored('staying');

      expect(await subscribers.activate(back, { kind: 'left', instance: 'not-theirs' })).toBe(false);
      expect(await subscribers.activate(back, { kind: 'left', instance: left.instance })).toBe(true);
      expect(
        await subscribers.activate(activated(pendingOf('staying'), 'staying@example.org'), {
          kind: 'left',
          instance: confirmed.instance,
        }),
      ).toBe(false);

      expect(await subscribers.get(left.subscriberId)).toEqual({
        ...left,
        ...back,
        createdAt: left.createdAt,
        softBounces: left.softBounces,
        lastDigestAt: later(5).toISOString(),
        lastDigestId: 'weekly-2026-W47',
      });
      expect((await subscribers.listConfirmed()).map((s) => s.subscriberId)).toContain(left.subscriberId);
    });

    it('keeps one pending subscription per address, replaced by a newer one only once a confirmation may be mailed again', async () => {
      const day = 86_400_000;
      const first = pendingOf('asks', { instance: 'first' });
      const second = pendingOf('asks', { instance: 'second', topics: ['access'] });

      expect(await subscribers.putPending(first, at, day)).toBe(true);
      expect(await subscribers.putPending(second, later(day - 1), day)).toBe(false);
      expect(await subscribers.getPending(idOf('asks'), later(1))).toEqual({
        ...first,
        confirmationSentAt: at.toISOString(),
      });
      expect(await subscribers.putPending(second, later(day), day)).toBe(true);
      expect((await subscribers.getPending(idOf('asks'), later(day)))?.instance).toBe('second');

      // Beside the record, never in it: the address's record and the readers' lists do not see it.
      expect(await subscribers.get(idOf('asks'))).toBeUndefined();
      expect(await subscribers.getMany([idOf('asks')])).toEqual([]);
      expect(await subscribers.hasAny()).toBe(true);
    });

    it('reads an address’s record and pending subscription in one go, leaving out an expired one', async () => {
      const live = await stored('read-live', 'unsubscribed');
      await subscribers.putPending(pendingOf('read-live'), at, 1000);
      const erased = await stored('read-erased');
      await subscribers.erase(erased.subscriberId, at);
      await subscribers.putPending(pendingOf('read-erased'), at, 1000);

      expect(await subscribers.readAddress(live.subscriberId, later(1))).toEqual({
        subscriber: live,
        pending: { ...pendingOf('read-live'), confirmationSentAt: at.toISOString() },
      });
      expect(await subscribers.readAddress(erased.subscriberId, later(1))).toMatchObject({
        suppression: { reason: 'erased' },
        pending: { instance: 'inst-read-erased' },
      });
      expect(await subscribers.readAddress(erased.subscriberId, later(8 * 86_400_000))).toEqual({
        suppression: { subscriberId: erased.subscriberId, erasedAt: at.toISOString(), reason: 'erased' },
      });
      expect(await subscribers.readAddress(idOf('never-seen'), at)).toEqual({});
    });

    it('grants one claim to mail a pending subscription’s confirmation again among many racing ones, for its own instance only', async () => {
      const day = 86_400_000;
      await subscribers.putPending(pendingOf('resend'), at, day);
      const extended = later(9 * day);

      expect(
        await subscribers.claimConfirmationEmail(idOf('resend'), 'other', later(day), day, extended),
      ).toBe(false);
      const claims = await Promise.all(
        Array.from({ length: 10 }, () =>
          subscribers.claimConfirmationEmail(idOf('resend'), 'inst-resend', later(day), day, extended),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await subscribers.getPending(idOf('resend'), later(8 * day))).toMatchObject({
        confirmationSentAt: later(day).toISOString(),
        expiresAt: extended.toISOString(),
      });

      await subscribers.releaseConfirmationClaim(idOf('resend'), 'inst-resend', later(day - 1));
      expect(
        await subscribers.claimConfirmationEmail(idOf('resend'), 'inst-resend', later(day), day, extended),
      ).toBe(false);
      await subscribers.releaseConfirmationClaim(idOf('resend'), 'inst-resend', later(day));
      expect(
        await subscribers.claimConfirmationEmail(idOf('resend'), 'inst-resend', later(day), day, extended),
      ).toBe(true);
    });

    it('forgets a pending subscription once it expires, deletes it only for its instance, and sweeps the expired ones', async () => {
      const week = 7 * 86_400_000;
      await subscribers.putPending(pendingOf('expires'), at, 1000);
      await subscribers.putPending(
        pendingOf('stays', { expiresAt: later(2 * week).toISOString() }),
        at,
        1000,
      );
      await subscribers.putPending(pendingOf('deleted'), at, 1000);

      expect(await subscribers.getPending(idOf('expires'), later(week - 1))).toBeDefined();
      expect(await subscribers.getPending(idOf('expires'), later(week))).toBeUndefined();
      await subscribers.deletePending(idOf('deleted'), 'not-this-one');
      expect(await subscribers.getPending(idOf('deleted'), at)).toBeDefined();
      await subscribers.deletePending(idOf('deleted'), 'inst-deleted');
      expect(await subscribers.getPending(idOf('deleted'), at)).toBeUndefined();

      expect(await subscribers.sweepExpiredPending(later(week))).toBe(1);
      expect(await subscribers.sweepExpiredPending(later(week))).toBe(0);
      expect(await subscribers.getPending(idOf('stays'), later(week))).toBeDefined();
    });

    it('counts soft bounces of a confirmation on the pending subscription when there is no live one', async () => {
      await subscribers.putPending(pendingOf('soft-pending'), at, 1000);

      expect(await subscribers.recordSoftBounce(idOf('soft-pending'), later(1))).toBe(1);
      expect((await subscribers.getPending(idOf('soft-pending'), later(2)))?.softBounces).toBe(1);
    });

    it('suppresses an address with no live subscriber: over nothing or an erasure, a complaint over a bounce, and deletes its pending subscription', async () => {
      await subscribers.putPending(pendingOf('confirmation-bounced'), at, 1000);
      const erased = await stored('erased-then-bounced');
      await subscribers.erase(erased.subscriberId, at);
      const live = await stored('live-one');

      await subscribers.suppress(idOf('confirmation-bounced'), 'bounced', later(1));
      await subscribers.suppress(erased.subscriberId, 'bounced', later(1));
      await subscribers.suppress(erased.subscriberId, 'complained', later(2));
      await subscribers.suppress(erased.subscriberId, 'bounced', later(3));
      await subscribers.suppress(live.subscriberId, 'complained', later(1));

      expect(await subscribers.getSuppression(idOf('confirmation-bounced'))).toEqual({
        subscriberId: idOf('confirmation-bounced'),
        erasedAt: later(1).toISOString(),
        reason: 'bounced',
        confirmationSentAt: at.toISOString(),
      });
      expect(await subscribers.getPending(idOf('confirmation-bounced'), later(1))).toBeUndefined();
      expect((await subscribers.getSuppression(erased.subscriberId))?.reason).toBe('complained');
      expect((await subscribers.get(live.subscriberId))?.status).toBe('confirmed');
      expect(await subscribers.getSuppression(live.subscriberId)).toBeUndefined();
    });

    it('ends an instance on leaving, only if it is still the one expected', async () => {
      const subscriber = await stored('leaves');
      const leaving = { expectedInstance: subscriber.instance, newInstance: 'after-leaving' };

      expect(await subscribers.setStatus(subscriber.subscriberId, 'unsubscribed', later(1), leaving)).toBe(
        true,
      );
      expect(await subscribers.setStatus(subscriber.subscriberId, 'unsubscribed', later(2), leaving)).toBe(
        false,
      );

      expect(await subscribers.get(subscriber.subscriberId)).toEqual({
        ...subscriber,
        status: 'unsubscribed',
        instance: 'after-leaving',
        updatedAt: later(1).toISOString(),
      });
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

    it('grants a manage-link claim again once a whole interval has passed, not a millisecond sooner', async () => {
      const { subscriberId } = await stored('manage-claims');
      const hour = 3600_000;

      const first = await subscribers.claimManageLinkEmail(subscriberId, at, hour);
      const soon = await subscribers.claimManageLinkEmail(subscriberId, later(hour - 1), hour);
      const onTheHour = await subscribers.claimManageLinkEmail(subscriberId, later(hour), hour);
      const next = await subscribers.claimManageLinkEmail(subscriberId, later(2 * hour - 1), hour);

      expect([first, soon, onTheHour, next]).toEqual([true, false, true, false]);
      expect((await subscribers.get(subscriberId))?.manageLinkSentAt).toBe(later(hour).toISOString());
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

    it('files a mailable reader in the next-slot index and moves them with every write that moves their week', async () => {
      // Prepare: a reader owed since before this week (no consent time): due now, filed now.
      const subscriber = await stored('next-slot');
      const { subscriberId } = subscriber;
      const hour = 3_600_000;
      const readBetween = async (from: Date, to: Date) => {
        const ids: string[] = [];
        for await (const page of subscribers.nextSlotPages(from, to))
          ids.push(...page.map((r) => r.subscriberId));
        return ids;
      };
      const nextMonday = new Date('2026-11-30T08:00:00.000Z');

      // Act and assess, one write at a time.
      expect(await readBetween(later(-hour), at)).toEqual([subscriberId]);
      await subscribers.markPlanned(subscriberId, 'weekly-2026-W48', at);
      expect(await readBetween(later(-hour), later(23 * hour))).toEqual([]);
      expect(await readBetween(later(24 * hour), later(24 * hour))).toEqual([subscriberId]);
      await subscribers.recordDelivery(subscriberId, 'weekly-2026-W48', later(hour), nextMonday);
      expect(await readBetween(later(24 * hour), later(24 * hour))).toEqual([]);
      expect(await readBetween(nextMonday, nextMonday)).toEqual([subscriberId]);
      // A reader read at `at` is not moved by the planner if a later write filed them since.
      await subscribers.moveNextSlot(subscriberId, later(2 * hour), at);
      expect(await readBetween(nextMonday, nextMonday)).toEqual([subscriberId]);
      await subscribers.updateProfile(subscriberId, { paused: true, nextSlotAt: null }, later(2));
      expect(await readBetween(nextMonday, nextMonday)).toEqual([]);
      await subscribers.markSkipped(subscriberId, 'weekly-2026-W49', later(3), nextMonday);
      expect(await readBetween(nextMonday, nextMonday)).toEqual([]);
      await subscribers.updateProfile(subscriberId, { paused: false, nextSlotAt: later(hour) }, later(4));
      expect(await readBetween(later(hour), later(hour))).toEqual([subscriberId]);
      await subscribers.setStatus(subscriberId, 'unsubscribed', later(5));
      expect(await readBetween(later(hour), later(hour))).toEqual([]);
    });

    it('leaves unknown readers unknown whatever the planner and the sender write', async () => {
      const nobody = 'nobody-00000000000';

      await subscribers.markPlanned(nobody, 'weekly-2026-W48', at);
      await subscribers.markSkipped(nobody, 'weekly-2026-W48', at);
      await subscribers.clearPlanned(nobody);
      await subscribers.recordDelivery(nobody, 'weekly-2026-W48', at);
      await subscribers.releaseEmailClaim(nobody, 'manage-link', at);
      await subscribers.releaseConfirmationClaim(nobody, 'none', at);
      await subscribers.deletePending(nobody);

      expect(await subscribers.get(nobody)).toBeUndefined();
      expect(await subscribers.hasAny()).toBe(false);
    });

    it('erases a subscriber into a suppression entry that no read returns and no write revives', async () => {
      const subscriber = await stored('erased');
      await subscribers.putPending(pendingOf('erased'), at, 1000);
      const id = subscriber.subscriberId;

      expect(await subscribers.erase(id, at)).toBe(true);
      expect(await subscribers.erase(id, at)).toBe(false);

      expect(await subscribers.get(id)).toBeUndefined();
      expect(await subscribers.getMany([id])).toEqual([]);
      expect((await subscribers.listConfirmed()).map((s) => s.subscriberId)).not.toContain(id);
      // The pending subscription goes too, but not the time of its confirmation (the daily limit).
      expect(await subscribers.getSuppression(id)).toEqual({
        subscriberId: id,
        erasedAt: at.toISOString(),
        reason: 'erased',
        confirmationSentAt: at.toISOString(),
      });
      expect(await subscribers.getPending(id, at)).toBeUndefined();

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
      expect(
        await subscribers.activate(activated(pendingOf('complained'), 'complained@example.org'), {
          kind: 'erased',
        }),
      ).toBe(false);
      expect(await subscribers.getSuppression('nobody-00000000000')).toBeUndefined();
    });
  });
}
