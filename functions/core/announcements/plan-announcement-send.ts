import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { SubscriberReader } from '../../ports/subscriber-store.ts';
import type { AnnouncementJob, AnnouncementPlanJob } from '../delivery/send-job.ts';
import { selectAudience } from './audience.ts';
import { startScheduledSend } from './schedule-send.ts';

export interface PlanAnnouncementDependencies {
  readonly adminSends: AdminSendStore;
  readonly subscribers: SubscriberReader;
  readonly queue: SendQueue<AnnouncementJob>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The plan job of a send, run by the sender: reads the confirmed readers, keeps the audience,
 * enqueues its announcement jobs and records the audience on the send (the first plan's figures
 * are kept). The audience is the readers confirmed when the send was made: a plan that runs
 * late, or again to resume, reaches nobody who confirmed afterwards. A send already planned is
 * left alone unless the job resumes it; duplicate jobs are harmless, the ledger sends once.
 *
 * @returns the number of jobs enqueued (0 when there was nothing to plan).
 */
export async function planAnnouncementSend(
  job: AnnouncementPlanJob,
  recipientsPerJob: number,
  deps: PlanAnnouncementDependencies,
): Promise<number> {
  const { sendId } = job;
  let record = await deps.adminSends.get(sendId);
  if (job.scheduled && record?.status === 'scheduled') {
    // Its time has come: start it (unless a cancel won the race), then plan it as any send.
    if (!(await startScheduledSend(record, deps))) return 0;
    record = await deps.adminSends.get(sendId);
  }
  if (record?.status === 'cancelled') {
    deps.logger.info('plan job of a cancelled send: nothing sent', { sendId });
    return 0;
  }
  if (!record || record.status !== 'queued') {
    deps.logger.error('plan job for a send that was never sent: ignored', { sendId });
    return 0;
  }
  if (record.enqueuedAt && !job.resume) return 0;
  const sentAt = record.sentAt ?? record.firstUsedAt;
  const confirmedBySend = (await deps.subscribers.listConfirmed()).filter(
    (reader) => (reader.consent?.at ?? reader.createdAt) <= sentAt,
  );
  const { recipients, summary } = selectAudience(confirmedBySend, record.topics);
  const jobs: AnnouncementJob[] = [];
  for (let start = 0; start < recipients.length; start += recipientsPerJob) {
    jobs.push({
      kind: 'announcement',
      version: 1,
      sendId,
      recipients: recipients
        .slice(start, start + recipientsPerJob)
        .map((reader) => ({ subscriberId: reader.subscriberId })),
    });
  }
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  await deps.adminSends.markEnqueued(sendId, summary, jobs.length, deps.clock.now());
  deps.logger.info('admin send planned', {
    sendId,
    audience: summary.total,
    jobs: jobs.length,
    resumed: job.resume === true,
  });
  return jobs.length;
}
