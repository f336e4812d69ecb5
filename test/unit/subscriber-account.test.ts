import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailRenderer, type EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import {
  createAccountEmailRenderer,
  type AccountEmailRenderer,
} from '../../functions/core/rendering/account-emails.ts';
import { createTokenService } from '../../functions/core/tokens/tokens.ts';
import { createSealer } from '../../functions/core/tokens/sealed-values.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import {
  confirmationState,
  confirmSubscription,
  processSubscriptionRequest,
  subscriptionOf,
  unsubscribe,
  updatePreferences,
} from '../../functions/core/subscribers/lifecycle.ts';
import {
  eraseSubscriber,
  exportSubscriberData,
  MANAGE_LINK_INTERVAL_MS,
  processManageLinkRequest,
  readerRecords,
  setPaused,
  type AccountRequestDependencies,
  type ReaderRecordsDependencies,
} from '../../functions/core/subscribers/account.ts';
import { applyMailEvent } from '../../functions/core/subscribers/mail-events.ts';
import { CONSENT_WORDINGS, CONSENT_WORDING_VERSION } from '../../functions/core/subscribers/consent.ts';
import { MailUnavailableError } from '../../functions/core/errors.ts';
import type { AdminTestRecord } from '../../functions/model/announcements.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { TestOfSend } from '../../functions/ports/admin-send-store.ts';
import { loadTemplates } from '../../functions/adapters/content/load-content.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import {
  FakeLedger,
  FakeSubscriberStore,
  ManualClock,
  RecordingMailer,
  testSubscriberIds,
} from '../../testkit/fakes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DAY_MS = 86_400_000;
const SLOT = { weekday: 2, hour: 9, timeZone: 'Europe/Berlin' };
const SECRET = 'a-test-secret-that-is-long-enough-000';
let renderer: EmailRenderer;
let accountEmails: AccountEmailRenderer;

beforeAll(async () => {
  const templates = await loadTemplates(`${ROOT}/templates`);
  const shared = {
    templates,
    siteUrl: 'https://digest.example.org',
    postalAddress: '1 Example Street, Springfield',
    mjml: { validationLevel: 'strict' as const },
  };
  renderer = createEmailRenderer({ ...shared, topicLabels: {} as never });
  accountEmails = createAccountEmailRenderer(shared);
});

/** The admin audit's part erasure and the export use, in memory. */
class FakeTestAudit {
  readonly tests: TestOfSend[] = [];
  async listTestsTo(toId: string) {
    return this.tests.filter(({ test }) => test.toId === toId);
  }
  async anonymiseTestsTo(toId: string) {
    let changed = 0;
    for (const [index, entry] of this.tests.entries()) {
      if (entry.test.toId !== toId) continue;
      this.tests[index] = { ...entry, test: { ...entry.test, toId: 'erased' } };
      changed += 1;
    }
    return changed;
  }
  async listRecent() {
    return [...new Set(this.tests.map(({ sendId }) => sendId))].map((sendId) => ({ sendId }) as never);
  }
}

describe('a reader’s subscription, as instances', () => {
  let clock: ManualClock;
  let subscribers: FakeSubscriberStore;
  let mailer: RecordingMailer;
  let ledger: FakeLedger;
  let audit: FakeTestAudit;
  let acquired: number;
  let deps: AccountRequestDependencies & ReaderRecordsDependencies;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-25T12:00:00Z'));
    subscribers = new FakeSubscriberStore();
    mailer = new RecordingMailer();
    ledger = new FakeLedger();
    audit = new FakeTestAudit();
    acquired = 0;
    deps = {
      subscribers,
      subscriberIds: testSubscriberIds,
      sealer: createSealer(SECRET),
      mailer,
      limiter: {
        acquire: async () => {
          acquired += 1;
        },
      },
      sleep: async () => undefined,
      settings: { throttleRetries: 0, backoffBaseMs: 1 },
      renderer,
      accountEmails,
      tokens: createTokenService(SECRET),
      clock,
      logger: silentLogger,
      siteUrl: 'https://digest.example.org',
      ipHashKey: 'ip-hash-key-ip-hash-key-ip-hash-key',
      ledger,
      adminSends: audit,
    };
  });

  const idOf = (email = 'reader@example.org') => testSubscriberIds.idFor(email);

  function reader(status: SubscriberStatus, email = 'reader@example.org', topics: TopicId[] = ['car-t']) {
    const subscriber = newSubscriber(
      { email, topics, status, delivery: SLOT },
      clock.now(),
      testSubscriberIds,
    );
    subscribers.items.set(subscriber.subscriberId, subscriber);
    return subscriber;
  }

  const subscribe = (email = 'reader@example.org', topics: TopicId[] = ['melanoma']) =>
    processSubscriptionRequest({ email, topics, delivery: SLOT }, deps);

  /** The subject of the newest link to `path` mailed to the reader, read back from its token. */
  function newestLink(path: '/confirm' | '/preferences') {
    for (const email of [...mailer.sent].reverse()) {
      const token = new RegExp(`${path.replace('/', '\\/')}\\?token=([\\w.-]+)`).exec(email.text)?.[1];
      if (token) return deps.tokens.verify(token, path === '/confirm' ? 'confirm' : 'manage', clock.now());
    }
    throw new Error(`no ${path} link was mailed`);
  }

  describe('asking for a manage link', () => {
    it('emails a confirmed reader a signed link to this subscription, and nothing they typed', async () => {
      const subscriber = reader('confirmed');

      expect(await processManageLinkRequest('  READER@example.org ', deps)).toBe('sent');

      expect(mailer.sent).toHaveLength(1);
      expect(mailer.sent[0]?.to).toBe('reader@example.org');
      expect(newestLink('/preferences')).toMatchObject({
        subscriberId: subscriber.subscriberId,
        instance: subscriber.instance,
      });
      expect(mailer.sent[0]?.html).not.toContain('READER');
    });

    it('emails an unsubscribed reader too: they may still want to download or delete their data', async () => {
      reader('unsubscribed');

      await processManageLinkRequest('reader@example.org', deps);

      expect(mailer.sent.map((email) => email.subject)).toEqual(['Your Immunotherapy Digest manage link']);
    });

    it('sends an address with a pending subscription its confirmation again, for the same instance, once a day', async () => {
      await subscribe();
      const first = newestLink('/confirm');

      expect(await processManageLinkRequest('reader@example.org', deps)).toBe('not-sent');
      clock.advance(DAY_MS);
      expect(await processManageLinkRequest('reader@example.org', deps)).toBe('sent');

      expect(mailer.sent.map((email) => email.subject)).toEqual([
        'Confirm your Immunotherapy Digest subscription',
        'Confirm your Immunotherapy Digest subscription',
      ]);
      expect(newestLink('/confirm').instance).toBe(first.instance);
    });

    it.each(['bounced', 'complained'] as const)('sends nothing to a %s address', async (status) => {
      reader(status);

      await processManageLinkRequest('reader@example.org', deps);

      expect(mailer.sent).toEqual([]);
    });

    it('sends nothing for an address it does not know', async () => {
      expect(await processManageLinkRequest('stranger@example.org', deps)).toBe('not-sent');

      expect(mailer.sent).toEqual([]);
    });

    it('sends at most one link an hour to an address', async () => {
      reader('confirmed');

      await processManageLinkRequest('reader@example.org', deps);
      await processManageLinkRequest('reader@example.org', deps);
      clock.advance(MANAGE_LINK_INTERVAL_MS - 1000);
      await processManageLinkRequest('reader@example.org', deps);
      clock.advance(1000);
      await processManageLinkRequest('reader@example.org', deps);

      expect(mailer.sent).toHaveLength(2);
    });

    it('gives the claim back when the mail service fails, so the job’s next attempt sends it', async () => {
      reader('confirmed');
      mailer.failWith.push(new MailUnavailableError('SES is down'));

      expect(await processManageLinkRequest('reader@example.org', deps)).toBe('retry');
      expect(await processManageLinkRequest('reader@example.org', deps)).toBe('sent');

      expect(mailer.sent).toHaveLength(1);
    });

    it('waits for the send-rate limiter like every other email', async () => {
      reader('confirmed');

      await processManageLinkRequest('reader@example.org', deps);

      expect(acquired).toBe(1);
    });
  });

  describe('subscribing', () => {
    it('keeps a request as a pending subscription beside the record, with the address sealed, until it is confirmed', async () => {
      expect(await subscribe()).toBe('sent');

      expect(subscribers.items.size).toBe(0);
      const pending = subscribers.pending.get(idOf());
      expect(pending).toMatchObject({ topics: ['melanoma'], delivery: SLOT });
      expect(JSON.stringify(pending)).not.toContain('reader@example.org');
      expect(newestLink('/confirm')).toMatchObject({ subscriberId: idOf(), instance: pending?.instance });
      expect(acquired).toBe(1);
    });

    it('does not let an anonymous request change the topics a pending reader is about to confirm', async () => {
      await subscribe('reader@example.org', ['melanoma']);
      await subscribe('reader@example.org', ['access']);

      expect(subscribers.pending.get(idOf())?.topics).toEqual(['melanoma']);
      expect(mailer.sent).toHaveLength(1);
    });

    it('makes a new instance with the new choices once a day has passed, and the older link confirms nothing', async () => {
      await subscribe('reader@example.org', ['melanoma']);
      const first = newestLink('/confirm');
      clock.advance(DAY_MS);
      await subscribe('reader@example.org', ['access']);
      const second = newestLink('/confirm');

      expect(second.instance).not.toBe(first.instance);
      expect((await confirmSubscription(first, '192.0.2.1', deps)).outcome).toBe('not-pending');
      expect((await confirmSubscription(second, '192.0.2.1', deps)).subscriber?.topics).toEqual(['access']);
    });

    it('gives the confirmation claim back when the mail service fails', async () => {
      mailer.failWith.push(new MailUnavailableError('SES is down'));

      expect(await subscribe()).toBe('retry');
      expect(await subscribe()).toBe('sent');

      expect(mailer.sent).toHaveLength(1);
    });

    it('changes nothing of a confirmed reader, and mails them nothing', async () => {
      const subscriber = reader('confirmed');

      expect(await subscribe('reader@example.org', ['access'])).toBe('not-sent');

      expect(subscribers.items.get(subscriber.subscriberId)).toEqual(subscriber);
      expect(subscribers.pending.size).toBe(0);
    });

    it('leaves an unsubscribed reader’s record as it is until the new subscription is confirmed', async () => {
      const left = reader('unsubscribed', 'reader@example.org', ['car-t']);
      subscribers.items.set(left.subscriberId, { ...left, lastDigestAt: '2026-11-20T08:00:00.000Z' });

      await subscribe('reader@example.org', ['access']);
      expect(subscribers.items.get(left.subscriberId)).toMatchObject({
        status: 'unsubscribed',
        topics: ['car-t'],
      });

      const { outcome, subscriber } = await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);
      expect(outcome).toBe('confirmed');
      expect(subscriber).toMatchObject({
        status: 'confirmed',
        topics: ['access'],
        lastDigestAt: '2026-11-20T08:00:00.000Z',
      });
      expect(subscriber?.instance).not.toBe(left.instance);
    });
  });

  describe('confirming', () => {
    it('tells what a link would do without changing anything (a GET), and confirms only when asked (a POST)', async () => {
      await subscribe();
      const link = newestLink('/confirm');
      const before = structuredClone([...subscribers.pending.values()]);

      expect((await confirmationState(link, deps)).state).toBe('confirmable');
      expect([...subscribers.pending.values()]).toEqual(before);
      expect(subscribers.items.size).toBe(0);

      expect((await confirmSubscription(link, '192.0.2.1', deps)).outcome).toBe('confirmed');
      expect((await confirmSubscription(link, '192.0.2.1', deps)).outcome).toBe('already-confirmed');
      expect((await confirmationState(link, deps)).state).toBe('already-confirmed');
      expect(subscribers.pending.size).toBe(0);
      expect(subscribers.items.get(idOf())).toMatchObject({
        email: 'reader@example.org',
        status: 'confirmed',
        instance: link.instance,
        consent: { topics: ['melanoma'] },
      });
    });

    it('lets a pending subscription expire with its link after the confirmation lifetime, and sweeps it', async () => {
      await subscribe();
      const link = newestLink('/confirm');
      clock.advance(7 * DAY_MS);

      expect((await confirmationState(link, deps)).state).toBe('not-pending');
      expect((await confirmSubscription(link, '192.0.2.1', deps)).outcome).toBe('not-pending');
      expect(await subscribers.sweepExpiredPending(clock.now())).toBe(1);
      expect(subscribers.pending.size).toBe(0);
    });

    it('never confirms an address whose confirmation bounced, nor mails it again', async () => {
      await subscribe();
      const link = newestLink('/confirm');

      await applyMailEvent(
        { kind: 'bounce', severity: 'hard', recipients: ['reader@example.org'], at: clock.now() },
        deps,
      );
      clock.advance(2 * DAY_MS);

      expect((await confirmSubscription(link, '192.0.2.1', deps)).outcome).toBe('not-pending');
      expect(await subscribe()).toBe('not-sent');
      expect((await subscribers.getSuppression(idOf()))?.reason).toBe('bounced');
      expect(mailer.sent).toHaveLength(1);
    });
  });

  describe('leaving', () => {
    it('ends the instance: every link of it dies, and a second one-click changes nothing', async () => {
      const subscriber = reader('confirmed');
      const subject = { subscriberId: subscriber.subscriberId, instance: subscriber.instance };

      expect(await unsubscribe(subject, deps)).toBe('unsubscribed');
      expect(await unsubscribe(subject, deps)).toBe('not-subscribed');

      expect(await subscriptionOf(subject, deps)).toBeUndefined();
      expect(subscribers.items.get(subscriber.subscriberId)?.status).toBe('unsubscribed');
      expect(await setPaused(subject, true, deps)).toBeUndefined();
    });

    it('does not let a link of an older subscription end a newer one', async () => {
      const subscriber = reader('confirmed');
      const old = { subscriberId: subscriber.subscriberId, instance: subscriber.instance };
      await unsubscribe(old, deps);
      await subscribe();
      await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);

      expect(await unsubscribe(old, deps)).toBe('other-subscription');

      expect(subscribers.items.get(subscriber.subscriberId)?.status).toBe('confirmed');
    });
  });

  describe('pausing', () => {
    it('pauses and resumes a confirmed reader', async () => {
      const subscriber = reader('confirmed');

      expect((await setPaused(subscriber, true, deps))?.paused).toBe(true);
      expect((await setPaused(subscriber, false, deps))?.paused).toBe(false);
    });

    it('leaves a reader who is not confirmed as they are', async () => {
      const subscriber = reader('unsubscribed');

      expect((await setPaused(subscriber, true, deps))?.paused).toBeUndefined();
    });

    it('counts a resume from now: the slot missed while paused is not sent at once', async () => {
      const subscriber = reader('confirmed');
      await setPaused(subscriber, true, deps);
      clock.advance(DAY_MS);

      const paused = await subscribers.get(subscriber.subscriberId);
      const resumed = await setPaused(subscriber, false, deps);

      expect(paused?.scheduleFrom).toBeUndefined();
      expect(resumed?.scheduleFrom).toBe(clock.now().toISOString());
    });
  });

  describe('changing preferences', () => {
    it('records when the slot changed, so the new slot counts from then', async () => {
      const subscriber = reader('confirmed');
      clock.advance(DAY_MS);

      const sameSlot = await updatePreferences(subscriber, { topics: ['melanoma'], delivery: SLOT }, deps);
      const newSlot = await updatePreferences(
        subscriber,
        { topics: ['melanoma'], delivery: { ...SLOT, hour: 10 } },
        deps,
      );

      expect(sameSlot?.scheduleFrom).toBeUndefined();
      expect(newSlot).toMatchObject({
        delivery: { ...SLOT, hour: 10 },
        scheduleFrom: clock.now().toISOString(),
      });
    });
  });

  describe('erasure', () => {
    it('keeps nothing but the keyed id, the time and the reason', async () => {
      const subscriber = reader('confirmed');

      expect(await eraseSubscriber(subscriber.subscriberId, deps)).toBe(true);

      expect(subscribers.items.has(subscriber.subscriberId)).toBe(false);
      expect(await subscribers.getSuppression(subscriber.subscriberId)).toEqual({
        subscriberId: subscriber.subscriberId,
        erasedAt: clock.now().toISOString(),
        reason: 'erased',
      });
      expect(JSON.stringify([...subscribers.suppressions.values()])).not.toContain('reader@example.org');
    });

    it('anonymises the reader’s delivery-ledger rows and admin test sends, keeping the counts', async () => {
      const subscriber = reader('confirmed');
      const key = { digestId: 'weekly-2026-W48', subscriberId: subscriber.subscriberId };
      await ledger.claim(key, clock.now(), 60_000);
      await ledger.markSent(key, 'ses-message-1', clock.now());
      const test: AdminTestRecord = {
        at: clock.now().toISOString(),
        by: { principal: 'editor', via: 'cli' },
        toId: subscriber.subscriberId,
        messageId: 'ses-message-2',
        draftHash: 'hash',
      };
      audit.tests.push({ sendId: 'welcome', test });

      const exported = await readerRecords(subscriber.subscriberId, deps);
      await eraseSubscriber(subscriber.subscriberId, deps);

      expect(exported.deliveries).toMatchObject([
        { digestId: 'weekly-2026-W48', messageId: 'ses-message-1' },
      ]);
      expect(exported.adminTests).toEqual([{ sendId: 'welcome', test }]);
      expect(await ledger.countByStatus('weekly-2026-W48')).toMatchObject({ sent: 1 });
      const left = JSON.stringify([...ledger.items.values()]);
      expect(left).not.toContain(subscriber.subscriberId);
      expect(left).not.toContain('ses-message-1');
      expect(audit.tests.map(({ test: { toId } }) => toId)).toEqual(['erased']);
    });

    it('lets an erased reader come back through double opt-in, without resetting the daily limit or writing their address', async () => {
      await subscribe();
      await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);
      await eraseSubscriber(idOf(), deps);

      expect(await subscribe()).toBe('not-sent');
      clock.advance(DAY_MS);
      expect(await subscribe()).toBe('sent');
      expect(subscribers.items.has(idOf())).toBe(false);
      expect(subscribers.suppressions.get(idOf())?.reason).toBe('erased');
      expect(JSON.stringify([...subscribers.pending.values()])).not.toContain('reader@example.org');

      await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);
      expect(subscribers.items.get(idOf())?.status).toBe('confirmed');
      expect(mailer.sent).toHaveLength(2);
    });

    it('never mails an address that bounced or complained, even after it was erased', async () => {
      const subscriber = reader('complained');
      await eraseSubscriber(subscriber.subscriberId, deps);

      await subscribe();
      await processManageLinkRequest('reader@example.org', deps);

      expect(mailer.sent).toEqual([]);
      expect(subscribers.items.has(subscriber.subscriberId)).toBe(false);
      expect((await subscribers.getSuppression(subscriber.subscriberId))?.reason).toBe('complained');
    });

    it('makes a later one-click unsubscribe a harmless no-op', async () => {
      const subscriber = reader('confirmed');
      await eraseSubscriber(subscriber.subscriberId, deps);

      expect(await unsubscribe(subscriber, deps)).toBe('not-subscribed');

      expect(subscribers.items.has(subscriber.subscriberId)).toBe(false);
    });
  });

  describe('the data export', () => {
    it('holds every stored field, the consent and the very words agreed to, and the delivery log', async () => {
      await subscribe();
      await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);
      const stored = { ...subscribers.items.get(idOf())!, lastSoftBounceAt: '2026-11-01T00:00:00.000Z' };

      const exported = exportSubscriberData(
        stored,
        { melanoma: 'Melanoma & skin cancers' } as never,
        clock.now(),
        {
          deliveries: [
            {
              digestId: 'weekly-2026-W48',
              subscriberId: idOf(),
              status: 'sent',
              attempts: 1,
              messageId: 'm-1',
            },
          ],
          adminTests: [],
        },
      );

      expect(exported.subscription).toMatchObject({
        email: 'reader@example.org',
        status: 'confirmed',
        topics: [{ id: 'melanoma', label: 'Melanoma & skin cancers' }],
        delivery: SLOT,
        // A field the export does not know by name still comes out.
        lastSoftBounceAt: '2026-11-01T00:00:00.000Z',
      });
      expect(exported.consent).toMatchObject({
        wordingVersion: CONSENT_WORDING_VERSION,
        wording: CONSENT_WORDINGS[CONSENT_WORDING_VERSION],
        topics: ['melanoma'],
      });
      expect(exported.deliveryLog).toEqual([
        { digestId: 'weekly-2026-W48', status: 'sent', attempts: 1, messageId: 'm-1' },
      ]);
      expect(JSON.stringify(exported)).not.toContain('192.0.2.1');
      expect(exported.emailLimits).toMatchObject({ lastConfirmationEmailAt: '2026-11-25T12:00:00.000Z' });
      expect(exported.subscription).toMatchObject({ country: null });
    });

    it('carries the country chosen on the form through confirmation, and names it in the export', async () => {
      await processSubscriptionRequest(
        { email: 'reader@example.org', topics: ['melanoma'], delivery: SLOT, country: 'FR' },
        deps,
      );
      await confirmSubscription(newestLink('/confirm'), '192.0.2.1', deps);
      const stored = subscribers.items.get(idOf())!;

      expect(stored.country).toBe('FR');
      expect(exportSubscriberData(stored, {} as never, clock.now()).subscription).toMatchObject({
        country: { code: 'FR', name: 'France' },
      });
    });
  });
});
