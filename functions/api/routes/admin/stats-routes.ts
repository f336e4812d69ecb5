import { loadListStats } from '../../../core/list-health/dashboard.ts';
import { wantsJson } from '../../input.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { dashboardPage } from '../../pages/admin-dashboard-page.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';

/**
 * The editors' dashboard: `GET /admin/stats` (always JSON) and the admin home page `GET /admin`
 * (the same figures as a page, or JSON when asked for), behind the admin routes' guard.
 */
export function registerStatsRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, layout } = kit;
  const { context } = services;

  app.get('/admin/stats', async (c) => c.json(await loadListStats(context)));

  app.get('/admin', async (c) => {
    const stats = await loadListStats(context);
    if (wantsJson(c)) return c.json(stats);
    return adminPage(
      c,
      'Dashboard',
      dashboardPage({ stats, topicLabels: context.topicLabels }),
      layout(c.get('admin'), 'dashboard'),
    );
  });
}
