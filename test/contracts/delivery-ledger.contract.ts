import { beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryKey } from '../../functions/model/deliveries.ts';
import type { DeliveryLedger } from '../../functions/ports/delivery-ledger.ts';

/**
 * What every DeliveryLedger promises, written once and run against the in-memory fake (unit
 * project) and the DynamoDB adapter on dynalite (integration project), so the two cannot drift.
 * `makeLedger` gives an empty ledger for each test.
 */
export function describeDeliveryLedgerContract(
  name: string,
  makeLedger: () => DeliveryLedger | Promise<DeliveryLedger>,
): void {
  describe(`the delivery ledger contract: ${name}`, () => {
    const t0 = new Date('2026-11-30T08:00:00.000Z');
    const later = (ms: number) => new Date(t0.getTime() + ms);
    const key: DeliveryKey = { digestId: 'weekly-2026-W49', subscriberId: 'reader-0000000001' };
    let ledger: DeliveryLedger;

    beforeEach(async () => {
      ledger = await makeLedger();
    });

    const recordOf = async (of: DeliveryKey = key) =>
      (await ledger.listForDigest(of.digestId)).find((record) => record.subscriberId === of.subscriberId);

    it('grants a claim to one holder and tells a second claimant who holds it', async () => {
      const first = await ledger.claim(key, t0, 60_000);
      const second = await ledger.claim(key, later(1000), 60_000);

      expect(first).toEqual({ claimed: true });
      expect(second).toEqual({
        claimed: false,
        existing: {
          ...key,
          status: 'claimed',
          claimedAt: t0.toISOString(),
          leaseUntil: later(60_000).toISOString(),
          attempts: 1,
        },
      });
    });

    it('lets the next sender take over a claim whose lease ran out, counting the attempt', async () => {
      await ledger.claim(key, t0, 1000);

      const takeover = await ledger.claim(key, later(2000), 1000);

      expect(takeover).toEqual({ claimed: true });
      expect(await recordOf()).toMatchObject({
        status: 'claimed',
        claimedAt: later(2000).toISOString(),
        attempts: 2,
      });
    });

    it('never lets a sent delivery be claimed again, and keeps no lease on it', async () => {
      await ledger.claim(key, t0, 60_000);
      await ledger.markSent(key, 'message-1', later(500));

      const again = await ledger.claim(key, later(3600_000), 60_000);

      expect(again).toEqual({
        claimed: false,
        existing: {
          ...key,
          status: 'sent',
          claimedAt: t0.toISOString(),
          sentAt: later(500).toISOString(),
          messageId: 'message-1',
          attempts: 1,
        },
      });
    });

    it('gives a released claim to the next claimant at once', async () => {
      await ledger.claim(key, t0, 60_000);
      await ledger.release(key);

      expect(await ledger.claim(key, later(1), 60_000)).toEqual({ claimed: true });
      expect((await recordOf())?.attempts).toBe(2);
    });

    it('records SES’s acceptance once, on an item that exists only, whatever its status', async () => {
      const other: DeliveryKey = { ...key, subscriberId: 'reader-0000000002' };
      await ledger.claim(key, t0, 60_000);

      const first = await ledger.recordAccepted(key, 'message-1', later(100));
      const again = await ledger.recordAccepted(key, 'message-9', later(900));
      const unknown = await ledger.recordAccepted(other, 'message-2', later(100));
      await ledger.markSent(key, 'message-1', later(200));

      expect(first).toMatchObject({ status: 'claimed', acceptedMessageId: 'message-1' });
      expect(again).toMatchObject({ acceptedMessageId: 'message-1', acceptedAt: later(100).toISOString() });
      expect(unknown).toBeUndefined();
      expect(await recordOf()).toMatchObject({
        status: 'sent',
        messageId: 'message-1',
        acceptedMessageId: 'message-1',
        acceptedAt: later(100).toISOString(),
      });
      expect(await recordOf(other)).toBeUndefined();
    });

    it('records an acceptance that comes after the send was marked, changing nothing else', async () => {
      await ledger.claim(key, t0, 60_000);
      await ledger.markSent(key, 'message-1', later(200));

      await ledger.recordAccepted(key, 'message-1', later(100));

      expect(await recordOf()).toMatchObject({
        status: 'sent',
        sentAt: later(200).toISOString(),
        acceptedMessageId: 'message-1',
      });
    });

    it('never lets an expired claim that SES accepted be taken over: it is recorded sent, once', async () => {
      await ledger.claim(key, t0, 1000);
      await ledger.recordAccepted(key, 'message-1', later(100));

      const takeover = await ledger.claim(key, later(2000), 1000);
      const recorded = await ledger.markAcceptedSent(key, 'message-1', later(100));
      const second = await ledger.markAcceptedSent(key, 'message-1', later(100));

      expect(takeover).toMatchObject({
        claimed: false,
        existing: { status: 'claimed', acceptedMessageId: 'message-1', acceptedAt: later(100).toISOString() },
      });
      expect([recorded, second]).toEqual([true, false]);
      expect(await recordOf()).toMatchObject({
        status: 'sent',
        messageId: 'message-1',
        sentAt: later(100).toISOString(),
      });
      expect((await recordOf())?.leaseUntil).toBeUndefined();
    });

    it('records as sent from an acceptance only a claim holding that acceptance', async () => {
      await ledger.claim(key, t0, 1000);

      expect(await ledger.markAcceptedSent(key, 'message-1', later(100))).toBe(false);
      expect(await recordOf()).toMatchObject({ status: 'claimed' });
    });

    it('releases only a claim: a sent delivery stays sent, an unknown key stays unknown', async () => {
      const other: DeliveryKey = { ...key, subscriberId: 'reader-0000000002' };
      await ledger.claim(key, t0, 60_000);
      await ledger.markSent(key, 'message-1', t0);

      await ledger.release(key);
      await ledger.release(other);

      expect(await recordOf()).toMatchObject({ status: 'sent', messageId: 'message-1' });
      expect(await recordOf(other)).toBeUndefined();
    });

    it('records a failure on a claimed delivery, reason cut to 500 characters, and never claims it again', async () => {
      await ledger.claim(key, t0, 60_000);

      await ledger.markFailed(key, 'x'.repeat(600), later(10));

      const record = await recordOf();
      expect(record).toMatchObject({ status: 'failed', attempts: 1 });
      expect(record?.reason).toBe('x'.repeat(500));
      expect(record?.leaseUntil).toBeUndefined();
      expect(await ledger.claim(key, later(3600_000), 60_000)).toMatchObject({ claimed: false });
    });

    it('refuses to mark as failed a delivery nobody holds, and leaves a sent one sent', async () => {
      const unknown: DeliveryKey = { ...key, subscriberId: 'reader-0000000003' };
      await ledger.claim(key, t0, 60_000);
      await ledger.markSent(key, 'message-1', t0);

      await expect(ledger.markFailed(key, 'late failure', later(10))).rejects.toThrow();
      await expect(ledger.markFailed(unknown, 'no claim', later(10))).rejects.toThrow();

      expect(await recordOf()).toMatchObject({ status: 'sent', messageId: 'message-1' });
      expect(await recordOf(unknown)).toBeUndefined();
    });

    it('records a skip on a fresh key, which a claim may still take, and never over a claim or a send', async () => {
      const sent: DeliveryKey = { ...key, subscriberId: 'reader-0000000004' };
      await ledger.markSkipped(key, 'nothing new', t0);
      expect(await recordOf()).toEqual({ ...key, status: 'skipped', reason: 'nothing new', attempts: 0 });

      expect(await ledger.claim(key, later(1), 60_000)).toEqual({ claimed: true });
      await ledger.markSkipped(key, 'again', later(2));
      await ledger.claim(sent, t0, 60_000);
      await ledger.markSent(sent, 'message-2', t0);
      await ledger.markSkipped(sent, 'too late', later(2));

      // The claim keeps what the skip wrote beside it (its reason): only status and lease change.
      expect(await recordOf()).toEqual({
        ...key,
        status: 'claimed',
        claimedAt: later(1).toISOString(),
        leaseUntil: later(60_001).toISOString(),
        reason: 'nothing new',
        attempts: 1,
      });
      expect(await recordOf(sent)).toMatchObject({ status: 'sent', messageId: 'message-2' });
    });

    it('lists and counts the deliveries of one digest only, every status counted', async () => {
      const reader = (n: number): DeliveryKey => ({ ...key, subscriberId: `reader-000000010${n}` });
      const otherDigest: DeliveryKey = { digestId: 'weekly-2026-W50', subscriberId: 'reader-0000000101' };
      await ledger.claim(reader(1), t0, 60_000);
      await ledger.claim(reader(2), t0, 60_000);
      await ledger.markSent(reader(2), 'message-2', t0);
      await ledger.claim(reader(3), t0, 60_000);
      await ledger.markFailed(reader(3), 'rejected', t0);
      await ledger.markSkipped(reader(4), 'nothing new', t0);
      await ledger.claim(otherDigest, t0, 60_000);

      const listed = await ledger.listForDigest(key.digestId);

      expect(listed.map((record) => record.subscriberId).sort()).toEqual(
        [1, 2, 3, 4].map((n) => reader(n).subscriberId),
      );
      expect(await ledger.countByStatus(key.digestId)).toEqual({
        claimed: 1,
        sent: 1,
        failed: 1,
        skipped: 1,
      });
      expect(await ledger.countByStatus('weekly-2026-W01')).toEqual({
        claimed: 0,
        sent: 0,
        failed: 0,
        skipped: 0,
      });
      // Only the sent one has a time to count a send rate by.
      expect(await ledger.sentTimes(key.digestId)).toEqual([t0.getTime()]);
      expect(await ledger.sentTimes('weekly-2026-W01')).toEqual([]);
    });

    it('lists one reader’s rows among the ledger ids given, and anonymises the settled ones, keeping the counts', async () => {
      const reader = 'reader-0000000777';
      const other = 'reader-0000000888';
      const week = (n: number): DeliveryKey => ({ digestId: `weekly-2026-W${n}`, subscriberId: reader });
      await ledger.claim(week(47), t0, 60_000);
      await ledger.markSent(week(47), 'message-47', t0);
      await ledger.markSkipped(week(48), 'nothing new', t0);
      await ledger.claim(week(49), t0, 60_000);
      await ledger.markFailed(week(49), 'rejected: reader-0000000777 is not a mailbox', t0);
      await ledger.claim(week(50), t0, 60_000); // in flight: its sender still writes to it
      await ledger.claim({ ...week(47), subscriberId: other }, t0, 60_000);
      const ids = [47, 48, 49, 50, 51].map((n) => week(n).digestId);

      const listed = await ledger.listForReader(reader, ids);
      const anonymised = await ledger.anonymiseReader(reader, ids);

      expect(listed.map((record) => [record.digestId, record.status])).toEqual([
        ['weekly-2026-W47', 'sent'],
        ['weekly-2026-W48', 'skipped'],
        ['weekly-2026-W49', 'failed'],
        ['weekly-2026-W50', 'claimed'],
      ]);
      expect(listed[0]?.messageId).toBe('message-47');
      expect(anonymised).toBe(3);
      expect((await ledger.listForReader(reader, ids)).map((record) => record.digestId)).toEqual([
        'weekly-2026-W50',
      ]);
      for (const n of [47, 48, 49]) {
        const rows = await ledger.listForDigest(week(n).digestId);
        const anonymous = rows.filter((row) => row.subscriberId !== other);
        expect(anonymous).toHaveLength(1);
        expect(anonymous[0]?.subscriberId).not.toBe(reader);
        expect(anonymous[0]?.messageId).toBeUndefined();
        expect(anonymous[0]?.reason).toBeUndefined();
      }
      expect(await ledger.countByStatus(week(47).digestId)).toMatchObject({ sent: 1, claimed: 1 });
      expect(await ledger.countByStatus(week(49).digestId)).toMatchObject({ failed: 1 });
      expect((await ledger.listForReader(other, ids)).map((record) => record.status)).toEqual(['claimed']);
    });
  });
}
