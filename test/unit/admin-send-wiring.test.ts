import { describe, expect, it } from 'vitest';
import { EventBridgeSendScheduler } from '../../functions/adapters/scheduler/eventbridge-send-scheduler.ts';
import { adminSendDependencies } from '../../functions/app/admin.ts';
import type { AppContext } from '../../functions/app/context.ts';
import { loadConfig, type RuntimeMode } from '../../functions/config/config.ts';

const SCHEDULES = {
  SEND_SCHEDULE_GROUP: 'ImmunoDigest-sends',
  SEND_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/send-scheduler',
  SEND_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:send',
};

// Only the configuration decides the timer: the rest of the context is not read to choose it.
const contextWith = (mode: RuntimeMode, env: Record<string, string> = {}) =>
  ({
    config: loadConfig(
      {
        TOKEN_SECRET: 'x'.repeat(32),
        SITE_URL: 'https://digest.example.org',
        MAIL_FROM: 'Digest <digest@example.org>',
        MAIL_REPLY_TO: 'editors@example.org',
        UNSUBSCRIBE_MAILTO: 'unsubscribe@example.org',
        POSTAL_ADDRESS: '1 Example Street, Springfield, USA',
        IDENTITY_SECRET: 'y'.repeat(32),
        ARTICLES_TABLE: 'articles',
        SUBSCRIBERS_TABLE: 'subscribers',
        DELIVERIES_TABLE: 'deliveries',
        STATE_TABLE: 'state',
        SEND_QUEUE_NAME: 'send',
        SEND_DLQ_NAME: 'send-dlq',
        ...env,
      },
      mode,
    ),
  }) as unknown as AppContext;

describe('the timer of scheduled sends, as wired', () => {
  it('arms an EventBridge Scheduler schedule in the cloud when the stack gave the group and role', () => {
    expect(adminSendDependencies(contextWith('cloud', SCHEDULES)).sendScheduler).toBeInstanceOf(
      EventBridgeSendScheduler,
    );
  });

  it('has no timer in a cloud deployment without them, so sendAt is refused there', () => {
    expect(adminSendDependencies(contextWith('cloud')).sendScheduler).toBeUndefined();
  });

  it('needs none locally: the local runtime polls the scheduled sends', async () => {
    const scheduler = adminSendDependencies(contextWith('local', SCHEDULES)).sendScheduler;

    expect(scheduler).toBeDefined();
    expect(scheduler).not.toBeInstanceOf(EventBridgeSendScheduler);
    await expect(scheduler!.arm('spring-appeal', new Date())).resolves.toBeUndefined();
  });
});
