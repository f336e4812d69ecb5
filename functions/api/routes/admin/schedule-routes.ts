import { parseSendId } from '../../../core/announcements/announcement.ts';
import { cancelScheduledSend, parseSendAt } from '../../../core/announcements/schedule-send.ts';
import { ValidationError } from '../../../core/errors.ts';
import { readInput } from '../../input.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminKit } from './admin-kit.ts';
import type { AdminFormFields } from './send-request.ts';

/**
 * Scheduled sends (announcements later): `POST /admin/sends/{id}/cancel` cancels one before it
 * starts (JSON, or the send page's button with its CSRF token); after it started, 409. Scheduling
 * itself is POST /admin/sends with `"sendAt"` (send-routes.ts).
 */
export function registerScheduleRoutes(app: AdminApp, kit: AdminKit): void {
  const { auth, deps, actorOf, csrfFailed, notFound } = kit;

  app.post('/admin/sends/:id/cancel', async (c) => {
    const credential = c.get('admin');
    const input = await readInput(c);
    const fromForm = !(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    if (fromForm && !auth.csrfTokenMatches(credential, input.csrf)) return csrfFailed(c);
    let sendId: string;
    try {
      sendId = parseSendId(c.req.param('id'));
    } catch {
      return notFound(c);
    }
    try {
      const cancelled = await cancelScheduledSend(
        sendId,
        actorOf(credential, fromForm ? 'page' : 'api'),
        deps,
      );
      if (!cancelled) return notFound(c);
      if (fromForm) return c.redirect(`/admin/sends/${sendId}`, 303);
      return c.json({ ...cancelled, status: `/admin/sends/${sendId}` });
    } catch (error) {
      const problem = adminProblemOf(error);
      if (fromForm) return c.text(problem.json.message as string, problem.status);
      return c.json(problem.json, problem.status);
    }
  });
}

/**
 * The compose page's "send later": a datetime-local value (`2026-12-10T09:00`) in the zone chosen
 * beside it (an IANA name such as Europe/Paris; UTC by default), as the instant it names; undefined
 * when the field is empty (send now).
 *
 * @throws ValidationError for an unreadable time or zone, or a time parseSendAt refuses.
 */
export function formSendAt(form: AdminFormFields, now: Date): Date | undefined {
  const local = form.sendAt?.trim();
  if (!local) return undefined;
  const zone = form.sendZone?.trim() || 'UTC';
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!match) {
    const reason = `"${local}" is not a date and time like 2026-12-10T09:00`;
    throw new ValidationError(`invalid send time: ${reason}`, [`sendAt: ${reason}`]);
  }
  if (!isTimeZone(zone)) {
    const reason = `"${zone}" is not a time zone (write one like Europe/Paris, America/New_York or UTC)`;
    throw new ValidationError(`invalid time zone: ${reason}`, [`sendZone: ${reason}`]);
  }
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  // The zone's offset at that wall time (read twice: the first guess may sit across a DST change).
  let instant = asUtc - offsetMs(zone, asUtc);
  instant = asUtc - offsetMs(zone, instant);
  return parseSendAt(new Date(instant).toISOString(), now);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`. */
function offsetMs(zone: string, instant: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}
