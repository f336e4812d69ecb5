import type { Logger } from '../../ports/logger.ts';
import type { SubscriberReader, SubscriberStatuses } from '../../ports/subscriber-store.ts';
import { subscriberIdFor } from './subscriber.ts';

/**
 * What SES tells us after a send. A hard bounce or a complaint suppresses the address at once
 * (mailing it again hurts the sender's reputation and, for a complaint, the reader); soft
 * bounces (full mailbox, greylisting) are counted and suppress after SOFT_BOUNCE_LIMIT.
 */
export type MailEvent =
  | {
      readonly kind: 'bounce';
      readonly severity: 'hard' | 'soft';
      readonly recipients: readonly string[];
      readonly at: Date;
    }
  | { readonly kind: 'complaint'; readonly recipients: readonly string[]; readonly at: Date };

export const SOFT_BOUNCE_LIMIT = 3;

export interface MailEventOutcome {
  readonly suppressed: number;
  readonly softBouncesCounted: number;
  /** Recipients we have no subscriber for (a test address, or already erased). */
  readonly unknown: number;
}

export async function applyMailEvent(
  event: MailEvent,
  deps: { readonly subscribers: SubscriberReader & SubscriberStatuses; readonly logger: Logger },
): Promise<MailEventOutcome> {
  const outcome = { suppressed: 0, softBouncesCounted: 0, unknown: 0 };
  for (const recipient of event.recipients) {
    const subscriberId = subscriberIdFor(recipient);
    const subscriber = await deps.subscribers.get(subscriberId);
    if (!subscriber) {
      outcome.unknown += 1;
      continue;
    }
    if (event.kind === 'complaint') {
      await deps.subscribers.setStatus(subscriberId, 'complained', event.at);
      outcome.suppressed += 1;
    } else if (event.severity === 'hard') {
      // A complaint outranks a bounce: never turn "complained" into "bounced".
      if (subscriber.status !== 'complained')
        await deps.subscribers.setStatus(subscriberId, 'bounced', event.at);
      outcome.suppressed += 1;
    } else {
      const count = await deps.subscribers.recordSoftBounce(subscriberId, event.at);
      outcome.softBouncesCounted += 1;
      if (count >= SOFT_BOUNCE_LIMIT && subscriber.status === 'confirmed') {
        await deps.subscribers.setStatus(subscriberId, 'bounced', event.at);
        outcome.suppressed += 1;
      }
    }
  }
  deps.logger.info('mail event applied', { kind: event.kind, ...outcome });
  return outcome;
}
