import type { Article } from '../model.ts';
import type {
  ArticleStore,
  Clock,
  DeliveryKey,
  DeliveryLedger,
  Logger,
  Mailer,
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
import { personalise, type EmailRenderer, type RenderedEmail } from '../rendering/email-renderer.ts';
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
  /** Throttling is retried in place this many times before the message goes back to the queue. */
  readonly throttleRetries: number;
  readonly backoffBaseMs: number;
}

export interface JobOutcome {
  readonly sent: number;
  /** Already delivered, in flight elsewhere, no longer confirmed, or planned for other topics. */
  readonly skipped: number;
  /** Permanent failures (rejected address or content): recorded, never retried. */
  readonly failed: number;
  /** Some recipients hit a transient failure: the message must come back (partial batch failure). */
  readonly retry: boolean;
  /** The account's daily quota is used up: stop the whole batch, leave the rest queued. */
  readonly stop: boolean;
}

/**
 * Sends one queued job, exactly once per (digest, reader): each recipient's ledger item is
 * claimed with a conditional write before SES is called and marked sent with the message id
 * after. Recipients already sent are skipped, so a redelivered or duplicated message is harmless.
 */
export async function deliverJob(job: SendJob, deps: DeliveryDependencies): Promise<JobOutcome> {
  return deliverDigest(job, deps);
}

async function deliverDigest(job: DigestJob, deps: DeliveryDependencies): Promise<JobOutcome> {
  const outcome = { sent: 0, skipped: 0, failed: 0, retry: false, stop: false };
  const readers = new Map(
    (await deps.subscribers.getMany(job.recipients.map((r) => r.subscriberId))).map((s) => [
      s.subscriberId,
      s,
    ]),
  );

  let rendered: RenderedEmail | undefined;
  const render = async () => {
    if (rendered) return rendered;
    const ids = job.sections.flatMap((section) => section.articles.map((article) => article.articleId));
    const articles = new Map<string, Article>((await deps.articles.getMany(ids)).map((a) => [a.id, a]));
    rendered = await deps.renderer.renderDigest({ selection: job, articles, now: new Date(job.windowEnd) });
    return rendered;
  };

  for (const recipient of job.recipients) {
    const reader = readers.get(recipient.subscriberId);
    const key: DeliveryKey = { digestId: job.digestId, subscriberId: recipient.subscriberId };
    // Status is read now, not at planning: whoever left since then is not mailed.
    if (!reader || reader.status !== 'confirmed' || reader.paused) {
      outcome.skipped += 1;
      continue;
    }
    if (topicsKey(reader.topics) !== recipient.topicsKey) {
      // Topics changed after planning: this selection is not theirs any more. Plan them again.
      await deps.subscribers.clearPlanned(reader.subscriberId);
      outcome.skipped += 1;
      continue;
    }

    const now = deps.clock.now();
    const claim = await deps.ledger.claim(key, now, deps.settings.leaseMs);
    if (!claim.claimed) {
      // A send that reached SES but whose window update was lost (crash) is repaired here.
      if (claim.existing.status === 'sent')
        await deps.subscribers.recordDelivery(key.subscriberId, job.digestId, new Date(job.windowEnd));
      outcome.skipped += 1;
      continue;
    }

    const links = personalLinksFor(reader.subscriberId, deps.tokens, deps.settings.siteUrl, now);
    const email = personalise(await render(), links);
    const result = await sendWithRetries(deps, {
      to: reader.email,
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: listUnsubscribeHeaders(
        links.unsubscribeUrl,
        deps.settings.unsubscribeMailto,
        links.unsubscribeToken,
      ),
      tags: { kind: 'digest', digest: job.digestId, group: job.groupKey },
    });

    if (result.kind === 'sent') {
      const at = deps.clock.now();
      await deps.ledger.markSent(key, result.messageId, at);
      await deps.subscribers.recordDelivery(key.subscriberId, job.digestId, new Date(job.windowEnd));
      outcome.sent += 1;
    } else if (result.kind === 'rejected') {
      await deps.ledger.markFailed(key, result.reason, deps.clock.now());
      deps.logger.warn('email rejected', {
        digestId: job.digestId,
        subscriberId: key.subscriberId,
        reason: result.reason,
      });
      outcome.failed += 1;
    } else {
      await deps.ledger.release(key);
      outcome.retry = true;
      if (result.kind === 'quota') {
        outcome.stop = true;
        deps.logger.error('daily sending quota exceeded: stopping, the rest stays queued', {
          digestId: job.digestId,
        });
        break;
      }
    }
  }
  return outcome;
}

type SendResult =
  | { kind: 'sent'; messageId: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'quota'; reason: string };

async function sendWithRetries(
  deps: DeliveryDependencies,
  email: Parameters<Mailer['send']>[0],
): Promise<SendResult> {
  for (let attempt = 0; ; attempt += 1) {
    await deps.limiter.acquire();
    try {
      const { messageId } = await deps.mailer.send(email);
      return { kind: 'sent', messageId };
    } catch (error) {
      if (error instanceof MailRejectedError) return { kind: 'rejected', reason: describeError(error) };
      if (error instanceof MailQuotaExceededError) return { kind: 'quota', reason: describeError(error) };
      const transient = error instanceof MailThrottledError || error instanceof MailUnavailableError;
      if (!transient || attempt >= deps.settings.throttleRetries) {
        return { kind: 'transient', reason: describeError(error) };
      }
      // Exponential backoff with full jitter, so concurrent senders do not retry in step.
      const ceiling = deps.settings.backoffBaseMs * 2 ** attempt;
      await deps.sleep(Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}
