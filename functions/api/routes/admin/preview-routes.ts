import { previewDocument } from '../../pages/admin-layout.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/** `GET /admin/previews/{id}`: a rendered email alone, for the preview frame of the admin pages. */
export function registerPreviewRoutes(app: AdminApp, { services, notFound }: AdminKit): void {
  const { context } = services;

  app.get('/admin/previews/:id', async (c) => {
    const previewId = c.req.param('id');
    const preview = /^[\w-]{22}$/.test(previewId)
      ? await context.adminSends.getPreview(previewId, context.clock.now())
      : undefined;
    return preview ? previewDocument(c, preview.html) : notFound(c);
  });
}
