import type { AdminActor } from '../../model/announcements.ts';
import { sendConflict, storedDraftOf, type AdminSendDependencies, type ComposedSend } from './admin-send.ts';
import { SendConflictError } from '../errors.ts';
import { withProgress } from './send-status.ts';

export type StartOutcome = 'started' | 'resumed' | 'already-sent';

export interface StartedSend {
  readonly sendId: string;
  readonly outcome: StartOutcome;
}

/**
 * Sends the composed announcement for real: records the send (who, when, what, the audience the
 * admin confirmed) with a conditional write and enqueues its plan job. Running the same id again
 * sends nothing twice: a finished send is 'already-sent' and nothing is enqueued; an unfinished
 * one (its jobs lost with a local queue, or still under way) is planned again, 'resumed', for the
 * readers who have not got it yet: the ledger skips everyone else.
 *
 * @throws SendConflictError when the id is a send with other content.
 */
export async function startSend(
  composed: ComposedSend,
  actor: AdminActor,
  deps: AdminSendDependencies,
): Promise<StartedSend> {
  const { sendId } = composed;
  const created = await deps.adminSends.createSend(sendId, storedDraftOf(composed), {
    at: deps.clock.now(),
    by: actor,
    confirmedAudience: composed.audience.total,
  });
  let outcome: StartOutcome = 'started';
  let resume = false;
  if (!created.created) {
    const existing = created.existing;
    if (existing.status === 'scheduled' || existing.status === 'cancelled')
      throw new SendConflictError(
        `send "${sendId}" is ${existing.status === 'scheduled' ? `scheduled for ${existing.scheduledFor}: cancel it first, or choose another id` : 'a cancelled scheduled send: choose another id'}`,
      );
    if (existing.draftHash !== composed.draftHash) throw sendConflict(sendId, existing);
    if (existing.enqueuedAt) {
      if ((await withProgress(existing, deps)).state === 'sent') return { sendId, outcome: 'already-sent' };
      resume = true;
    }
    outcome = 'resumed';
  }
  await deps.queue.enqueue([
    { kind: 'announcement-plan', version: 1, sendId, ...(resume ? { resume: true } : {}) },
  ]);
  deps.logger.info('admin send started', { sendId, outcome, by: actor.principal, via: actor.via });
  return { sendId, outcome };
}
