import { html } from 'hono/html';
import type { ReaderView } from '../../core/list-health/readers.ts';

/**
 * Readers one at a time: a lookup by exact address (a form that posts it, so the address never
 * sits in a URL, a history or a log), where the reader stands, and the two changes by hand.
 */

export interface ReadersView {
  readonly csrf: string;
  /** The address asked about, kept only in the page's own forms. */
  readonly email: string;
  readonly reader?: ReaderView;
  readonly notice?: string;
  readonly errors?: Readonly<Partial<Record<string, string>>>;
  readonly topicLabels: Readonly<Record<string, string>>;
}

const WEEKDAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '–');

const STATE_TEXT: Record<ReaderView['state'], string> = {
  confirmed: 'Confirmed: gets the weekly digest',
  paused: 'Paused: confirmed, no digests until they resume',
  pending: 'Waiting for confirmation',
  unsubscribed: 'Unsubscribed',
  bounced: 'Bounced: never mailed again',
  complained: 'Complained or suppressed: never mailed again',
  erased: 'Erased at their request: nothing but the keyed id remains',
  unknown: 'Nothing is stored for this address',
};

export function readersPage(view: ReadersView) {
  const { reader, errors = {} } = view;
  return html`<div class="card">
      <h1>Find a reader</h1>
      <p class="lede">
        Find one reader by their exact address. The address is turned into its keyed id: there is no list of
        addresses to browse.
      </p>
      ${view.notice ? html`<div class="notice ok" role="status">${view.notice}</div>` : ''}
      <form method="post" action="/admin/readers" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="reader-email">Address</label>
        ${errors.email ? html`<p class="field-error" id="reader-email-error">${errors.email}</p>` : ''}
        <input
          type="text"
          id="reader-email"
          name="email"
          inputmode="email"
          autocomplete="off"
          spellcheck="false"
          value="${view.email}"
          ${errors.email ? html`aria-invalid="true" aria-describedby="reader-email-error"` : ''}
        />
        <div class="actions"><button type="submit">Find</button></div>
      </form>
    </div>
    ${reader ? readerCard(view, reader) : ''}`;
}

function readerCard(view: ReadersView, reader: ReaderView) {
  const errors = view.errors ?? {};
  const canUnsubscribe =
    reader.state === 'confirmed' || reader.state === 'paused' || reader.state === 'pending';
  return html`<section class="card" aria-labelledby="reader-heading">
    <h2 id="reader-heading">${STATE_TEXT[reader.state]}</h2>
    <dl class="facts">
      <dt>Keyed id</dt>
      <dd><code>${reader.subscriberId}</code></dd>
      ${
        reader.topics.length > 0
          ? html`<dt>Topics</dt>
              <dd>${reader.topics.map((topic) => view.topicLabels[topic] ?? topic).join(', ')}</dd>`
          : ''
      }
      ${
        reader.delivery
          ? html`<dt>Slot</dt>
              <dd>
                ${WEEKDAYS[reader.delivery.weekday]} at ${String(reader.delivery.hour).padStart(2, '0')}:00
              </dd>
              <dt>Zone</dt>
              <dd>${reader.delivery.timeZone}</dd>`
          : ''
      }
      ${
        reader.subscribedAt
          ? html`<dt>Subscribed</dt>
              <dd>${when(reader.subscribedAt)}</dd>`
          : ''
      }
      ${
        reader.confirmedAt
          ? html`<dt>Confirmed</dt>
              <dd>${when(reader.confirmedAt)}</dd>`
          : ''
      }
      ${
        reader.pending
          ? html`<dt>Request waiting since</dt>
              <dd>${when(reader.pending.requestedAt)}</dd>`
          : ''
      }
      ${
        reader.suppressedAt
          ? html`<dt>Suppressed since</dt>
              <dd>${when(reader.suppressedAt)}</dd>`
          : ''
      }
    </dl>
    <h3>Last digests and announcements</h3>
    ${
      reader.lastDigests.length === 0
        ? html`<p>None in the last two months.</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Last digests and announcements">
            <table class="data">
              <caption>
                From the delivery ledger, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                ${reader.lastDigests.map(
                  (digest) =>
                    html`<tr>
                      <th scope="row">${digest.digestId}</th>
                      <td>${digest.status}</td>
                      <td>${when(digest.at)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${
      reader.audit.length > 0
        ? html`<h3>Changed by hand</h3>
            <ul>
              ${reader.audit.map(
                (entry) =>
                  html`<li>
                    ${when(entry.at)}: ${entry.action} (${entry.outcome}) by ${entry.by.principal} via
                    ${entry.by.via}: “${entry.reason}”
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <h3>Change by hand</h3>
    <form method="post" action="/admin/readers/change" novalidate>
      <input type="hidden" name="csrf" value="${view.csrf}" />
      <input type="hidden" name="email" value="${view.email}" />
      <label for="change-reason">Reason (kept in the audit)</label>
      ${errors.reason ? html`<p class="field-error" id="change-reason-error">${errors.reason}</p>` : ''}
      <input
        type="text"
        id="change-reason"
        name="reason"
        maxlength="500"
        ${errors.reason ? html`aria-invalid="true" aria-describedby="change-reason-error"` : ''}
      />
      <div class="actions">
        ${
          canUnsubscribe
            ? html`<button type="submit" name="action" value="unsubscribe">Unsubscribe</button>`
            : ''
        }
        ${
          reader.state === 'complained'
            ? ''
            : html`<button type="submit" class="danger" name="action" value="suppress">
                Suppress for good
              </button>`
        }
      </div>
      <p>
        Unsubscribing ends the subscription as the reader’s own link would; they may subscribe again.
        Suppressing means the address is never mailed again, not even after a new sign-up.
      </p>
    </form>
  </section>`;
}
