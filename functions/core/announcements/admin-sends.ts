import type {
  AdminActor,
  AdminSendRecord,
  AdminSendSummary,
  StoredDraft,
} from '../../model/announcements.ts';
import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryCounts } from '../../model/deliveries.ts';
import type { DeliveryReports } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
import type { SubscriberErasure, SubscriberReader } from '../../ports/subscriber-store.ts';
import { MailUnavailableError, SendConflictError, ValidationError } from '../errors.ts';
import type { RenderedEmail } from '../rendering/email-renderer.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { emailSchema, subscriberIdFor, SUPPRESSED_STATUSES } from '../subscribers/subscriber.ts';
import { personalCopy, personalLinksFor } from '../delivery/personal-links.ts';
import { sendWithRetries } from '../delivery/send-with-retries.ts';
import type { AnnouncementJob, AnnouncementPlanJob } from '../delivery/send-job.ts';
import type { AnnouncementSend } from '../delivery/deliver-job.ts';
import {
  announcementLedgerId,
  defaultSendId,
  draftHash,
  parseSendId,
  type AnnouncementDraft,
} from './announcement.ts';
import type { AnnouncementRenderer, RenderedAnnouncement } from './announcement-renderer.ts';
import { selectAudience } from './audience.ts';
import type { AudienceSummary } from '../../model/announcements.ts';

/**
 * The admin's one-off sends, whatever the door (CLI, HTTP API, admin page): compose and preview
 * with the audience counted (a dry run), a test send to one address, and the send itself, which
 * only records the send and enqueues its plan job; the sender fans it out and mails it through
 * the queue, rate limiter and delivery ledger the digest uses. Every send and test is audited
 * on its record: who, when, what and for how many readers.
 */

export interface AdminSendDependencies {
  readonly adminSends: AdminSendStore;
  readonly subscribers: SubscriberReader & Pick<SubscriberErasure, 'getSuppression'>;
  readonly ledger: DeliveryReports;
  readonly queue: SendQueue<AnnouncementPlanJob>;
  readonly mailer: Mailer;
  readonly limiter: SendRateLimiter;
  readonly announcements: AnnouncementRenderer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settings: {
    readonly siteUrl: string;
    readonly unsubscribeMailto: string;
    readonly throttleRetries: number;
    readonly backoffBaseMs: number;
  };
}

/** The reader a preview is personalised for. */
export const PREVIEW_READER = 'reader@example.org';

/** Tests a send id may hold: a record must stay far below DynamoDB's 400 KB item limit. */
export const MAX_TESTS_PER_SEND = 25;

/** A draft checked, rendered and counted: what a dry run shows and a confirm step asks about. */
export interface ComposedSend {
  readonly sendId: string;
  readonly draft: AnnouncementDraft;
  readonly draftHash: string;
  readonly email: RenderedAnnouncement;
  /** As the preview reader would get it. */
  readonly preview: RenderedEmail;
  readonly audience: AudienceSummary;
  /** What the id already holds (a draft with its tests, or the send itself). */
  readonly existing: AdminSendRecord | undefined;
}

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
  if (existing?.status === 'queued' && existing.draftHash !== hash) throw conflict(sendId, existing);
  return {
    sendId,
    draft,
    draftHash: hash,
    email,
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

export interface TestSendResult {
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
}

/**
 * Sends the composed announcement to one address only, subject marked [TEST]. The address need
 * not be a subscriber; an address that unsubscribed, bounced, complained or was erased is refused
 * (a test is no reason to mail someone who said no, or to hurt the sender's reputation). Nothing
 * touches the delivery ledger, so the real send of the same id is unaffected; the test is audited
 * on the send's record.
 *
 * @throws ValidationError for a bad or suppressed address, or a rejection by SES;
 *   MailUnavailableError when SES could not take it now (nothing was sent).
 */
export async function sendTest(
  composed: ComposedSend,
  address: string,
  actor: AdminActor,
  deps: AdminSendDependencies,
): Promise<TestSendResult> {
  const parsed = emailSchema.safeParse(address);
  if (!parsed.success) {
    throw new ValidationError(`test address "${address}" is not an email address`, [
      'testTo: enter a valid email address, like name@example.org',
    ]);
  }
  const to = parsed.data;
  const refusal = await refusalToMail(to, deps.subscribers);
  if (refusal) throw new ValidationError(`not sending a test to ${to}: ${refusal}`, [`testTo: ${refusal}`]);

  const now = deps.clock.now();
  const links = personalLinksFor(subscriberIdFor(to), deps.tokens, deps.settings.siteUrl, now);
  const copy = personalCopy(composed.email, links, deps.settings.unsubscribeMailto);
  const subject = `[TEST] ${copy.subject}`;
  const result = await sendWithRetries(deps, {
    ...copy,
    to,
    subject,
    tags: { kind: 'announcement-test', send: composed.sendId },
  });
  if (result.kind === 'rejected') {
    throw new ValidationError(`SES refused the test email: ${result.reason}`, [
      `testTo: SES refused it (${result.reason})`,
    ]);
  }
  if (result.kind !== 'sent') {
    throw new MailUnavailableError(
      `the test email was not sent (${result.kind}): ${result.reason}; try again`,
    );
  }
  const recorded = await deps.adminSends.recordTest(composed.sendId, storedDraftOf(composed), {
    at: now.toISOString(),
    by: actor,
    to,
    messageId: result.messageId,
    draftHash: composed.draftHash,
  });
  if (recorded === 'conflict') {
    // The email went; only its audit line did not fit (another admin sent the id meanwhile).
    deps.logger.warn('test send not recorded on its send', { sendId: composed.sendId, to });
  }
  return { to, subject, messageId: result.messageId };
}

async function refusalToMail(
  address: string,
  subscribers: AdminSendDependencies['subscribers'],
): Promise<string | undefined> {
  const id = subscriberIdFor(address);
  const [reader, suppression] = await Promise.all([subscribers.get(id), subscribers.getSuppression(id)]);
  if (reader && SUPPRESSED_STATUSES.includes(reader.status)) {
    return `this address is ${reader.status}: test sends go only to addresses we may mail`;
  }
  if (suppression) {
    return `this address was ${suppression.reason}: test sends go only to addresses we may mail`;
  }
  return undefined;
}

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
    if (existing.draftHash !== composed.draftHash) throw conflict(sendId, existing);
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
  const record = await deps.adminSends.get(sendId);
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

/**
 * 'draft': only tested; 'queued': sent, its audience not enqueued yet; 'sending': some readers
 * not accounted for; 'sent': every reader sent, skipped or failed.
 */
export type SendState = 'draft' | 'queued' | 'sending' | 'sent';

export interface SendProgress {
  readonly state: SendState;
  readonly counts: DeliveryCounts;
  /** Readers of the planned audience not yet sent, skipped or failed. */
  readonly pending: number;
}

/** A send and how far it got: its record (body included when read alone) and its ledger counts. */
export type SendStatus<R extends AdminSendSummary = AdminSendRecord> = R & SendProgress;

const NO_COUNTS: DeliveryCounts = { claimed: 0, sent: 0, failed: 0, skipped: 0 };

/** One send with its progress, or undefined for an unknown id. */
export async function sendStatus(
  sendId: string,
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger'>,
): Promise<SendStatus | undefined> {
  const record = await deps.adminSends.get(sendId);
  return record ? withProgress(record, deps) : undefined;
}

/** The sends and drafts of the last few months, newest first, each with its progress. */
export async function listSends(
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger' | 'clock'>,
  months = 12,
): Promise<SendStatus<AdminSendSummary>[]> {
  const records = await deps.adminSends.listRecent(deps.clock.now(), months);
  return Promise.all(records.map((record) => withProgress(record, deps)));
}

async function withProgress<R extends AdminSendSummary>(
  record: R,
  deps: Pick<AdminSendDependencies, 'adminSends' | 'ledger'>,
): Promise<SendStatus<R>> {
  if (record.status === 'draft') return { ...record, state: 'draft', counts: NO_COUNTS, pending: 0 };
  const counts = record.finalCounts ?? (await deps.ledger.countByStatus(announcementLedgerId(record.sendId)));
  if (!record.audience) return { ...record, state: 'queued', counts, pending: record.confirmedAudience ?? 0 };
  const accounted = counts.sent + counts.failed + counts.skipped;
  const pending = Math.max(0, record.audience.total - accounted);
  const done = pending === 0 && counts.claimed === 0;
  // Once every reader is accounted for the counts never change: keep them, and lists stop reading the ledger.
  if (done && !record.finalCounts) await deps.adminSends.saveFinalCounts(record.sendId, counts);
  return { ...record, state: done ? 'sent' : 'sending', counts, pending };
}

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

function storedDraftOf(composed: ComposedSend): StoredDraft {
  return { ...composed.draft.content, topics: composed.draft.topics, draftHash: composed.draftHash };
}

function conflict(sendId: string, existing: AdminSendRecord): SendConflictError {
  return new SendConflictError(
    `send "${sendId}" already went out on ${existing.sentAt ?? existing.firstUsedAt} with another subject, body or audience: ` +
      'an id names one announcement for good; choose another id',
  );
}
