import { subscriberIdFor } from '../subscribers/subscriber.ts';
import { personalLinksFor } from '../delivery/personal-links.ts';
import { sendConflict, type AdminSendDependencies, type ComposedSend } from './admin-send.ts';
import { defaultSendId, draftHash, parseSendId, type AnnouncementDraft } from './announcement.ts';
import { selectAudience } from './audience.ts';

/** The reader a preview is personalised for. */
export const PREVIEW_READER = 'reader@example.org';

/**
 * Validates, renders and counts a draft; sends and records nothing (the dry run).
 *
 * @throws ValidationError for a bad body or id; SendConflictError when the id is a send with
 *   other content.
 */
export async function composeSend(
  draft: AnnouncementDraft,
  requestedId: string | undefined,
  deps: AdminSendDependencies,
): Promise<ComposedSend> {
  const sendId = requestedId ? parseSendId(requestedId) : defaultSendId(draft);
  const hash = draftHash(draft);
  const [email, readers, existing] = await Promise.all([
    deps.announcements.render(draft),
    deps.subscribers.listConfirmed(),
    deps.adminSends.get(sendId),
  ]);
  if (existing?.status === 'queued' && existing.draftHash !== hash) throw sendConflict(sendId, existing);
  return {
    sendId,
    draft,
    draftHash: hash,
    email,
    removed: [...(draft.removed ?? []), ...email.removed],
    preview: email.personalise(previewLinks(deps)),
    audience: selectAudience(readers, draft.topics).summary,
    existing,
  };
}

/** The personal links of the preview reader: they work, and name nobody real. */
export function previewLinks(deps: Pick<AdminSendDependencies, 'tokens' | 'clock' | 'settings'>) {
  return personalLinksFor(
    subscriberIdFor(PREVIEW_READER),
    deps.tokens,
    deps.settings.siteUrl,
    deps.clock.now(),
  );
}
