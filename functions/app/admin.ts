import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { AdminSendDependencies } from '../core/announcements/admin-send.ts';
import { SEND_RETRIES } from '../core/delivery/send-policy.ts';
import { EventBridgeSendScheduler } from '../adapters/scheduler/eventbridge-send-scheduler.ts';
import type { Config } from '../config/config.ts';
import type { SendScheduler } from '../ports/send-scheduler.ts';
import type { AppContext } from './context.ts';

/**
 * Locally a scheduled send needs no timer of its own: the local runtime (npm start) reads the
 * scheduled sends from the state table every minute and starts the due ones.
 */
const POLLED_BY_LOCAL_RUNTIME: SendScheduler = { arm: async () => {}, disarm: async () => {} };

// One Scheduler client per process, built on the first admin request that needs one (only the
// api function schedules; the other bundles never load this).
let schedulerClient: SchedulerClient | undefined;

/**
 * The timer of sends scheduled for later: locally none (polled); in the cloud an EventBridge
 * Scheduler schedule per send, where the deployment gave the api function its group and role.
 * Without them (a stack older than scheduled sends), scheduling is refused with a clear message.
 */
function sendSchedulerFor(config: Config): SendScheduler | undefined {
  if (config.mode !== 'cloud') return POLLED_BY_LOCAL_RUNTIME;
  if (!config.sendSchedules) return undefined;
  schedulerClient ??= new SchedulerClient({ region: config.region, maxAttempts: 3 });
  return new EventBridgeSendScheduler(schedulerClient, {
    groupName: config.sendSchedules.group,
    roleArn: config.sendSchedules.roleArn,
    queueArn: config.sendSchedules.queueArn,
  });
}

/**
 * What the admin-send use cases need, from the shared context: the CLI and the admin API build it
 * the same way, so a test send from either goes through the same limiter and retries as the sender.
 */
export function adminSendDependencies(context: AppContext): AdminSendDependencies {
  const sendScheduler = sendSchedulerFor(context.config);
  return {
    ...context,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...(sendScheduler ? { sendScheduler } : {}),
    settings: {
      siteUrl: context.config.siteUrl,
      unsubscribeMailto: context.config.mail.unsubscribeMailto,
      ...SEND_RETRIES,
    },
  };
}
