import { parseSesEvent } from '../adapters/ses/ses-event.ts';
import { recordSesAcceptance, type AcceptanceOutcome } from '../core/delivery/ses-acceptance.ts';
import { applyMailEvent, type MailEventOutcome } from '../core/subscribers/mail-events.ts';
import type { AppContext } from './context.ts';

export type SesEventOutcome = MailEventOutcome | AcceptanceOutcome;

/**
 * An SES event as EventBridge delivers it, applied: a Send event records SES's acceptance on the
 * email's ledger item; a bounce or complaint suppresses. What the ses-events handler runs in the
 * cloud, what `immuno-digest simulate bounce|complaint` and the local mailer's Send events run
 * locally, so both can be seen on a laptop through the very same path.
 *
 * @throws PoisonMessageError for anything that is not an SES send, bounce or complaint event.
 */
export function handleSesEvent(context: AppContext, event: unknown): Promise<SesEventOutcome> {
  const parsed = parseSesEvent(event, context.clock.now());
  return parsed.kind === 'accepted' ? recordSesAcceptance(parsed, context) : applyMailEvent(parsed, context);
}
