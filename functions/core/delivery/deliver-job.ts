import type { Article, Subscriber } from '../model.ts';
import type {
  ArticleStore,
  Clock,
  DeliveryKey,
  DeliveryLedger,
  Logger,
  Mailer,
  OutgoingEmail,
  SendRateLimiter,
  SubscriberStore,
} from '../../ports/index.ts';
import {
  describeError,
  MailQuotaExceededError,
  MailRejectedError,
  MailThrottledError,
  MailUnavailableError,
} from '../errors.ts';
import { topicsKey } from '../digest/select.ts';
import type { EmailRenderer, GroupEmail } from '../rendering/email-renderer.ts';
import type { DigestViewInput } from '../rendering/digest-view.ts';
import type { TokenService } from '../tokens/tokens.ts';
import type { DigestJob, SendJob } from './send-job.ts';
import { listUnsubscribeHeaders, personalLinksFor } from './personal-links.ts';

export interface DeliveryDependencies {
  readonly subscribers: SubscriberStore;
  readonly articles: ArticleStore;
  readonly ledger: DeliveryLedger;
  readonly mailer: Mailer;
  readonly limiter: SendRateLimiter;
  readonly renderer: EmailRenderer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settings: DeliverySettings;
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
 * Shared by the jobs of one batch. `stop` is set by the first daily-quota error so that no job
 * starts another send; `shouldYield` says the sender is about to run out of time (a Lambda near
 * its timeout), so jobs hand their unsent recipients on instead of being cut off mid-send.
 */
export interface DeliveryRun {
  stop: boolean;
  readonly shouldYield: () => boolean;
}

export const unlimitedRun = (): DeliveryRun => ({ stop: false, shouldYield: () => false });

export interface JobOutcome {
  readonly sent: number;
  /** Already delivered, in flight elsewhere, no longer confirmed, or planned for other topics. */
  readonly skipped: number;
  /** Permanent failures (rejected address or content): recorded, never retried. */
  readonly failed: number;
  /**
   * Recipients not attempted or given back: they go on in a continuation job (same digest,
   * fewer recipients) so the original message can be acknowledged and nothing is dropped.
   */
  readonly remaining: DigestJob | undefined;
  /** Why the job ended early: the sender's time ran out, SES kept throttling, or the daily quota. */
  readonly interruption: 'deadline' | 'throttled' | 'quota' | undefined;
  /** A transient SES failure (5xx, network): the message itself should come back later. */
  readonly retry: boolean;
}

/**
 * Sends one queued job, exactly once per (digest, reader): each recipient's ledger item is
 * claimed with a conditional write before SES is called and marked sent with the message id
 * after. Recipients already sent are skipped, so a redelivered or duplicated message is harmless.
 */
export async function deliverJob(
  job: SendJob,
  deps: DeliveryDependencies,
  run: DeliveryRun = unlimitedRun(),
  /** The job's articles when the caller already read them (to prepare a batch's pieces at once). */
  input?: DigestViewInput,
): Promise<JobOutcome> {
  return deliverDigest(job, deps, run, input);
}

/**
 * What the renderer needs for each job: its digest, selection and the articles it names, read
 * with one batch read for all the jobs together.
 */
export async function digestInputsFor(
  jobs: readonly DigestJob[],
  articles: ArticleStore,
): Promise<DigestViewInput[]> {
  const ids = jobs.flatMap((job) =>
    job.sections.flatMap((section) => section.articles.map((article) => article.articleId)),
  );
  const found = new Map<string, Article>((await articles.getMany(ids)).map((a) => [a.id, a]));
  return jobs.map((job) => ({ digestId: job.digestId, selection: job, articles: found }));
}

type Recipient = DigestJob['recipients'][number];

/** What became of one recipient: done with, or to be handed on (and why). */
type RecipientResult =
  | { readonly kind: 'sent' | 'skipped' | 'failed' }
  | { readonly kind: 'hand-on'; readonly interruption: JobOutcome['interruption']; readonly retry: boolean };

async function deliverDigest(
  job: DigestJob,
  deps: DeliveryDependencies,
  run: DeliveryRun,
  input: DigestViewInput | undefined,
): Promise<JobOutcome> {
  const readers = new Map(
    (await deps.subscribers.getMany(job.recipients.map((r) => r.subscriberId))).map((s) => [
      s.subscriberId,
      s,
    ]),
  );
  let email: Promise<GroupEmail> | undefined;
  const render = () =>
    (email ??= (async () =>
      deps.renderer.renderDigest(input ?? (await digestInputsFor([job], deps.articles))[0]!))());

  // A few recipients at a time: a send is mostly waiting (ledger, limiter, SES), and the shared
  // limiter, not this loop, is what holds the rate.
  const counts = { sent: 0, skipped: 0, failed: 0 };
  const handedBack: Recipient[] = [];
  let next = 0;
  let interruption: JobOutcome['interruption'];
  let retry = false;
  const worker = async () => {
    while (next < job.recipients.length && interruption === undefined && !retry) {
      if (run.stop) interruption = 'quota';
      else if (run.shouldYield()) interruption = 'deadline';
      if (interruption) break;
      const recipient = job.recipients[next++]!;
      const result = await deliverTo(recipient, readers.get(recipient.subscriberId), job, deps, run, render);
      if (result.kind === 'hand-on') {
        handedBack.push(recipient);
        interruption ??= result.interruption;
        retry ||= result.retry;
      } else {
        counts[result.kind] += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.settings.concurrency ?? 1) }, worker));

  if (interruption === undefined && !retry) {
    return { ...counts, remaining: undefined, interruption: undefined, retry: false };
  }
  return {
    ...counts,
    remaining: { ...job, recipients: [...handedBack, ...job.recipients.slice(next)] },
    interruption,
    retry,
  };
}

/** One recipient of a job: checks, claim, render once, send, record. */
async function deliverTo(
  recipient: Recipient,
  reader: Subscriber | undefined,
  job: DigestJob,
  deps: DeliveryDependencies,
  run: DeliveryRun,
  render: () => Promise<GroupEmail>,
): Promise<RecipientResult> {
  const key: DeliveryKey = { digestId: job.digestId, subscriberId: recipient.subscriberId };
  if (!reader || !(await mayReceive(reader, recipient.topicsKey, deps))) return { kind: 'skipped' };

  const claim = await deps.ledger.claim(key, deps.clock.now(), deps.settings.leaseMs);
  if (!claim.claimed) {
    // A send that reached SES but whose window update was lost (crash) is repaired here.
    if (claim.existing.status === 'sent')
      await deps.subscribers.recordDelivery(key.subscriberId, job.digestId, new Date(job.windowEnd));
    return { kind: 'skipped' };
  }

  const links = personalLinksFor(reader.subscriberId, deps.tokens, deps.settings.siteUrl, deps.clock.now());
  const message = (await render()).personalise(links);
  const result = await sendWithRetries(deps, {
    to: reader.email,
    subject: message.subject,
    html: message.html,
    text: message.text,
    headers: listUnsubscribeHeaders(
      links.unsubscribeUrl,
      deps.settings.unsubscribeMailto,
      links.unsubscribeToken,
    ),
    tags: { kind: 'digest', digest: job.digestId, group: job.groupKey },
  });

  if (result.kind === 'sent') {
    await deps.ledger.markSent(key, result.messageId, deps.clock.now());
    await deps.subscribers.recordDelivery(key.subscriberId, job.digestId, new Date(job.windowEnd));
    return { kind: 'sent' };
  }
  if (result.kind === 'rejected') {
    await deps.ledger.markFailed(key, result.reason, deps.clock.now());
    deps.logger.warn('email rejected', {
      digestId: job.digestId,
      subscriberId: key.subscriberId,
      reason: result.reason,
    });
    return { kind: 'failed' };
  }
  // Not sent, but sendable later: give the claim back so the next attempt can take it at once.
  await deps.ledger.release(key);
  if (result.kind === 'quota') {
    if (!run.stop) {
      deps.logger.error('daily sending quota exceeded: stopping; the rest stays queued', {
        digestId: job.digestId,
        reason: result.reason,
      });
    }
    run.stop = true;
    return { kind: 'hand-on', interruption: 'quota', retry: false };
  }
  if (result.kind === 'throttled') {
    deps.logger.warn('SES keeps throttling: handing the rest of the job on', { digestId: job.digestId });
    return { kind: 'hand-on', interruption: 'throttled', retry: false };
  }
  deps.logger.warn('SES unavailable: the job will be retried', {
    digestId: job.digestId,
    reason: result.reason,
  });
  return { kind: 'hand-on', interruption: undefined, retry: true };
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
    await deps.subscribers.clearPlanned(reader.subscriberId);
    return false;
  }
  return true;
}

type SendResult =
  | { kind: 'sent'; messageId: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'quota'; reason: string };

/**
 * One email through the rate limiter and SES. Throttling and transient failures are retried in
 * place with exponential backoff and full jitter (so concurrent senders do not retry in step);
 * a rejection or the daily quota is final for this attempt.
 */
async function sendWithRetries(deps: DeliveryDependencies, email: OutgoingEmail): Promise<SendResult> {
  for (let attempt = 0; ; attempt += 1) {
    await deps.limiter.acquire();
    try {
      const { messageId } = await deps.mailer.send(email);
      return { kind: 'sent', messageId };
    } catch (error) {
      if (error instanceof MailRejectedError) return { kind: 'rejected', reason: describeError(error) };
      if (error instanceof MailQuotaExceededError) return { kind: 'quota', reason: describeError(error) };
      // Anything else is a bug or a crash, not a mail outcome: let it fail the job loudly, with the
      // claim left to its lease, exactly as if the process had died here.
      if (!(error instanceof MailThrottledError) && !(error instanceof MailUnavailableError)) throw error;
      if (attempt >= deps.settings.throttleRetries) {
        return {
          kind: error instanceof MailThrottledError ? 'throttled' : 'unavailable',
          reason: describeError(error),
        };
      }
      const ceiling = deps.settings.backoffBaseMs * 2 ** attempt;
      await deps.sleep(Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}
