import { html } from 'hono/html';
import { trialFactsHtml } from './trial-facts.ts';
import { DateTime } from 'luxon';
import type { WebEdition } from '../../core/archive/web-edition.ts';
import type { CardView } from '../../core/rendering/digest-view.ts';
import type { TopicId } from '../../model/topics.ts';

/** The web edition of a reader's digest: the email's sections and cards, as a page of the site. */

export function digestPageTitle(edition: WebEdition): string {
  return `Your digest, ${DateTime.fromJSDate(edition.until, { zone: 'utc' }).toFormat('d LLLL yyyy')}`;
}

export function digestPage(edition: WebEdition, labels: Readonly<Record<TopicId, string>>) {
  const { view } = edition;
  const topics = edition.topics.map((topic) => labels[topic]).join(', ');
  const until = DateTime.fromJSDate(edition.until, { zone: 'utc' }).toFormat('d LLLL yyyy');
  return html`<div class="narrow">
    <div class="card">
      <p class="muted">${view.kicker}</p>
      <h1>${digestPageTitle(edition)}</h1>
      <p class="lede">
        ${view.count > 0 ? view.intro : `Nothing new on your topics in the week to ${until}.`}
      </p>
      <p class="muted">
        The web edition of your digest: the articles first found in the week to ${until} on the topics you
        follow now (${topics}).
      </p>
      ${view.sections.map(
        (section) =>
          html`<section aria-labelledby="topic-${section.topic}">
            <h2 id="topic-${section.topic}">${section.label}</h2>
            ${section.articles.map(cardHtml)}
          </section>`,
      )}
    </div>
    <div class="card">
      <p>
        Change your topics, the day or the hour of your digest:
        <a href="/manage">manage your subscription</a> (we email you a link). Past editions for everyone are
        in <a href="/archive">the archive</a>.
      </p>
    </div>
  </div>`;
}

function cardHtml(card: CardView) {
  return html`<article class="article">
    ${
      card.badges.length > 0
        ? html`<p>
            ${card.badges.map((badge) => html`<span class="badge badge-${badge.type}">${badge.label}</span>`)}
          </p>`
        : ''
    }
    <h3><a href="${card.url}" rel="noopener noreferrer">${card.title}</a></h3>
    <p class="meta">${card.source} · ${card.date}</p>
    ${trialFactsHtml(card.trial)} ${card.summary ? html`<p>${card.summary}</p>` : ''}
    <p class="why">Why you got this: ${card.why}</p>
  </article>`;
}
