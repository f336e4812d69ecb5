import { html } from 'hono/html';
import type { TrialView } from '../../core/rendering/trial-card.ts';

/**
 * A trial card's facts on the site's pages, in the digest's words: status and phase, where it is
 * recruiting, and "Recruiting in your country" where the page is a reader's own edition.
 */
export function trialFactsHtml(trial: TrialView | undefined) {
  if (!trial) return '';
  return html`<p class="trial-facts">
      <strong>${trial.status}</strong>${trial.phase ? ` · ${trial.phase}` : ''}${
        trial.recruitingIn ? ` · sites recruiting in ${trial.recruitingIn}` : ''
      }
    </p>
    ${trial.recruitingHere ? html`<p class="trial-here"><span>Recruiting in your country</span></p>` : ''}`;
}
