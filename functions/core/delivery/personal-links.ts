import type { TokenService } from '../tokens/tokens.ts';
import type { PersonalisableEmail, PersonalLinks } from '../rendering/email-renderer.ts';

/**
 * The links and headers that make one email one reader's: signed, purpose-bound tokens. A digest
 * also links to its web edition (`webEdition`: the end of the window the digest covers).
 */
export function personalLinksFor(
  subscriberId: string,
  tokens: TokenService,
  siteUrl: string,
  now: Date,
  webEdition?: { readonly until: Date },
): PersonalLinks & { unsubscribeToken: string } {
  const unsubscribeToken = tokens.issue('unsubscribe', subscriberId, now);
  return {
    manageUrl: `${siteUrl}/preferences?token=${tokens.issue('manage', subscriberId, now)}`,
    unsubscribeUrl: `${siteUrl}/unsubscribe?token=${unsubscribeToken}`,
    unsubscribeToken,
    ...(webEdition ? { viewUrl: webEditionUrl(subscriberId, tokens, siteUrl, now, webEdition.until) } : {}),
  };
}

/**
 * The web edition of a reader's digest: `/digest?token=<view token>&until=<end of its window, in
 * seconds>`. The token says whose topics (and can do nothing else); the window's end is public.
 */
export function webEditionUrl(
  subscriberId: string,
  tokens: TokenService,
  siteUrl: string,
  now: Date,
  until: Date,
): string {
  const seconds = Math.floor(until.getTime() / 1000);
  return `${siteUrl}/digest?token=${tokens.issue('view', subscriberId, now)}&until=${seconds}`;
}

/**
 * RFC 2369 List-Unsubscribe (an https URL and a mailto) and RFC 8058 one-click: mail clients
 * show an Unsubscribe button that POSTs `List-Unsubscribe=One-Click` to the URL.
 */
function listUnsubscribeHeaders(
  unsubscribeUrl: string,
  unsubscribeMailto: string,
  unsubscribeToken: string,
): { name: string; value: string }[] {
  return [
    {
      name: 'List-Unsubscribe',
      value: `<${unsubscribeUrl}>, <mailto:${unsubscribeMailto}?subject=unsubscribe%20${unsubscribeToken}>`,
    },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ];
}

/**
 * One reader's copy of an email rendered for many: its personal links filled in, with the
 * List-Unsubscribe headers that go with them (a digest, an announcement or its test send).
 */
export function personalCopy(
  email: PersonalisableEmail,
  links: PersonalLinks & { readonly unsubscribeToken: string },
  unsubscribeMailto: string,
): { subject: string; html: string; text: string; headers: { name: string; value: string }[] } {
  const message = email.personalise(links);
  return {
    subject: message.subject,
    html: message.html,
    text: message.text,
    headers: listUnsubscribeHeaders(links.unsubscribeUrl, unsubscribeMailto, links.unsubscribeToken),
  };
}
