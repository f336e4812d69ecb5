import { previewLinks } from '../../../core/announcements/compose-send.ts';
import { listSends, sendStatus } from '../../../core/announcements/send-status.ts';
import { parseSendId } from '../../../core/announcements/announcement.ts';
import { wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { sendDetailPage, sendJson, sendListPage } from '../../pages/admin-send-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/**
 * Past sends and drafts with their progress: the list (`GET /admin/sends`) and one send
 * (`GET /admin/sends/{id}`, which reloads itself while the send is under way), as pages or JSON.
 */
export function registerPastSendsRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, deps, labels, layout, storePreview, notFound } = kit;
  const { context } = services;

  app.get('/admin/sends', async (c) => {
    const sends = await listSends(deps);
    if (wantsJson(c)) return c.json({ sends: sends.map(sendJson) });
    return adminPage(c, 'Past sends', sendListPage(sends, labels), layout(c.get('admin'), 'sends'));
  });

  app.get('/admin/sends/:id', async (c) => {
    let sendId: string;
    try {
      sendId = parseSendId(c.req.param('id'));
    } catch {
      return notFound(c);
    }
    const send = await sendStatus(sendId, deps);
    if (!send) return notFound(c);
    if (wantsJson(c)) return c.json(sendJson(send));
    const email = await context.announcements.render({
      content: { subject: send.subject, format: send.format, body: send.body },
      topics: send.topics,
    });
    const previewId = await storePreview(email.personalise(previewLinks(deps)).html);
    return adminPage(
      c,
      send.subject,
      sendDetailPage(send, labels, previewId, auth.csrfToken(c.get('admin'))),
      {
        ...layout(c.get('admin'), 'sends'),
        ...(send.state === 'queued' || send.state === 'sending' ? { refreshSeconds: 5 } : {}),
      },
    );
  });
}
