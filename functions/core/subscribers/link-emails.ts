import type { Clock } from '../../ports/clock.ts';
import type { EmailClaimKind, EmailClaims } from '../../ports/subscriber-store.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { RenderedEmail } from '../rendering/email-renderer.ts';
import type { TokenPurpose, TokenService } from '../tokens/tokens.ts';

/**
 * The two emails anyone can make us send by typing an address: a confirmation link and a manage
 * link. Each goes out at most once per interval per address, decided by one conditional write,
 * and carries only our own words and a signed link.
 */

const CONFIRMATION_INTERVAL_MS = 24 * 3600 * 1000;

/** A reader can ask for a manage link once an hour: enough to retry, too little to mail-bomb anyone. */
export const MANAGE_LINK_INTERVAL_MS = 3600 * 1000;

const LINK_EMAILS: Record<EmailClaimKind, { purpose: TokenPurpose; path: string; intervalMs: number }> = {
  confirmation: { purpose: 'confirm', path: '/confirm', intervalMs: CONFIRMATION_INTERVAL_MS },
  'manage-link': { purpose: 'manage', path: '/preferences', intervalMs: MANAGE_LINK_INTERVAL_MS },
};

export interface LinkEmailDependencies {
  readonly subscribers: EmailClaims;
  readonly mailer: Mailer;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly siteUrl: string;
}

/** True when an email of this kind went out too recently: its claim would fail anyway, so skip the write. */
export function sentRecently(kind: EmailClaimKind, sentAt: string | undefined, now: Date): boolean {
  return sentAt !== undefined && now.getTime() - Date.parse(sentAt) < LINK_EMAILS[kind].intervalMs;
}

/**
 * Claims the right to send this kind of email to the reader now and, if granted, sends it with a
 * fresh signed link. If the mail service fails, the claim is given back before the error goes
 * up, so the reader's retry is not silently refused for the rest of the interval.
 */
export async function sendLinkEmail(
  kind: EmailClaimKind,
  reader: { readonly subscriberId: string; readonly email: string },
  render: (url: string) => Promise<RenderedEmail>,
  deps: LinkEmailDependencies,
): Promise<void> {
  const { purpose, path, intervalMs } = LINK_EMAILS[kind];
  const { subscriberId } = reader;
  const now = deps.clock.now();
  const claimed =
    kind === 'confirmation'
      ? await deps.subscribers.claimConfirmationEmail(subscriberId, now, intervalMs)
      : await deps.subscribers.claimManageLinkEmail(subscriberId, now, intervalMs);
  if (!claimed) return;
  const url = `${deps.siteUrl}${path}?token=${deps.tokens.issue(purpose, subscriberId, now)}`;
  try {
    await deps.mailer.send({ to: reader.email, ...(await render(url)), headers: [], tags: { kind } });
  } catch (error) {
    deps.logger.error(`${kind} email failed`, { subscriberId, error });
    await deps.subscribers.releaseEmailClaim(subscriberId, kind, now);
    throw error;
  }
}
