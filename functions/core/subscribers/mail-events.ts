import type { Logger } from '../../ports/logger.ts';
import type { SubscriberReader, SubscriberStatuses } from '../../ports/subscriber-store.ts';
import type { SubscriberIds } from './subscriber-ids.ts';

/**
 * What SES tells us after a send. A hard bounce or a complaint suppresses the address at once
 * (mailing it again hurts the sender's reputation and, for a complaint, the reader); soft
 * bounces (full mailbox, greylisting) are counted and suppress after SOFT_BOUNCE_LIMIT. An
 * address with no subscriber (a confirmation that bounced, a test send, an erased reader's old
 * digest) is suppressed too: its suppression entry keeps nothing but its keyed id, and no request
 * can mail it again.
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
  /** Soft bounces of addresses we have no subscriber and no pending subscription for. */
  readonly unknown: number;
}

export async function applyMailEvent(
  event: MailEvent,
  deps: {
    readonly subscribers: SubscriberReader & SubscriberStatuses;
    readonly subscriberIds: SubscriberIds;
    readonly logger: Logger;
  },
): Promise<MailEventOutcome> {
  const outcome = { suppressed: 0, softBouncesCounted: 0, unknown: 0 };
  for (const recipient of event.recipients) {
    const subscriberId = deps.subscriberIds.idFor(recipient);
    const subscriber = await deps.subscribers.get(subscriberId);
    if (!subscriber) {
      if (event.kind === 'complaint' || event.severity === 'hard') {
        await deps.subscribers.suppress(
          subscriberId,
          event.kind === 'complaint' ? 'complained' : 'bounced',
          event.at,
        );
        outcome.suppressed += 1;
      } else if ((await deps.subscribers.recordSoftBounce(subscriberId, event.at)) > 0) {
        // A confirmation's soft bounce: counted on the pending subscription, carried over if confirmed.
        outcome.softBouncesCounted += 1;
      } else {
        outcome.unknown += 1;
      }
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
