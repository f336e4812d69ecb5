import type { AdminActor, AdminSendRecord } from '../../model/announcements.ts';
import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { SubscriberReader } from '../../ports/subscriber-store.ts';
import type { AnnouncementPlanJob } from '../delivery/send-job.ts';
import { SendConflictError, ValidationError } from '../errors.ts';
import { storedDraftOf, type AdminSendDependencies, type ComposedSend } from './admin-send.ts';
import { selectAudience } from './audience.ts';

/**
 * Announcements later: a composed send (validated, sanitised and counted exactly as an immediate
 * one, by composeSend) recorded as 'scheduled' for a time, and its timer armed. At the time, the
 * timer (EventBridge Scheduler in the cloud, the local runtime's minute tick here) puts a plan job
 * marked `scheduled` on the send queue; the planner first starts the send (startScheduledSend),
 * then plans it as any other. Cancel and start are each one conditional update of the send's
 * item: whichever comes first wins, the other changes nothing.
 */

/** The earliest a send can be scheduled for: sooner than this is a send now. */
export const MIN_SCHEDULE_LEAD_MS = 60_000;
/** The latest: a year ahead (a schedule further out is more likely a typo in the year). */
export const MAX_SCHEDULE_AHEAD_DAYS = 365;
/** How early a timer may fire and still start its send (clocks differ a little). */
const EARLY_START_TOLERANCE_MS = 60_000;

const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads the time a send is scheduled for: ISO 8601 with its zone (`Z` or an offset such as
 * `+01:00`), at least a minute from now and at most a year ahead; whole seconds (the cloud's
 * schedule expressions have no fractions).
 *
 * @throws ValidationError (field `sendAt`) saying what is wrong.
 */
export function parseSendAt(text: string, now: Date): Date {
  const match = ISO_WITH_ZONE.exec(text.trim());
  if (!match)
    throw invalidSendAt(
      `"${text}" is not a date and time with its zone: write it like 2026-12-10T09:00:00Z or 2026-12-10T10:00:00+01:00`,
    );
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0] = match.slice(1, 6).map(Number);
  const parsed = new Date(text.trim());
  // The calendar must hold the date (no 31 April), checked before the zone moves it.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    Number.isNaN(parsed.getTime()) ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59
  )
    throw invalidSendAt(`"${text}" is not a real date and time`);
  const at = new Date(Math.floor(parsed.getTime() / 1000) * 1000);
  if (at.getTime() < now.getTime() + MIN_SCHEDULE_LEAD_MS)
    throw invalidSendAt(
      `${at.toISOString()} is ${at <= now ? 'in the past' : 'less than a minute from now'}: schedule a later time, or send now`,
    );
  const latest = now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * 24 * 3600 * 1000;
  if (at.getTime() > latest)
    throw invalidSendAt(
      `${at.toISOString()} is more than ${MAX_SCHEDULE_AHEAD_DAYS} days ahead: schedule it closer`,
    );
  return at;
}

function invalidSendAt(reason: string): ValidationError {
  return new ValidationError(`invalid send time: ${reason}`, [`sendAt: ${reason}`]);
}

export type ScheduleDependencies = AdminSendDependencies;

export interface ScheduledSend {
  readonly sendId: string;
  readonly outcome: 'scheduled' | 'already-scheduled';
  readonly sendAt: string;
}

/**
 * Records the composed send as scheduled for `sendAt` (who, when, for when) and arms its timer.
 * The same request again is 'already-scheduled' and arms the timer again (it may have failed).
 *
 * @throws SendConflictError when the id is already a send, scheduled for another time or content,
 *   or cancelled; ValidationError when scheduled sends are not available here.
 */
export async function scheduleSend(
  composed: ComposedSend,
  sendAt: Date,
  actor: AdminActor,
  deps: ScheduleDependencies,
): Promise<ScheduledSend> {
  const scheduler = deps.sendScheduler;
  if (!scheduler) throw invalidSendAt('sends cannot be scheduled here (no scheduler is configured)');
  const { sendId } = composed;
  const created = await deps.adminSends.scheduleSend(sendId, storedDraftOf(composed), {
    at: deps.clock.now(),
    by: actor,
    for: sendAt,
  });
  let outcome: ScheduledSend['outcome'] = 'scheduled';
  if (!created.created) {
    const existing = created.existing;
    const same =
      existing.status === 'scheduled' &&
      existing.draftHash === composed.draftHash &&
      existing.scheduledFor === sendAt.toISOString();
    if (!same) throw new SendConflictError(`send "${sendId}" ${describeTaken(existing)}: choose another id`);
    outcome = 'already-scheduled';
  }
  await scheduler.arm(sendId, sendAt);
  deps.logger.info('admin send scheduled', {
    sendId,
    outcome,
    sendAt: sendAt.toISOString(),
    by: actor.principal,
    via: actor.via,
  });
  return { sendId, outcome, sendAt: sendAt.toISOString() };
}

function describeTaken(existing: AdminSendRecord): string {
  if (existing.status === 'scheduled')
    return `is already scheduled for ${existing.scheduledFor} with other content or time`;
  if (existing.status === 'cancelled') return `was scheduled and cancelled on ${existing.cancelledAt}`;
  return `already went out on ${existing.sentAt ?? existing.firstUsedAt}`;
}

export interface CancelledSend {
  readonly sendId: string;
  readonly outcome: 'cancelled' | 'already-cancelled';
}

/**
 * Cancels a scheduled send before it starts, and disarms its timer.
 *
 * @returns undefined for an unknown id.
 * @throws SendConflictError when the send has started (or was never scheduled): too late to cancel.
 */
export async function cancelScheduledSend(
  sendId: string,
  actor: AdminActor,
  deps: Pick<ScheduleDependencies, 'adminSends' | 'clock' | 'logger' | 'sendScheduler'>,
): Promise<CancelledSend | undefined> {
  const cancelled = await deps.adminSends.cancelScheduled(sendId, deps.clock.now(), actor);
  if (!cancelled) {
    const record = await deps.adminSends.get(sendId);
    if (!record) return undefined;
    if (record.status === 'cancelled') return { sendId, outcome: 'already-cancelled' };
    throw new SendConflictError(
      record.status === 'queued'
        ? `send "${sendId}" started on ${record.sentAt}: it can no longer be cancelled`
        : `send "${sendId}" is not scheduled (it is a draft): there is nothing to cancel`,
    );
  }
  await deps.sendScheduler?.disarm(sendId);
  deps.logger.info('scheduled admin send cancelled', { sendId, by: actor.principal, via: actor.via });
  return { sendId, outcome: 'cancelled' };
}

export interface StartScheduledDependencies {
  readonly adminSends: AdminSendStore;
  readonly subscribers: SubscriberReader;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Starts a scheduled send when its time has come: the send becomes a send made now, by whoever
 * scheduled it, for the audience confirmed now (the conditional update loses to a cancel that
 * came first, and to a start that did). The planner calls it for a plan job marked `scheduled`.
 *
 * @returns whether this call started it.
 */
export async function startScheduledSend(
  record: AdminSendRecord,
  deps: StartScheduledDependencies,
): Promise<boolean> {
  const now = deps.clock.now();
  const due = Date.parse(record.scheduledFor ?? '') - EARLY_START_TOLERANCE_MS;
  if (!(now.getTime() >= due)) {
    deps.logger.warn('scheduled admin send is not due yet: not started', {
      sendId: record.sendId,
      scheduledFor: record.scheduledFor,
    });
    return false;
  }
  const audience = selectAudience(await deps.subscribers.listConfirmed(), record.topics).summary.total;
  const started = await deps.adminSends.startScheduled(record.sendId, now, audience);
  if (started) deps.logger.info('scheduled admin send started', { sendId: record.sendId, audience });
  return started;
}

export interface DueSendsDependencies {
  readonly adminSends: AdminSendStore;
  readonly queue: SendQueue<AnnouncementPlanJob>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The local runtime's timer (its minute tick): puts the plan job of every scheduled send whose time
 * has come on the send queue, as the cloud's schedule would. A job enqueued twice is harmless: only
 * one start wins.
 *
 * @returns the ids enqueued.
 */
export async function enqueueDueScheduledSends(deps: DueSendsDependencies): Promise<string[]> {
  const now = deps.clock.now().toISOString();
  const due: string[] = [];
  for (const sendId of await deps.adminSends.listScheduled()) {
    const record = await deps.adminSends.get(sendId);
    if (record?.status === 'scheduled' && record.scheduledFor && record.scheduledFor <= now) due.push(sendId);
  }
  if (due.length > 0) {
    await deps.queue.enqueue(
      due.map((sendId) => ({ kind: 'announcement-plan', version: 1, sendId, scheduled: true })),
    );
    deps.logger.info('scheduled admin sends due', { sendIds: due });
  }
  return due;
}

/** The plan job a schedule puts on the send queue at its time. */
export function scheduledPlanJob(sendId: string): AnnouncementPlanJob {
  return { kind: 'announcement-plan', version: 1, sendId, scheduled: true };
}
