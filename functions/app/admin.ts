import type { AdminSendDependencies } from '../core/announcements/admin-send.ts';
import { SEND_RETRIES } from '../core/delivery/send-policy.ts';
import type { AppContext } from './context.ts';

/**
 * What the admin-send use cases need, from the shared context: the CLI and the admin API build it
 * the same way, so a test send from either goes through the same limiter and retries as the sender.
 */
export function adminSendDependencies(context: AppContext): AdminSendDependencies {
  return {
    ...context,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    settings: {
      siteUrl: context.config.siteUrl,
      unsubscribeMailto: context.config.mail.unsubscribeMailto,
      ...SEND_RETRIES,
    },
  };
}
