import { html } from 'hono/html';
import type { DeliverySlot, Subscriber } from '../../model/subscribers.ts';
import {
  countryField,
  deliveryFields,
  describeSlot,
  errorSummary,
  topicCheckboxes,
  type FieldErrors,
  type TopicOption,
} from '../form-fields.ts';

export type PreferencesNotice = 'saved' | 'paused' | 'resumed';

export interface PreferencesView {
  readonly subscriber: Subscriber;
  readonly manageToken: string;
  readonly unsubscribeToken: string;
  readonly topics: readonly TopicOption[];
  readonly notice?: PreferencesNotice | undefined;
  /** "Monday 7 December at 08:00 (Europe/Paris)": when the next digest comes, if one is coming. */
  readonly nextDigest?: string | undefined;
  /** After a rejected save: what was submitted, and what is wrong with it. */
  readonly submitted?: {
    readonly topics: ReadonlySet<string>;
    readonly delivery: DeliverySlot;
    readonly country?: string;
  };
  readonly errors?: FieldErrors;
}

const NOTICES: Record<PreferencesNotice, string> = {
  saved: 'Saved. Your next digest follows these choices.',
  paused: 'Your digest is paused. Nothing is sent until you resume it.',
  resumed: 'Your digest is back on. The next one arrives at your usual time.',
};

/** The preference centre: topics and timing, pause, leave, and the reader's data. */
export function preferencesPage(view: PreferencesView) {
  const { subscriber } = view;
  const token = encodeURIComponent(view.manageToken);
  const live = subscriber.status === 'confirmed';
  return html`<div class="narrow">
    <div class="card">
      <h1>Your digest preferences</h1>
      <p class="muted">For <strong>${subscriber.email}</strong></p>
      ${view.notice ? html`<div class="notice ok" role="status">${NOTICES[view.notice]}</div>` : ''}
      ${view.notice === 'paused' ? '' : statusNotice(subscriber, token, view.nextDigest)}
      ${
        live
          ? html`${errorSummary(view.errors ?? {})}
              <form method="post" action="/preferences?token=${token}" novalidate>
                ${topicCheckboxes(view.topics, view.submitted?.topics ?? new Set(subscriber.topics), view.errors?.topics)}
                ${deliveryFields(view.submitted?.delivery ?? subscriber.delivery, view.errors ?? {})}
                ${countryField(view.submitted ? view.submitted.country : subscriber.country, view.errors?.country)}
                <div class="actions"><button type="submit">Save preferences</button></div>
              </form>

              <section class="section" aria-labelledby="pause-title">
                <h2 id="pause-title">${subscriber.paused ? 'Resume your digest' : 'Take a break'}</h2>
                ${
                  subscriber.paused
                    ? html`<p>
                          Your digest is paused. Resume it and it arrives again every
                          ${describeSlot(subscriber.delivery)}.
                        </p>
                        <form method="post" action="/preferences/resume?token=${token}">
                          <button type="submit">Resume my digest</button>
                        </form>`
                    : html`<p>
                          Pause the digest and keep your choices. Nothing is sent until you come back here and
                          resume it.
                        </p>
                        <form method="post" action="/preferences/pause?token=${token}">
                          <button type="submit" class="secondary">Pause my digest</button>
                        </form>`
                }
              </section>

              <section class="section" aria-labelledby="leave-title">
                <h2 id="leave-title">Unsubscribe</h2>
                <p>Stop the digest for good. You can subscribe again at any time.</p>
                <form method="post" action="/unsubscribe?token=${encodeURIComponent(view.unsubscribeToken)}">
                  <input type="hidden" name="List-Unsubscribe" value="One-Click" />
                  <button type="submit" class="danger">Unsubscribe</button>
                </form>
              </section>`
          : ''
      }

      <section class="section" aria-labelledby="data-title">
        <h2 id="data-title">Your data</h2>
        <p>
          We keep your address, your topics and delivery time, your country if you gave it, a record of your
          consent and when we last wrote to you. Nothing else.
        </p>
        <p>
          <a class="button secondary" href="/preferences/data?token=${token}" download
            >Download my data (JSON)</a
          >
        </p>
        <form method="post" action="/preferences/delete?token=${token}">
          <h3>Delete my data</h3>
          <p>
            This erases your address and everything above at once, and ends your subscription. We keep only a
            one-way fingerprint of your address so that nothing can mail it again unless you subscribe anew.
          </p>
          <label class="check" for="confirm-erase">
            <input type="checkbox" id="confirm-erase" name="confirm" value="yes" required />
            <span>I understand that this cannot be undone.</span>
          </label>
          <button type="submit" class="danger">Delete my data</button>
        </form>
      </section>
    </div>
  </div>`;
}

function statusNotice(subscriber: Subscriber, token: string, nextDigest: string | undefined) {
  switch (subscriber.status) {
    case 'confirmed':
      return subscriber.paused
        ? html`<div class="notice" role="status">
            Your digest is paused.
            <form class="inline-form" method="post" action="/preferences/resume?token=${token}">
              <button type="submit" class="link-button">Resume it now</button>
            </form>
          </div>`
        : html`<p>
            You get the digest every <strong>${describeSlot(subscriber.delivery)}</strong>.${
              nextDigest
                ? html` Your next digest arrives on <strong class="next-digest">${nextDigest}</strong>.`
                : ''
            }
          </p>`;
    case 'pending':
      return html`<div class="notice" role="status">
        Your subscription is waiting for confirmation. Open the link in the confirmation email we sent you.
      </div>`;
    case 'unsubscribed':
      return html`<div class="notice" role="status">
        You are unsubscribed and get no digests. Want them back? <a href="/">Subscribe again</a>.
      </div>`;
    case 'bounced':
      return html`<div class="notice" role="status">
        We stopped sending because your mail server kept refusing our emails.
      </div>`;
    case 'complained':
      return html`<div class="notice" role="status">
        We stopped sending because our email was reported as spam from this address.
      </div>`;
  }
}
