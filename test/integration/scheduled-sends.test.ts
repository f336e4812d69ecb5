import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { createAdminAuth } from '../../functions/api/admin-auth.ts';
import {
  enqueueDueScheduledSends,
  scheduledPlanJob,
} from '../../functions/core/announcements/schedule-send.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { ManualClock } from '../../testkit/fakes.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const HOUR = 3600_000;

/**
 * Announcements later, on the real stand-ins with a clock the test moves: a send scheduled over
 * the API is recorded and sends nothing before its time; at the time the local runtime's tick puts
 * its plan job on the queue and the real send handler starts it once; a cancelled one never goes,
 * even when its timer fires anyway; a started one can no longer be cancelled.
 */
describe('scheduled admin sends', () => {
  let world: TestWorld;
  let api: Hono;
  let clock: ManualClock;
  const readers: string[] = [];

  beforeAll(async () => {
    // Whole seconds: scheduled times are kept to the second.
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    world = await createTestWorld({ env: { ADMIN_TOKEN }, clock });
    api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    const joined = new Date(clock.now().getTime() - 86_400_000);
    for (const [name, topics] of [
      ['cart', ['car-t']],
      ['melanoma', ['melanoma']],
    ] as [string, TopicId[]][]) {
      const email = world.email(name);
      readers.push(email);
      await world.context.subscribers.create(
        newSubscriber({ email, topics, status: 'confirmed' }, joined, world.context.subscriberIds),
      );
    }
  });

  afterAll(() => world.stop());

  const asAdmin = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const mailWithSubject = async (subject: string) =>
    (await sentEmails(world.endpoints.ses, world.isMine)).filter((email) => email.subject === subject);
  const schedule = (id: string, subject: string, sendAt: string) =>
    api.request(
      '/admin/sends',
      asAdmin('POST', {
        subject,
        body: 'Our **winter** webinar.',
        audience: 'everyone',
        id,
        send: true,
        sendAt,
      }),
    );
  const inHours = (hours: number) => new Date(clock.now().getTime() + hours * HOUR).toISOString();

  it('records a scheduled send, sends nothing before its time, and sends it once at the time', async () => {
    const subject = 'Winter webinar';
    const sendAt = inHours(2);
    const response = await schedule('webinar', subject, sendAt);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ sendId: 'webinar', outcome: 'scheduled', sendAt });

    const list = (await (await api.request('/admin/sends', asAdmin('GET'))).json()) as {
      sends: { sendId: string; status: string; scheduledFor: string | null }[];
    };
    expect(list.sends.find((send) => send.sendId === 'webinar')).toMatchObject({
      status: 'scheduled',
      scheduledFor: sendAt,
    });
    const record = await world.context.adminSends.get('webinar');
    expect(record).toMatchObject({
      status: 'scheduled',
      scheduledFor: sendAt,
      scheduledBy: { principal: 'local admin (admin token)', via: 'api' },
      scheduledAt: expect.stringMatching(/^\d{4}-/),
    });
    expect(record?.sentAt).toBeUndefined();

    clock.advance(HOUR + 58 * 60_000);
    expect(await enqueueDueScheduledSends(world.context)).toEqual([]);
    await drainSendQueue(world.context, world.queues.sendUrl);
    expect(await mailWithSubject(subject)).toHaveLength(0);

    clock.advance(2 * 60_000);
    expect(await enqueueDueScheduledSends(world.context)).toEqual(['webinar']);
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);
    expect(totals).toMatchObject({ sent: 2, failed: 0, poison: 0 });
    expect((await mailWithSubject(subject)).flatMap((email) => email.destination.to).sort()).toEqual(
      [...readers].sort(),
    );

    // The next ticks find nothing due; a timer firing twice changes nothing.
    expect(await enqueueDueScheduledSends(world.context)).toEqual([]);
    await world.context.queue.enqueue([scheduledPlanJob('webinar')]);
    await drainSendQueue(world.context, world.queues.sendUrl);
    expect(await mailWithSubject(subject)).toHaveLength(2);
    const status = await (await api.request('/admin/sends/webinar', asAdmin('GET'))).json();
    expect(status).toMatchObject({
      status: 'sent',
      scheduledFor: sendAt,
      sentBy: { principal: 'local admin (admin token)', via: 'api' },
      confirmedAudience: 2,
      counts: { sent: 2 },
    });

    const late = await api.request('/admin/sends/webinar/cancel', asAdmin('POST', {}));
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({
      error: 'send_conflict',
      message: expect.stringContaining('can no longer be cancelled'),
    });
  });

  it('never sends a cancelled send, even when its timer fires anyway', async () => {
    const subject = 'Cancelled survey';
    await schedule('survey', subject, inHours(1));
    const cancel = await api.request('/admin/sends/survey/cancel', asAdmin('POST', {}));
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ sendId: 'survey', outcome: 'cancelled' });
    const again = await api.request('/admin/sends/survey/cancel', asAdmin('POST', {}));
    expect(await again.json()).toMatchObject({ outcome: 'already-cancelled' });

    clock.advance(2 * HOUR);
    expect(await enqueueDueScheduledSends(world.context)).toEqual([]);
    await world.context.queue.enqueue([scheduledPlanJob('survey')]);
    await drainSendQueue(world.context, world.queues.sendUrl);
    expect(await mailWithSubject(subject)).toHaveLength(0);
    expect(await world.context.adminSends.get('survey')).toMatchObject({
      status: 'cancelled',
      cancelledBy: { principal: 'local admin (admin token)', via: 'api' },
    });
    // The id stays the cancelled send's: it cannot be sent now by mistake.
    const reuse = await api.request(
      '/admin/sends',
      asAdmin('POST', {
        subject,
        body: 'Our **winter** webinar.',
        audience: 'everyone',
        id: 'survey',
        send: true,
      }),
    );
    expect(reuse.status).toBe(409);
  });

  it('lets exactly one of a cancel and a start win when they race', async () => {
    for (const round of [1, 2, 3, 4]) {
      const id = `race-${round}`;
      await schedule(id, `Race ${round}`, inHours(1));
      const at = clock.now();
      const actor = { principal: 'racer', via: 'cli' } as const;
      const [cancelled, started] = await Promise.all([
        world.context.adminSends.cancelScheduled(id, at, actor),
        world.context.adminSends.startScheduled(id, at, 2),
      ]);
      expect([cancelled, started].filter(Boolean)).toHaveLength(1);
      expect((await world.context.adminSends.get(id))?.status).toBe(cancelled ? 'cancelled' : 'queued');
      expect(await world.context.adminSends.listScheduled()).not.toContain(id);
    }
  });

  it('schedules from the compose page in the zone chosen, and cancels with the send page’s button', async () => {
    const csrf = createAdminAuth({
      mode: 'token',
      adminToken: ADMIN_TOKEN,
      csrfKey: world.context.keys.csrf,
      secureCookies: false,
      clock: world.context.clock,
      sessions: world.context.adminSessions,
    }).csrfToken({ kind: 'bearer' });
    const form = (url: string, fields: Record<string, string>) =>
      api.request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csrf, ...fields }),
      });
    // Tomorrow at 09:00 in Paris, as the datetime-local field gives it.
    const tomorrow = new Date(clock.now().getTime() + 24 * HOUR).toISOString().slice(0, 10);
    const fields = {
      subject: 'Page scheduled',
      body: 'Scheduled from the page.',
      audience: 'everyone',
      id: 'page-scheduled',
      sendAt: `${tomorrow}T09:00`,
      sendZone: 'Europe/Paris',
    };
    const review = await form('/admin/sends', fields);
    expect(review.status).toBe(400);
    const reviewHtml = await review.text();
    expect(reviewHtml).toContain(`Scheduled for:</strong> ${tomorrow} 09:00 (Europe/Paris)`);
    expect(reviewHtml).toContain('name="sendZone" value="Europe/Paris"');

    const confirmed = await form('/admin/sends', { ...fields, confirm: 'yes' });
    expect(confirmed.status).toBe(303);
    const record = await world.context.adminSends.get('page-scheduled');
    expect(record).toMatchObject({ status: 'scheduled', scheduledBy: { via: 'page' } });
    // Paris is an hour ahead of UTC in winter, two in summer.
    expect(record?.scheduledFor).toMatch(new RegExp(`^${tomorrow}T0[78]:00:00.000Z$`));

    const page = await api.request('/admin/sends/page-scheduled', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await page.text()).toContain('action="/admin/sends/page-scheduled/cancel"');
    const cancel = await form('/admin/sends/page-scheduled/cancel', {});
    expect(cancel.status).toBe(303);
    expect((await world.context.adminSends.get('page-scheduled'))?.status).toBe('cancelled');
    const forged = await api.request('/admin/sends/page-scheduled/cancel', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf: 'forged' }),
    });
    expect(forged.status).toBe(403);
  });

  it('answers 404 to a cancel of an unknown send', async () => {
    const response = await api.request('/admin/sends/never-scheduled/cancel', asAdmin('POST', {}));
    expect(response.status).toBe(404);
  });

  it('refuses a time in the past, without a zone, or more than a year ahead, and records nothing', async () => {
    for (const sendAt of [inHours(-1), '2026-12-10T09:00:00', inHours(24 * 400)]) {
      const response = await schedule('refused', 'Refused', sendAt);
      expect(response.status).toBe(400);
      expect((await response.json()) as { issues: string[] }).toMatchObject({
        issues: [expect.stringMatching(/^sendAt: /)],
      });
    }
    const dryRun = await api.request(
      '/admin/sends',
      asAdmin('POST', { subject: 'x', body: 'y', audience: 'everyone', dryRun: true, sendAt: inHours(2) }),
    );
    expect(dryRun.status).toBe(400);
    expect(await world.context.adminSends.get('refused')).toBeUndefined();
  });
});
