import { html } from 'hono/html';
import type { TokenPurpose } from '../../core/tokens/tokens.ts';
import { emailField, errorSummary, type FieldErrors } from '../form-fields.ts';

/** The "email me a link" form: on its own page, and on every page about a link that failed. */
function manageLinkForm(email: string, errors: FieldErrors, button = 'Email me a link') {
  return html`${errorSummary(errors)}
    <form method="post" action="/manage" novalidate>
      ${emailField(email, errors.email, 'The address you subscribed with.')}
      <div class="actions"><button type="submit">${button}</button></div>
    </form>`;
}

export function manageRequestPage(email: string, errors: FieldErrors) {
  return html`<div class="narrow">
    <div class="card">
      <h1>Manage your subscription</h1>
      <p class="lede">
        Enter your address and we will email you a personal link. With it you can change your topics and
        delivery time, pause or stop the digest, and download or delete your data.
      </p>
      ${manageLinkForm(email, errors)}
      <p class="muted">
        Every digest also has a “Manage your topics” link at the bottom, and an unsubscribe link that works in
        one click.
      </p>
    </div>
  </div>`;
}

export const MANAGE_LINK_SENT_MESSAGE =
  'If this address is on our list, we have emailed it a link: to manage your subscription, or to confirm it if you have not yet.';

export function manageLinkSentMore() {
  return html`<p>
      Nothing there after a few minutes? Check your spam folder. To protect your inbox we send at most one
      link an hour to an address.
    </p>
    <p><a href="/">Back to the subscribe page</a></p>`;
}

const TOKEN_PROBLEMS: Record<TokenPurpose, { title: string; message: string; button: string }> = {
  confirm: {
    title: 'This confirmation link does not work',
    message:
      'The link has expired (they work for 7 days), was already used for an address that has left, or was cut short when it was copied. Enter your address below and we will send a fresh confirmation link.',
    button: 'Send me a new confirmation link',
  },
  manage: {
    title: 'This link does not work',
    message:
      'Links to manage a subscription work for 90 days, and must be copied whole. Enter your address below and we will email you a fresh one.',
    button: 'Email me a new link',
  },
  unsubscribe: {
    title: 'This unsubscribe link does not work',
    message:
      'The link may have been cut short when it was copied. Enter your address below and we will email you a link where you can unsubscribe in one click.',
    button: 'Email me a link',
  },
  view: {
    title: 'This link to your digest does not work',
    message:
      'Links to the web edition of a digest work for a year, and must be copied whole. Past editions for everyone are in the archive; to get a link to your subscription, enter your address below.',
    button: 'Email me a link',
  },
};

/** What someone with an expired, cut or forged link sees: never a 500, always a way forward. */
export function tokenProblem(purpose: TokenPurpose) {
  const problem = TOKEN_PROBLEMS[purpose];
  return {
    title: problem.title,
    message: problem.message,
    more: html`${manageLinkForm('', {}, problem.button)}
      <p><a href="/">Or subscribe again on the home page</a></p>`,
  };
}
