import { parseSesEvent } from '../adapters/ses/ses-event.ts';
import { applyMailEvent, type MailEventOutcome } from '../core/subscribers/mail-events.ts';
import type { AppContext } from './context.ts';

/**
 * An SES bounce or complaint event as EventBridge delivers it, applied: what the ses-events
 * handler runs in the cloud and `immuno-digest simulate bounce|complaint` runs locally, so a
 * suppression can be seen on a laptop through the very same path.
 *
 * @throws PoisonMessageError for anything that is not an SES bounce or complaint event.
 */
export function handleSesEvent(context: AppContext, event: unknown): Promise<MailEventOutcome> {
  return applyMailEvent(parseSesEvent(event, context.clock.now()), context);
}
