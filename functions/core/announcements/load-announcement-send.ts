import type { StoredDraft } from '../../model/announcements.ts';
import type { AnnouncementSend } from '../delivery/deliver-job.ts';
import type { AdminSendDependencies } from './admin-send.ts';
import type { AnnouncementDraft } from './announcement.ts';

/**
 * The send an announcement job names, as the sender needs it: its audience and its email,
 * rendered (once per process for the same content). undefined when the id was never sent.
 */
export async function loadAnnouncementSend(
  sendId: string,
  deps: Pick<AdminSendDependencies, 'adminSends' | 'announcements'>,
): Promise<AnnouncementSend | undefined> {
  const record = await deps.adminSends.get(sendId);
  if (!record || record.status !== 'queued') return undefined;
  return { sendId, topics: record.topics, email: await deps.announcements.render(draftOf(record)) };
}

/** The draft a stored record holds. */
export function draftOf(record: StoredDraft): AnnouncementDraft {
  return {
    content: { subject: record.subject, format: record.format, body: record.body },
    topics: record.topics,
  };
}
