import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { RenderedEmail } from '../rendering/email-renderer.ts';
import { sendWithRetries, type SendWithRetriesDependencies } from '../delivery/send-with-retries.ts';
import {
  TOKEN_LIFETIME_MS,
  type TokenPurpose,
  type TokenService,
  type TokenSubject,
} from '../tokens/tokens.ts';

/**
 * The two emails anyone can make us send by typing an address: a confirmation link and a manage
 * link. Each goes out at most once per interval per address (a conditional write claims it), is
 * sent by the sender from the send queue through the same rate limiter and retries as a digest,
 * and carries only our own words and a signed link.
 */

export type LinkEmailKind = 'confirmation' | 'manage-link';

/** At most one confirmation email per address per day, whoever asks how often. */
export const CONFIRMATION_INTERVAL_MS = 24 * 3600 * 1000;

/** A reader can ask for a manage link once an hour: enough to retry, too little to mail-bomb anyone. */
export const MANAGE_LINK_INTERVAL_MS = 3600 * 1000;

/** A pending subscription lives as long as its confirmation link. */
export const PENDING_LIFETIME_MS = TOKEN_LIFETIME_MS.confirm;

const LINK_EMAILS: Record<LinkEmailKind, { purpose: TokenPurpose; path: string; intervalMs: number }> = {
  confirmation: { purpose: 'confirm', path: '/confirm', intervalMs: CONFIRMATION_INTERVAL_MS },
  'manage-link': { purpose: 'manage', path: '/preferences', intervalMs: MANAGE_LINK_INTERVAL_MS },
};

export interface LinkEmailDependencies extends SendWithRetriesDependencies {
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly siteUrl: string;
}

/**
 * What became of one account email: sent; not sent (nothing to send, or claimed by another
 * request); rejected for good; or to be tried again later (the claim was given back), because SES
 * was unavailable or throttling, or the daily quota is used up.
 */
export type LinkEmailOutcome = 'sent' | 'not-sent' | 'rejected' | 'retry' | 'quota';

/** True when an email of this kind went out too recently: its claim would fail anyway, so skip the write. */
export function sentRecently(kind: LinkEmailKind, sentAt: string | undefined, now: Date): boolean {
  return sentAt !== undefined && now.getTime() - Date.parse(sentAt) < LINK_EMAILS[kind].intervalMs;
}

/**
 * Mails a claimed link email: a fresh signed link for `subject`, rendered by `render`, through the
 * limiter and SES with retries. A claim whose email could not go is given back (`release`) before
 * answering 'retry', so the job's next attempt, or the reader's next request, can send it.
 */
export async function mailLink(
  kind: LinkEmailKind,
  to: string,
  subject: TokenSubject,
  render: (url: string) => Promise<RenderedEmail>,
  release: () => Promise<void>,
  deps: LinkEmailDependencies,
): Promise<LinkEmailOutcome> {
  const { purpose, path } = LINK_EMAILS[kind];
  const url = `${deps.siteUrl}${path}?token=${deps.tokens.issue(purpose, subject, deps.clock.now())}`;
  const result = await sendWithRetries(deps, { to, ...(await render(url)), headers: [], tags: { kind } });
  if (result.kind === 'sent') return 'sent';
  if (result.kind === 'rejected') {
    // The claim stays: a refused address will not be accepted an hour later either.
    deps.logger.warn(`${kind} email rejected`, { subscriberId: subject.subscriberId, reason: result.reason });
    return 'rejected';
  }
  deps.logger.warn(`${kind} email not sent now: it will be tried again`, {
    subscriberId: subject.subscriberId,
    reason: result.reason,
  });
  await release();
  return result.kind === 'quota' ? 'quota' : 'retry';
}
