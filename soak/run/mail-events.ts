import { handleSesEvent } from '../../functions/app/mail-events.ts';
import { describeError } from '../../functions/core/errors.ts';
import type { Person } from '../world/population.ts';
import type { SoakRun } from './soak-run.ts';

/**
 * SES publishes a bounce or complaint for a person; the ses-events handler's use case applies
 * it, and the model learns of it once applied. A failure is retried a minute later, as
 * EventBridge retries a failed target.
 */
export async function publishMailEvent(
  run: SoakRun,
  person: Person,
  kind: 'hard' | 'soft' | 'complaint',
): Promise<void> {
  const { clock, logger } = run;
  const { counts } = run.tallies;
  const at = clock.now();
  const recipients = [{ emailAddress: person.email }];
  const detail =
    kind === 'complaint'
      ? {
          eventType: 'Complaint',
          complaint: { complainedRecipients: recipients, timestamp: at.toISOString() },
        }
      : {
          eventType: 'Bounce',
          bounce: {
            bounceType: kind === 'hard' ? 'Permanent' : 'Transient',
            bouncedRecipients: recipients,
            timestamp: at.toISOString(),
          },
        };
  const event = {
    source: 'aws.ses',
    'detail-type': kind === 'complaint' ? 'Email Complained' : 'Email Bounced',
    time: at.toISOString(),
    detail,
  };
  try {
    await handleSesEvent(run.system.context, event);
    run.world.model.mailEvent(person.email, kind, at.getTime());
    if (kind === 'hard') counts.hardBounces += 1;
    else if (kind === 'soft') counts.softBounces += 1;
    else counts.complaints += 1;
  } catch (error) {
    counts.mailEventFailures += 1;
    run.timeline.schedule(clock.ms + 60_000, 'mail event retry', () => publishMailEvent(run, person, kind));
    logger.error('mail event failed', { error: describeError(error) });
  }
}

/**
 * SES's Send events that are due by now go through the ses-events path, in the order they fell
 * due: each records SES's acceptance on the email's ledger item. Run whenever the simulated clock
 * moves (the timeline's next event, a sender fleet's skip to a redelivery), after the SendEmail
 * calls already on the wire have landed, so an email accepted before a move has its event in line.
 * A failure is retried a minute later, as EventBridge retries a failed target.
 */
export async function publishDueSendEvents(run: SoakRun): Promise<void> {
  const { clock, logger } = run;
  const { ses } = run.infra;
  const { counts } = run.tallies;
  await ses.idle();
  for (const pending of ses.takeDueSendEvents(clock.ms)) {
    try {
      const outcome = await handleSesEvent(run.system.context, pending.event);
      counts.sendEvents += 1;
      if ('acceptance' in outcome && outcome.acceptance === 'recorded') counts.acceptancesRecorded += 1;
    } catch (error) {
      counts.mailEventFailures += 1;
      ses.sendEvents.push({ dueAt: clock.ms + 60_000, event: pending.event });
      logger.error('send event failed', { error: describeError(error) });
    }
  }
}
