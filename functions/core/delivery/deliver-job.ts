import type { Article } from '../../model/articles.ts';
import type { Subscriber } from '../../model/subscribers.ts';
import type { ArticleReader } from '../../ports/article-store.ts';
import type { DigestReaderCounts, EditorNoteStore } from '../../ports/editorial-store.ts';
import { isHidden } from '../editorial/editorial-marks.ts';
import { noteView, weekOfDigest } from '../editorial/note-view.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryKey } from '../../model/deliveries.ts';
import type { DeliveryClaims } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
import type { DigestMarks, SubscriberReader } from '../../ports/subscriber-store.ts';
import { topicsKey } from '../digest/select.ts';
import { nextSlotAfterDigest } from '../digest/schedule.ts';
import type { TopicId } from '../../model/topics.ts';
import type { EmailRenderer, GroupEmail, PersonalisableEmail } from '../rendering/email-renderer.ts';
import type { DigestViewInput } from '../rendering/digest-view.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { announcementLedgerId } from '../announcements/announcement.ts';
import { reasonLeftOut } from '../announcements/audience.ts';
import type { AnnouncementJob, DeliveryJob, DigestJob, SendJob } from './send-job.ts';
import { personalCopy, personalLinksFor } from './personal-links.ts';
import { sendWithRetries } from './send-with-retries.ts';
import { settleAcceptedClaim } from './ses-acceptance.ts';
import type { Interruption } from './send-policy.ts';
import type { MailConfigurationProblem } from '../errors.ts';

export interface DeliveryDependencies {
  readonly subscribers: SubscriberReader & DigestMarks;
  readonly articles: ArticleReader;
  readonly ledger: DeliveryClaims;
  readonly mailer: Mailer;
  readonly limiter: SendRateLimiter;
  readonly renderer: EmailRenderer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settings: DeliverySettings;
  /** The editor's note of each week (none shown when absent). */
  readonly editorNotes?: Pick<EditorNoteStore, 'getNote'>;
  /** Counts the readers sent each article, for the editors' desk (not counted when absent). */
  readonly digestReaderCounts?: DigestReaderCounts;
}

export interface DeliverySettings {
  readonly siteUrl: string;
  readonly unsubscribeMailto: string;
  /** How long a claim protects a send in progress; a crashed sender's claim is taken over after it. */
  readonly leaseMs: number;
  /** Throttling is retried in place this many times before the rest of the job is handed on. */
  readonly throttleRetries: number;
  readonly backoffBaseMs: number;
  /** Recipients of one job in flight at once (1 when absent). */
  readonly concurrency?: number;
}

/**
 * Shared by the jobs of one batch. `stoppedBy` is set by the first refusal that every other send
 * would meet as well — the daily quota, SES unavailable through all its retries, a problem with
 * the account's setup — so that no job starts another send; `shouldYield` says the sender is
 * about to run out of time (a Lambda near its timeout), so jobs hand their unsent recipients on
 * instead of being cut off mid-send.
 */
export interface DeliveryRun {
  stoppedBy: RunStop | undefined;
  /** What SES said about its setup, when that is what stopped the run. */
  configurationProblem?: MailConfigurationProblem;
  readonly shouldYield: () => boolean;
}

/** The interruptions that stop every job of a run, not just the one that met them. */
export type RunStop = Extract<Interruption, 'quota' | 'unavailable' | 'configuration'>;

export const unlimitedRun = (): DeliveryRun => ({ stoppedBy: undefined, shouldYield: () => false });

export interface JobOutcome {
  readonly sent: number;
  /** Already delivered, in flight elsewhere, no longer confirmed, or planned for other topics. */
  readonly skipped: number;
  /** Permanent failures (rejected address or content): recorded, never retried. */
  readonly failed: number;
  /**
   * Recipients not attempted or given back: they go on in a continuation job (same digest or
   * send, fewer recipients) so the original message can be acknowledged and nothing is dropped.
   * When and whether it goes is the send policy's (handOn in hand-on.ts).
   */
  readonly remaining: DeliveryJob | undefined;
  /** Why the job ended early (send-policy.ts, Interruption); undefined when it did not. */
  readonly interruption: Interruption | undefined;
}

/**
 * Sends one queued job, exactly once per (digest or send, reader): each recipient's ledger item
 * is claimed with a conditional write before SES is called and marked sent with the message id
 * after. Recipients already sent are skipped, so a redelivered or duplicated message is harmless.
 *
 * @param input a digest job's articles when the caller already read them (to prepare a batch's
 *   pieces at once); an announcement job's send, which the caller must read (announcementSendsFor).
 */
export async function deliverJob(
  job: SendJob,
  deps: DeliveryDependencies,
  run: DeliveryRun = unlimitedRun(),
  input?: DigestViewInput | AnnouncementSend,
): Promise<JobOutcome> {
  switch (job.kind) {
    case 'digest':
      return deliverDigest(job, deps, run, input && 'selection' in input ? input : undefined);
    case 'announcement':
      if (!input || !('email' in input) || input.sendId !== job.sendId) {
        throw new Error(`announcement job of ${job.sendId} delivered without its send`);
      }
      return deliverAnnouncement(job, input, deps, run);
    case 'announcement-plan':
      throw new Error('an announcement plan job is planned (planAnnouncementSend), not delivered');
    case 'account-email':
      throw new Error('an account-email job is carried out by deliverAccountEmail, not delivered');
  }
}

/**
 * What the renderer needs for each job: its digest, selection and the articles it names, read
 * with one batch read for all the jobs together, and the editor's note of each job's week.
 * Articles an editor hid are read as missing: a hide stored after planning still keeps them out
 * (the sender checks at send time, as it checks a reader's status).
 */
export async function digestInputsFor(
  jobs: readonly DigestJob[],
  articles: ArticleReader,
  notes?: Pick<EditorNoteStore, 'getNote'>,
): Promise<DigestViewInput[]> {
  const ids = jobs.flatMap((job) =>
    job.sections.flatMap((section) => section.articles.map((article) => article.articleId)),
  );
  const read = await articles.getMany(ids);
  const found = new Map<string, Article>(read.filter((a) => !isHidden(a)).map((a) => [a.id, a]));
  const hidden = new Set(read.filter(isHidden).map((a) => a.id));
  const weeks = [...new Set(jobs.flatMap((job) => weekOfDigest(job.digestId) ?? []))];
  const noteOfWeek = new Map(
    notes ? await Promise.all(weeks.map(async (week) => [week, await notes.getNote(week)] as const)) : [],
  );
  // One batch shares one articles map, hidden set and note per week: inputs with the same digest
  // and groupKey are the same email, rendered once.
  return jobs.map((job) => {
    const note = noteOfWeek.get(weekOfDigest(job.digestId) ?? '');
    return {
      digestId: job.digestId,
      selection: job,
      articles: found,
      groupKey: job.groupKey,
      ...(hidden.size > 0 ? { hidden } : {}),
      ...(note ? { note: noteView(note.body) } : {}),
    };
  });
}

/**
 * Whether editors hid every article a prepared digest had left (a digest whose articles were
 * deleted since planning still goes, with its quiet lines, as before).
 */
function emptiedByEditors(input: DigestViewInput): boolean {
  const ids = input.selection.sections.flatMap((section) => section.articles.map((a) => a.articleId));
  return ids.some((id) => input.hidden?.has(id)) && !ids.some((id) => input.articles.has(id));
}

/** Why a reader got no email when the editors hid every article of their planned digest. */
export const ALL_HIDDEN_REASON = 'every article was hidden by the editors';

async function deliverDigest(
  job: DigestJob,
  deps: DeliveryDependencies,
  run: DeliveryRun,
  input: DigestViewInput | undefined,
): Promise<JobOutcome> {
  let email: Promise<GroupEmail> | undefined;
  const windowEnd = new Date(job.windowEnd);
  // Each recipient as read for this send, so the window update also files them at next week's slot.
  const readers = new Map<string, Subscriber>();
  const recordDelivery = (subscriberId: string) => {
    const reader = readers.get(subscriberId);
    const nextSlot = reader
      ? nextSlotAfterDigest(reader, job.digestId, 'delivered', deps.clock.now(), windowEnd)
      : undefined;
    return deps.subscribers.recordDelivery(subscriberId, job.digestId, windowEnd, nextSlot);
  };
  let read: Promise<DigestViewInput> | undefined;
  const content = () =>
    (read ??= input
      ? Promise.resolve(input)
      : digestInputsFor([job], deps.articles, deps.editorNotes).then((inputs) => inputs[0]!));
  // The same answer for every recipient of the job: worked out once.
  let emptied: Promise<boolean> | undefined;
  const result = await deliverRecipients(job.recipients, deps, run, {
    ledgerId: job.digestId,
    logContext: { digestId: job.digestId },
    tags: { kind: 'digest', digest: job.digestId, group: job.groupKey },
    webEdition: { until: windowEnd },
    mayReceive: async (recipient, reader) => {
      if (reader) readers.set(recipient.subscriberId, reader);
      if (reader === undefined || !(await mayReceive(reader, recipient.topicsKey, deps))) return false;
      // Every article hidden since planning: no email (as for a reader with nothing new),
      // recorded as skipped, and the reader's window stays where it was.
      if (!(await (emptied ??= content().then(emptiedByEditors)))) return true;
      const now = deps.clock.now();
      await deps.ledger.markSkipped(
        { digestId: job.digestId, subscriberId: recipient.subscriberId },
        ALL_HIDDEN_REASON,
        now,
      );
      await deps.subscribers.markSkipped(
        recipient.subscriberId,
        job.digestId,
        now,
        nextSlotAfterDigest(reader, job.digestId, 'skipped', now),
      );
      return false;
    },
    email: () => (email ??= content().then((found) => deps.renderer.renderDigest(found))),
    afterSent: recordDelivery,
    // A send that reached SES but whose window update was lost (crash) is repaired here.
    afterFoundSent: recordDelivery,
  });
  if (result.sent > 0 && deps.digestReaderCounts) await countReaders(await content(), result.sent, deps);
  return outcomeOf(result, (recipients) => ({ ...job, recipients }));
}

/**
 * Adds a job's sent count to each article its email showed. The emails are out: a failure here
 * is logged, never a reason to send the job again (the desk's figure is then a little low).
 */
async function countReaders(
  content: DigestViewInput,
  sent: number,
  deps: DeliveryDependencies,
): Promise<void> {
  const shown = content.selection.sections.flatMap((section) =>
    section.articles.map((article) => article.articleId).filter((id) => content.articles.has(id)),
  );
  try {
    await deps.digestReaderCounts!.addDigestReaders(shown, sent);
  } catch (error) {
    deps.logger.warn('counting the readers of a digest’s articles failed', {
      digestId: content.digestId,
      error,
    });
  }
}

/**
 * An admin send, rendered once for all its readers: the content and audience of its record, as
 * the sender read them for the batch.
 */
export interface AnnouncementSend {
  readonly sendId: string;
  /** The targeted topics; empty for every confirmed reader. */
  readonly topics: readonly TopicId[];
  readonly email: PersonalisableEmail;
}

/**
 * Sends one announcement job, exactly once per (send id, reader), with the digest's claims,
 * retries and hand-on. Who may get it is decided again now: a reader who left, paused or stopped
 * following the topics since the send was planned is skipped, and the skip is recorded in the
 * ledger, so the send's counts add up. An announcement never moves a reader's digest window.
 */
async function deliverAnnouncement(
  job: AnnouncementJob,
  send: AnnouncementSend,
  deps: DeliveryDependencies,
  run: DeliveryRun,
): Promise<JobOutcome> {
  const ledgerId = announcementLedgerId(job.sendId);
  const nothing = async () => undefined;
  const result = await deliverRecipients(job.recipients, deps, run, {
    ledgerId,
    logContext: { sendId: job.sendId },
    tags: { kind: 'announcement', send: job.sendId },
    async mayReceive(recipient, reader) {
      const reason = reasonLeftOut(reader, send.topics);
      if (reason === undefined) return true;
      await deps.ledger.markSkipped(
        { digestId: ledgerId, subscriberId: recipient.subscriberId },
        reason,
        deps.clock.now(),
      );
      return false;
    },
    email: async () => send.email,
    afterSent: nothing,
    afterFoundSent: nothing,
  });
  return outcomeOf(result, (recipients) => ({ ...job, recipients }));
}

/** What differs between kinds of job; the claims, retries and hand-on around it are shared. */
interface RecipientRules<R extends Recipient> {
  /** The delivery ledger's id of the job: the digest id, or the announcement's. */
  readonly ledgerId: string;
  readonly logContext: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** A digest's web edition, for its "View in your browser" link; none for an announcement. */
  readonly webEdition?: { readonly until: Date };
  /** Whether the reader (as read just now; undefined when gone) may get it. */
  mayReceive(recipient: R, reader: Subscriber | undefined): Promise<boolean>;
  /** The email, rendered at most once per job. */
  email(): Promise<PersonalisableEmail>;
  /** After the send is recorded in the ledger. */
  afterSent(subscriberId: string): Promise<void>;
  /** When the claim finds the reader already sent to. */
  afterFoundSent(subscriberId: string): Promise<void>;
}

interface Recipient {
  readonly subscriberId: string;
}

/** What became of one recipient: done with, or to be handed on (and why). */
type RecipientResult =
  | { readonly kind: 'sent' | 'skipped' | 'failed' }
  | { readonly kind: 'hand-on'; readonly interruption: Interruption };

/** A job's recipients delivered; `handedOn` lists those to go on in a continuation job. */
interface RecipientsOutcome<R> extends Omit<JobOutcome, 'remaining'> {
  readonly handedOn: readonly R[] | undefined;
}

function outcomeOf<R>(
  result: RecipientsOutcome<R>,
  continuation: (recipients: R[]) => DeliveryJob,
): JobOutcome {
  const { handedOn, ...rest } = result;
  return { ...rest, remaining: handedOn ? continuation([...handedOn]) : undefined };
}

async function deliverRecipients<R extends Recipient>(
  recipients: readonly R[],
  deps: DeliveryDependencies,
  run: DeliveryRun,
  rules: RecipientRules<R>,
): Promise<RecipientsOutcome<R>> {
  const readers = new Map(
    (await deps.subscribers.getMany(recipients.map((r) => r.subscriberId))).map((s) => [s.subscriberId, s]),
  );

  // A few recipients at a time: a send is mostly waiting (ledger, limiter, SES), and the shared
  // limiter, not this loop, is what holds the rate.
  const counts = { sent: 0, skipped: 0, failed: 0 };
  const handedBack: R[] = [];
  let next = 0;
  let interruption: Interruption | undefined;
  const worker = async () => {
    while (next < recipients.length && interruption === undefined) {
      if (run.stoppedBy) interruption = run.stoppedBy;
      else if (run.shouldYield()) interruption = 'deadline';
      if (interruption) break;
      const recipient = recipients[next++]!;
      const result = await deliverTo(recipient, readers.get(recipient.subscriberId), rules, deps, run);
      if (result.kind === 'hand-on') {
        handedBack.push(recipient);
        interruption ??= result.interruption;
      } else {
        counts[result.kind] += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.settings.concurrency ?? 1) }, worker));

  if (interruption === undefined) return { ...counts, handedOn: undefined, interruption: undefined };
  return { ...counts, handedOn: [...handedBack, ...recipients.slice(next)], interruption };
}

/** One recipient of a job: checks, claim, render once, send, record. */
async function deliverTo<R extends Recipient>(
  recipient: R,
  reader: Subscriber | undefined,
  rules: RecipientRules<R>,
  deps: DeliveryDependencies,
  run: DeliveryRun,
): Promise<RecipientResult> {
  const key: DeliveryKey = { digestId: rules.ledgerId, subscriberId: recipient.subscriberId };
  if (!(await rules.mayReceive(recipient, reader)) || !reader) return { kind: 'skipped' };

  const claim = await deps.ledger.claim(key, deps.clock.now(), deps.settings.leaseMs);
  if (!claim.claimed) {
    // A dead sender's email that SES accepted (its Send event recorded): recorded, not sent again.
    if (await settleAcceptedClaim(claim.existing, deps.clock.now(), deps)) {
      await rules.afterSent(key.subscriberId);
      return { kind: 'sent' };
    }
    if (claim.existing.status === 'sent') await rules.afterFoundSent(key.subscriberId);
    return { kind: 'skipped' };
  }

  const links = personalLinksFor(
    reader,
    deps.tokens,
    deps.settings.siteUrl,
    deps.clock.now(),
    rules.webEdition,
  );
  const result = await sendWithRetries(deps, {
    ...personalCopy(await rules.email(), links, deps.settings.unsubscribeMailto),
    to: reader.email,
    tags: rules.tags,
    ledgerKey: key,
  });

  if (result.kind === 'sent') {
    await deps.ledger.markSent(key, result.messageId, deps.clock.now());
    await rules.afterSent(key.subscriberId);
    return { kind: 'sent' };
  }
  if (result.kind === 'rejected') {
    await deps.ledger.markFailed(key, result.reason, deps.clock.now());
    deps.logger.warn('email rejected', {
      ...rules.logContext,
      subscriberId: key.subscriberId,
      reason: result.reason,
    });
    return { kind: 'failed' };
  }
  // Not sent, but sendable later: give the claim back so the next attempt can take it at once.
  // A refusal of SES's own (quota, outage, setup) is never written down against the reader.
  await deps.ledger.release(key);
  if (result.kind === 'throttled') {
    deps.logger.warn('SES keeps throttling: handing the rest of the job on', { ...rules.logContext });
    return { kind: 'hand-on', interruption: 'throttled' };
  }
  const firstToStop = run.stoppedBy === undefined;
  const context = { ...rules.logContext, reason: result.reason };
  if (result.kind === 'quota') {
    run.stoppedBy ??= 'quota';
    if (firstToStop)
      deps.logger.error('daily sending quota exceeded: stopping; the rest stays queued', context);
    return { kind: 'hand-on', interruption: 'quota' };
  }
  if (result.kind === 'configuration') {
    run.stoppedBy ??= 'configuration';
    run.configurationProblem ??= result.problem;
    if (firstToStop) {
      deps.logger.error('SES refuses to send until its setup is fixed: stopping; the readers stay unsent', {
        ...context,
        problem: result.problem,
      });
    }
    return { kind: 'hand-on', interruption: 'configuration' };
  }
  run.stoppedBy ??= 'unavailable';
  if (firstToStop) deps.logger.warn('SES unavailable: stopping; the rest is handed on to back off', context);
  return { kind: 'hand-on', interruption: 'unavailable' };
}

/**
 * Status is read now, not at planning: whoever left since then is not mailed. A reader whose
 * topics changed after planning gets nothing from this selection and is planned again instead.
 */
async function mayReceive(
  reader: Subscriber,
  plannedTopicsKey: string,
  deps: DeliveryDependencies,
): Promise<boolean> {
  if (reader.status !== 'confirmed' || reader.paused) return false;
  if (topicsKey(reader.topics) !== plannedTopicsKey) {
    // Planned again by the next hourly run, as before the next-slot index.
    await deps.subscribers.clearPlanned(reader.subscriberId, deps.clock.now());
    return false;
  }
  return true;
}
