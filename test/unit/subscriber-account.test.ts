import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailRenderer, type EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import {
  createAccountEmailRenderer,
  type AccountEmailRenderer,
} from '../../functions/core/rendering/account-emails.ts';
import { createTokenService } from '../../functions/core/tokens/tokens.ts';
import { newSubscriber, subscriberIdFor } from '../../functions/core/subscribers/subscriber.ts';
import {
  confirmSubscription,
  requestSubscription,
  unsubscribe,
  updatePreferences,
} from '../../functions/core/subscribers/lifecycle.ts';
import {
  eraseSubscriber,
  exportSubscriberData,
  MANAGE_LINK_INTERVAL_MS,
  requestManageLink,
  setPaused,
  type AccountDependencies,
} from '../../functions/core/subscribers/account.ts';
import { CONSENT_WORDINGS, CONSENT_WORDING_VERSION } from '../../functions/core/subscribers/consent.ts';
import { MailUnavailableError } from '../../functions/core/errors.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { loadTemplates } from '../../functions/adapters/content/load-content.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { FakeSubscriberStore, ManualClock, RecordingMailer } from '../../testkit/fakes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DAY_MS = 86_400_000;
const SLOT = { weekday: 2, hour: 9, timeZone: 'Europe/Berlin' };
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

describe('a reader managing their own subscription', () => {
  let clock: ManualClock;
  let subscribers: FakeSubscriberStore;
  let mailer: RecordingMailer;
  let deps: AccountDependencies;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-25T12:00:00Z'));
    subscribers = new FakeSubscriberStore();
    mailer = new RecordingMailer();
    deps = {
      subscribers,
      mailer,
      renderer,
      accountEmails,
      tokens: createTokenService('a-test-secret-that-is-long-enough-000'),
      clock,
      logger: silentLogger,
      siteUrl: 'https://digest.example.org',
      ipHashKey: 'ip-hash-key-ip-hash-key-ip-hash-key',
    };
  });

  function reader(status: SubscriberStatus, email = 'reader@example.org') {
    const subscriber = newSubscriber({ email, topics: ['car-t'], status, delivery: SLOT }, clock.now());
    subscribers.items.set(subscriber.subscriberId, subscriber);
    return subscriber;
  }

  const subscribe = (email = 'reader@example.org', topics: TopicId[] = ['melanoma']) =>
    requestSubscription({ email, topics, delivery: SLOT }, deps);

  describe('asking for a manage link', () => {
    it('emails a confirmed reader a signed manage link and nothing they typed', async () => {
      const subscriber = reader('confirmed');

      await requestManageLink('  READER@example.org ', deps);

      expect(mailer.sent).toHaveLength(1);
      const [email] = mailer.sent;
      expect(email?.to).toBe('reader@example.org');
      const token = /preferences\?token=([\w.-]+)/.exec(email!.text)?.[1];
      expect(deps.tokens.verify(token!, 'manage', clock.now()).subscriberId).toBe(subscriber.subscriberId);
      expect(email?.html).not.toContain('READER');
    });

    it('emails an unsubscribed reader too: they may still want to download or delete their data', async () => {
      reader('unsubscribed');

      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent.map((email) => email.subject)).toEqual(['Your Immunotherapy Digest manage link']);
    });

    it('sends a pending reader their confirmation again instead', async () => {
      reader('pending');

      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent.map((email) => email.subject)).toEqual([
        'Confirm your Immunotherapy Digest subscription',
      ]);
    });

    it.each(['bounced', 'complained'] as const)('sends nothing to a %s address', async (status) => {
      reader(status);

      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent).toEqual([]);
    });

    it('sends nothing for an address it does not know', async () => {
      await requestManageLink('stranger@example.org', deps);

      expect(mailer.sent).toEqual([]);
    });

    it('sends at most one link an hour to an address', async () => {
      reader('confirmed');

      await requestManageLink('reader@example.org', deps);
      await requestManageLink('reader@example.org', deps);
      clock.advance(MANAGE_LINK_INTERVAL_MS - 1000);
      await requestManageLink('reader@example.org', deps);
      clock.advance(1000);
      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent).toHaveLength(2);
    });

    it('gives the claim back when the mail service fails, so the reader can try again at once', async () => {
      reader('confirmed');
      mailer.failWith.push(new MailUnavailableError('SES is down'));

      await expect(requestManageLink('reader@example.org', deps)).rejects.toThrow(MailUnavailableError);
      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent).toHaveLength(1);
    });
  });

  describe('subscribing', () => {
    it('does not let an anonymous request change the topics a pending reader is about to confirm', async () => {
      await subscribe('reader@example.org', ['melanoma']);
      await subscribe('reader@example.org', ['access']);

      expect(subscribers.items.get(subscriberIdFor('reader@example.org'))?.topics).toEqual(['melanoma']);
      expect(mailer.sent).toHaveLength(1);
    });

    it('sends a new confirmation with the new choices once a day has passed', async () => {
      await subscribe('reader@example.org', ['melanoma']);
      clock.advance(DAY_MS);
      await subscribe('reader@example.org', ['access']);

      expect(subscribers.items.get(subscriberIdFor('reader@example.org'))?.topics).toEqual(['access']);
      expect(mailer.sent).toHaveLength(2);
    });

    it('gives the confirmation claim back when the mail service fails', async () => {
      mailer.failWith.push(new MailUnavailableError('SES is down'));

      await expect(subscribe()).rejects.toThrow(MailUnavailableError);
      await subscribe();

      expect(mailer.sent).toHaveLength(1);
    });
  });

  describe('pausing', () => {
    it('pauses and resumes a confirmed reader', async () => {
      const subscriber = reader('confirmed');

      expect((await setPaused(subscriber.subscriberId, true, deps))?.paused).toBe(true);
      expect((await setPaused(subscriber.subscriberId, false, deps))?.paused).toBe(false);
    });

    it('leaves a reader who is not confirmed as they are', async () => {
      const subscriber = reader('unsubscribed');

      expect((await setPaused(subscriber.subscriberId, true, deps))?.paused).toBeUndefined();
    });

    it('counts a resume from now: the slot missed while paused is not sent at once', async () => {
      const subscriber = reader('confirmed');
      await setPaused(subscriber.subscriberId, true, deps);
      clock.advance(DAY_MS);

      const paused = await subscribers.get(subscriber.subscriberId);
      const resumed = await setPaused(subscriber.subscriberId, false, deps);

      expect(paused?.scheduleFrom).toBeUndefined();
      expect(resumed?.scheduleFrom).toBe(clock.now().toISOString());
    });
  });

  describe('changing preferences', () => {
    it('records when the slot changed, so the new slot counts from then', async () => {
      const subscriber = reader('confirmed');
      clock.advance(DAY_MS);

      const sameSlot = await updatePreferences(
        subscriber.subscriberId,
        { topics: ['melanoma'], delivery: SLOT },
        deps,
      );
      const newSlot = await updatePreferences(
        subscriber.subscriberId,
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
    it('keeps nothing but the hashed id, the time and the reason', async () => {
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

    it('lets an erased reader come back through double opt-in, without resetting the daily limit', async () => {
      await subscribe();
      const id = subscriberIdFor('reader@example.org');
      await confirmSubscription(id, '192.0.2.1', deps);
      await eraseSubscriber(id, deps);

      await subscribe();
      expect(subscribers.items.get(id)?.status).toBe('pending');
      expect(mailer.sent).toHaveLength(1);

      clock.advance(DAY_MS);
      await subscribe();
      expect(mailer.sent).toHaveLength(2);
    });

    it('never mails an address that bounced or complained, even after it was erased', async () => {
      const subscriber = reader('complained');
      await eraseSubscriber(subscriber.subscriberId, deps);

      await subscribe();
      await requestManageLink('reader@example.org', deps);

      expect(mailer.sent).toEqual([]);
      expect(subscribers.items.has(subscriber.subscriberId)).toBe(false);
      expect((await subscribers.getSuppression(subscriber.subscriberId))?.reason).toBe('complained');
    });

    it('makes a later one-click unsubscribe a harmless no-op', async () => {
      const subscriber = reader('confirmed');
      await eraseSubscriber(subscriber.subscriberId, deps);

      await unsubscribe(subscriber.subscriberId, deps);

      expect(subscribers.items.has(subscriber.subscriberId)).toBe(false);
    });
  });

  describe('the data export', () => {
    it('holds every stored field, the consent and the very words agreed to', async () => {
      await subscribe();
      const id = subscriberIdFor('reader@example.org');
      await confirmSubscription(id, '192.0.2.1', deps);
      const stored = { ...subscribers.items.get(id)!, lastSoftBounceAt: '2026-11-01T00:00:00.000Z' };

      const exported = exportSubscriberData(
        stored,
        { melanoma: 'Melanoma & skin cancers' } as never,
        clock.now(),
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
      expect(JSON.stringify(exported)).not.toContain('192.0.2.1');
      expect(exported.emailLimits).toMatchObject({ lastConfirmationEmailAt: '2026-11-25T12:00:00.000Z' });
    });
  });
});
