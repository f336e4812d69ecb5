import { describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../functions/adapters/dynamodb/tables.ts';
import { LEASE_MS } from '../../functions/core/delivery/send-policy.ts';
import { SendEventPublishingMailer } from '../../functions/local/ses-send-events.ts';
import { ManualClock, RecordingMailer } from '../../testkit/fakes.ts';
import { SEND_EVENT_MAX_DELAY_MS, sendEventDelayMs } from '../../soak/outside/ses-gateway.ts';

const email = {
  to: 'reader@example.org',
  subject: 'Your digest',
  html: '<p>digest</p>',
  text: 'digest',
  headers: [],
  tags: { kind: 'digest' },
  ledgerKey: { digestId: 'weekly-2026-W49', subscriberId: 'Ab_cD-9' },
};

describe('the time a Send event has to reach the ledger', () => {
  it('is left by the lease: at least four minutes between SES’s acceptance and a takeover', () => {
    const latestAcceptanceAfterClaim = SEND_QUEUE.consumerTimeoutSeconds * 1000;

    expect(LEASE_MS - latestAcceptanceAfterClaim).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it('is within that margin for every delay the soak’s SES gives its events, seconds for most', () => {
    const points = [0, 0.5, 0.849, 0.85, 0.9, 0.979, 0.98, 0.999];
    const delays = points.flatMap((point) =>
      [0, 0.5, 0.999].map((spread) => sendEventDelayMs(point, spread)),
    );

    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(SEND_EVENT_MAX_DELAY_MS);
    expect(sendEventDelayMs(0.5, 0.5)).toBeLessThanOrEqual(5000);
    expect(SEND_EVENT_MAX_DELAY_MS).toBeLessThan(LEASE_MS - SEND_QUEUE.consumerTimeoutSeconds * 1000);
  });
});

describe('the local stand-in for SES event publishing', () => {
  it('publishes a Send event naming the email’s ledger item after SES accepted it, and at once on flush', async () => {
    const published: unknown[] = [];
    const mailer = new SendEventPublishingMailer(new RecordingMailer(), {
      publish: async (event) => void published.push(event),
      clock: new ManualClock(new Date('2026-11-30T08:00:00Z')),
      configurationSet: 'immuno-digest-events',
      delayMs: () => 60_000,
    });

    const { messageId } = await mailer.send(email);
    const beforeFlush = published.length;
    await mailer.flush();

    expect(beforeFlush).toBe(0);
    expect(published).toEqual([
      expect.objectContaining({
        source: 'aws.ses',
        'detail-type': 'Email Sent',
        detail: {
          eventType: 'Send',
          mail: {
            timestamp: '2026-11-30T08:00:00.000Z',
            messageId,
            destination: ['reader@example.org'],
            tags: {
              kind: ['digest'],
              ledger: ['weekly-2026-W49'],
              reader: ['Ab_5FcD-9'],
              'ses:configuration-set': ['immuno-digest-events'],
            },
          },
          send: {},
        },
      }),
    ]);
  });

  it('publishes nothing for an email SES refused', async () => {
    const published: unknown[] = [];
    const refusing = new RecordingMailer();
    refusing.failWith.push(new Error('refused'));
    const mailer = new SendEventPublishingMailer(refusing, {
      publish: async (event) => void published.push(event),
      clock: new ManualClock(new Date('2026-11-30T08:00:00Z')),
      delayMs: () => 0,
    });

    await expect(mailer.send(email)).rejects.toThrow('refused');
    await mailer.flush();

    expect(published).toEqual([]);
  });
});
