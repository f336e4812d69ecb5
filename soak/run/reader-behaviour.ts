import type { Seeded } from '../random.ts';
import { drawOtherSlot, drawOtherTopics, type Person } from '../world/population.ts';
import { publishMailEvent } from './mail-events.ts';
import type { Mailboxes, SoakRun } from './soak-run.ts';
import { DAY_MS, HOUR_MS } from './timing.ts';

/** Times a person fills in the subscribe form before giving up. */
const SUBSCRIBE_RETRIES = 4;

/**
 * What the readers do: subscribe and confirm, and react to the mail that reaches them (most do
 * nothing; some leave, change topics or their slot, or complain, hours later). Mail to a mailbox that is gone or
 * full bounces instead. Every reaction is scheduled on the timeline, at its simulated moment.
 */

export function newMailboxes(seeded: Seeded): Mailboxes {
  return { readUpTo: 0, latestConfirmation: new Map(), reactions: seeded.stream('reactions') };
}

/** What the readers do with the mail that reached them since the last look. */
export function readMail(run: SoakRun): void {
  const { clock, timeline, mailboxes } = run;
  const { counts } = run.tallies;
  const { hands } = run.system;
  const { reactions } = mailboxes;
  const delivered = run.infra.ses.delivered;
  for (; mailboxes.readUpTo < delivered.length; mailboxes.readUpTo += 1) {
    const email = delivered[mailboxes.readUpTo]!;
    const person = run.world.byEmail.get(email.to);
    if (!person) continue;
    if (person.mailboxGoneAt !== undefined && email.at >= person.mailboxGoneAt) {
      timeline.schedule(email.at + 10 * 60_000, 'hard bounce', () => publishMailEvent(run, person, 'hard'));
      continue;
    }
    if (person.mailboxFull && email.at >= person.mailboxFull.from && email.at < person.mailboxFull.to) {
      timeline.schedule(email.at + 30 * 60_000, 'soft bounce', () => publishMailEvent(run, person, 'soft'));
      continue;
    }
    if (email.kind === 'confirmation') {
      mailboxes.latestConfirmation.set(person.email, email);
      continue;
    }
    if (email.kind !== 'digest') continue;
    const later = email.at + reactions.between(0.5, 72) * HOUR_MS;
    const reaction = reactions.weighted<'none' | 'leave' | 'topics' | 'slot' | 'complain'>([
      ['none', 935],
      ['leave', 20],
      ['topics', 27],
      ['slot', 15],
      ['complain', 3],
    ]);
    if (reaction === 'leave') {
      timeline.schedule(later, 'unsubscribe', async () => {
        counts.unsubscribes += 1;
        await hands.unsubscribe(person, email, clock.ms);
      });
    } else if (reaction === 'topics') {
      const topics = drawOtherTopics(run.world.model.reader(person.email).topics, reactions);
      timeline.schedule(later, 'change topics', async () => {
        counts.topicChanges += 1;
        await hands.changeTopics(person, email, topics);
      });
    } else if (reaction === 'slot') {
      const slot = drawOtherSlot(run.world.model.reader(person.email).slot, reactions);
      timeline.schedule(later, 'change slot', async () => {
        counts.slotChanges += 1;
        await hands.changeSlot(person, email, slot, clock.ms);
      });
    } else if (reaction === 'complain') {
      timeline.schedule(later, 'complaint', () => publishMailEvent(run, person, 'complaint'));
    }
  }
}

/**
 * A person fills in the subscribe form (again an hour later if the API refused) and, if they
 * mean to, clicks the confirmation link after a while; no confirmation mail, and they fill in
 * the form again the next day.
 */
export async function subscribe(run: SoakRun, person: Person, attempt: number): Promise<void> {
  const { clock, timeline } = run;
  const { hands } = run.system;
  const ok = await hands.subscribe(person, person.topics, clock.ms);
  if (!ok) {
    if (attempt < SUBSCRIBE_RETRIES)
      timeline.schedule(clock.ms + HOUR_MS, 'subscribe again', () => subscribe(run, person, attempt + 1));
    return;
  }
  if (person.confirmAfterMs === undefined) return;
  timeline.schedule(clock.ms + person.confirmAfterMs, 'confirm', async () => {
    readMail(run);
    const confirmation = run.mailboxes.latestConfirmation.get(person.email);
    if (confirmation) return hands.confirm(person, confirmation, clock.ms);
    // No confirmation came (SES refused it): the next day they fill in the form again.
    if (attempt < SUBSCRIBE_RETRIES)
      timeline.schedule(clock.ms + DAY_MS + HOUR_MS, 'subscribe again', () =>
        subscribe(run, person, attempt + 1),
      );
  });
}
