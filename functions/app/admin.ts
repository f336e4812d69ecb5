import type { AdminSendDependencies } from '../core/announcements/admin-send.ts';
import { SEND_RETRIES } from '../core/delivery/send-policy.ts';
import type { SendScheduler } from '../ports/send-scheduler.ts';
import type { AppContext } from './context.ts';

/**
 * Locally a scheduled send needs no timer of its own: the local runtime (npm start) reads the
 * scheduled sends from the state table every minute and starts the due ones.
 */
const POLLED_BY_LOCAL_RUNTIME: SendScheduler = { arm: async () => {}, disarm: async () => {} };

/**
 * What the admin-send use cases need, from the shared context: the CLI and the admin API build it
 * the same way, so a test send from either goes through the same limiter and retries as the sender.
 */
export function adminSendDependencies(context: AppContext): AdminSendDependencies {
  return {
    ...context,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // The cloud's EventBridge Scheduler adapter is not built yet: there, scheduling is refused.
    ...(context.config.mode === 'cloud' ? {} : { sendScheduler: POLLED_BY_LOCAL_RUNTIME }),
    settings: {
      siteUrl: context.config.siteUrl,
      unsubscribeMailto: context.config.mail.unsubscribeMailto,
      ...SEND_RETRIES,
    },
  };
}
