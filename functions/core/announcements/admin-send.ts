import type { AdminSendRecord, AudienceSummary, StoredDraft } from '../../model/announcements.ts';
import type { AdminSendStore } from '../../ports/admin-send-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryReports } from '../../ports/delivery-ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { SendQueue } from '../../ports/send-queue.ts';
import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
import type { SendScheduler } from '../../ports/send-scheduler.ts';
import type { SubscriberErasure, SubscriberReader } from '../../ports/subscriber-store.ts';
import type { AnnouncementPlanJob } from '../delivery/send-job.ts';
import type { SubscriberIds } from '../subscribers/subscriber-ids.ts';
import { SendConflictError } from '../errors.ts';
import type { RenderedEmail } from '../rendering/email-renderer.ts';
import type { TokenService } from '../tokens/tokens.ts';
import type { AnnouncementDraft } from './announcement.ts';
import type { AnnouncementRenderer, RenderedAnnouncement } from './announcement-renderer.ts';

/**
 * The admin's one-off sends, whatever the door (CLI, HTTP API, admin page): compose and preview
 * with the audience counted (a dry run, compose-send.ts), a test send to one address
 * (test-send.ts), and the send itself (start-send.ts), which only records the send and enqueues
 * its plan job; the sender plans it (plan-announcement-send.ts), loads it
 * (load-announcement-send.ts) and mails it through the queue, rate limiter and delivery ledger the
 * digest uses; send-status.ts says how far a send got. Every send and test is audited on its
 * record: who, when, what and for how many readers. This module holds what they share.
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
  /** Keyed ids of addresses: a test address is audited by its id, never in clear. */
  readonly subscriberIds: SubscriberIds;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Arms the timers of sends scheduled for later; undefined where they are not available. */
  readonly sendScheduler?: SendScheduler;
  readonly settings: {
    readonly siteUrl: string;
    readonly unsubscribeMailto: string;
    readonly throttleRetries: number;
    readonly backoffBaseMs: number;
  };
}

/** A draft checked, rendered and counted: what a dry run shows and a confirm step asks about. */
export interface ComposedSend {
  readonly sendId: string;
  readonly draft: AnnouncementDraft;
  readonly draftHash: string;
  readonly email: RenderedAnnouncement;
  /** What was taken out of the typed text and the body before sending, for the admin to see. */
  readonly removed: readonly string[];
  /** As the preview reader would get it. */
  readonly preview: RenderedEmail;
  readonly audience: AudienceSummary;
  /** What the id already holds (a draft with its tests, or the send itself). */
  readonly existing: AdminSendRecord | undefined;
}

/** The draft of a composed send as its record stores it. */
export function storedDraftOf(composed: ComposedSend): StoredDraft {
  return { ...composed.draft.content, topics: composed.draft.topics, draftHash: composed.draftHash };
}

/** The refusal to reuse a send id for other content. */
export function sendConflict(sendId: string, existing: AdminSendRecord): SendConflictError {
  return new SendConflictError(
    `send "${sendId}" already went out on ${existing.sentAt ?? existing.firstUsedAt} with another subject, body or audience: ` +
      'an id names one announcement for good; choose another id',
  );
}
