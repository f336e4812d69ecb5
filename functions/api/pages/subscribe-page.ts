import { html } from 'hono/html';
import type { DeliverySlot } from '../../model/subscribers.ts';
import { CURRENT_CONSENT_WORDING } from '../../core/subscribers/consent.ts';
import {
  countryField,
  deliveryFields,
  emailField,
  errorSummary,
  topicCheckboxes,
  type FieldErrors,
  type TopicOption,
} from '../form-fields.ts';

export interface SubscribeFormState {
  readonly email: string;
  readonly topics: ReadonlySet<string>;
  readonly delivery: DeliverySlot;
  /** The country submitted, if any ("" or absent: prefer not to say). */
  readonly country?: string;
  readonly errors: FieldErrors;
}

/** The home page: what the digest is, and the subscribe form. */
export function subscribePage(topics: readonly TopicOption[], state: SubscribeFormState) {
  return html`<div class="subscribe-grid">
    <section class="pitch" aria-labelledby="pitch-title">
      <h1 id="pitch-title">Immunotherapy research, once a week, on the topics you choose</h1>
      <p class="lede">
        New studies, trial results and patient information from journals, the US National Cancer Institute and
        preprint servers, gathered into one calm email a week.
      </p>
    </section>

    <section class="card form-card" aria-labelledby="form-title">
      <h2 id="form-title">Subscribe</h2>
      ${errorSummary(state.errors)}
      <form method="post" action="/subscribe" novalidate>
        ${emailField(state.email, state.errors.email, 'We send a confirmation link to this address first.')}
        ${topicCheckboxes(topics, state.topics, state.errors.topics)}
        ${deliveryFields(state.delivery, state.errors)} ${countryField(state.country, state.errors.country)}
        <p class="consent" id="consent">${CURRENT_CONSENT_WORDING}</p>
        <div class="actions">
          <button type="submit" aria-describedby="consent">Subscribe</button>
          <span class="muted">Nothing is sent until you confirm by email.</span>
        </div>
      </form>
    </section>

    <aside class="promises-box" aria-label="What you get">
      <ul class="promises">
        <li>One email a week, on the day and at the hour you pick</li>
        <li>Only your topics, each article with a short summary and its source</li>
        <li>Free and ad-free; your address is never shared</li>
        <li>Leave in one click, and download or delete your data at any time</li>
      </ul>
      <p class="aside-links">
        <a href="/archive">See past editions</a><br />
        Already subscribed? <a href="/manage">Manage your subscription</a>
      </p>
    </aside>
  </div>`;
}

/** After POST /subscribe: the same words whatever the address's state. */
export const CHECK_INBOX_MESSAGE =
  'If this address can receive the digest, we have sent it a confirmation link. Open it within 7 days to start your subscription.';

export function checkInboxMore() {
  return html`<ol class="steps">
      <li>
        Look for an email from Immunotherapy Digest with the subject “Confirm your Immunotherapy Digest
        subscription”.
      </li>
      <li>Open the link in it. Your first digest arrives on the day and at the hour you chose.</li>
      <li>
        Nothing there after a few minutes? Check your spam or promotions folder. We send at most one
        confirmation a day to an address.
      </li>
    </ol>
    <p>
      <a href="/">Back to the subscribe page</a> · <a href="/archive">Read past editions while you wait</a>
    </p>`;
}
