import { html } from 'hono/html';
import { describeSlot } from '../form-fields.ts';

export interface ConfirmPageView {
  /** The link's token, posted back with the button. */
  readonly token: string;
  /** Binds the form to the link (see subscription-routes.ts): a post from anywhere else is refused. */
  readonly csrf: string;
  /** What the subscription would be: the topics' labels and the slot. */
  readonly topics: readonly string[];
  readonly delivery: Parameters<typeof describeSlot>[0];
}

/**
 * What a confirmation link opens: the subscription it would start and one button. Consent is
 * recorded only when a person presses it (a POST): mail scanners open, and some render, every
 * link in an email, so opening the link confirms nothing. No script presses the button either: a
 * scanner that runs JavaScript would run it too, and nothing a script can wait for (a timer, the
 * page becoming visible, a scroll) is proof of a person; a press is.
 */
export function confirmPage(view: ConfirmPageView) {
  return html`<div class="narrow">
    <div class="card">
      <h1>Confirm your subscription</h1>
      <p class="lede">
        One step left. Press the button to start your weekly digest on: ${view.topics.join(', ')}, every
        ${describeSlot(view.delivery)}.
      </p>
      <form method="post" action="/confirm?token=${encodeURIComponent(view.token)}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <div class="actions"><button type="submit">Confirm my subscription</button></div>
      </form>
      <p class="muted">
        Did not ask for this? Close this page: nothing happens, and we send nothing more to this address.
      </p>
    </div>
  </div>`;
}
