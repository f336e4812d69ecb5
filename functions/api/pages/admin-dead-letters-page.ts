import { html } from 'hono/html';
import type { DeadLetterListing, RedriveReport } from '../../core/delivery/dead-letters.ts';

export interface DeadLettersView {
  readonly listing: DeadLetterListing;
  readonly csrf: string;
  /** What the redrive just done moved, to say so once. */
  readonly redriven?: Pick<RedriveReport, 'moved' | 'poison'>;
}

const plural = (count: number, word: string) =>
  `${count.toLocaleString('en')} ${word}${count === 1 ? '' : 's'}`;

/**
 * The send queue's dead-letter queue: how many jobs failed five times, a look at up to ten, and
 * the redrive button. No confirm step: a redrive can mail nobody twice (the ledger skips whoever
 * got it), so the worst a mistaken one does is send jobs that fail again.
 */
export function deadLettersPage(view: DeadLettersView) {
  const { listing, redriven } = view;
  return html`<div class="card">
    <h1>Dead letters</h1>
    <p class="lede">
      Send jobs that failed five times: a crash, a job SES took nothing from for a day, or a message that is
      no job at all (poison). Fix the cause first (the alarm and the send function’s log say what it was),
      then move the jobs back to the send queue. Whoever already got their email is skipped.
    </p>
    ${
      redriven
        ? html`<div class="notice ok" role="status">
            Moved ${plural(redriven.moved, 'job')} back to the send
            queue${redriven.poison > 0 ? html`; ${plural(redriven.poison, 'poison message')} left here` : ''}.
          </div>`
        : ''
    }
    <ul class="figures">
      <li><strong>${listing.depth.toLocaleString('en')}</strong> in the dead-letter queue</li>
    </ul>
    ${
      listing.letters.length === 0
        ? html`<p>Nothing to redrive.</p>`
        : html`<div class="table-wrap">
              <table class="data">
                <caption class="hint">
                  Up to ten of them, as the queue hands them out.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Digest or send</th>
                    <th scope="col" class="number">Readers</th>
                    <th scope="col" class="number">Receives</th>
                    <th scope="col">First queued (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  ${listing.letters.map(
                    (letter) =>
                      html`<tr>
                        <td>${letter.kind}</td>
                        <td>${letter.about}</td>
                        <td class="number">${letter.recipients}</td>
                        <td class="number">${letter.receiveCount}</td>
                        <td>${letter.sentAt ? letter.sentAt.replace('T', ' ').slice(0, 16) : '–'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            <form method="post" action="/admin/dead-letters/redrive">
              <input type="hidden" name="csrf" value="${view.csrf}" />
              <div class="actions">
                <button type="submit">Move every job back to the send queue</button>
              </div>
            </form>`
    }
  </div>`;
}
