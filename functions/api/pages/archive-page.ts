import { html } from 'hono/html';
import { DateTime } from 'luxon';
import { XMLBuilder } from 'fast-xml-parser';
import type { Article } from '../../model/articles.ts';
import type { TopicId } from '../../model/topics.ts';
import type { ArchivePage, EditionView, WeekRange } from '../../core/archive/editions.ts';
import { badgesOf, isListedLate } from '../../core/rendering/digest-view.ts';
import { trialViewOf } from '../../core/rendering/trial-card.ts';
import { trialFactsHtml } from './trial-facts.ts';
import { cutAtSentence } from '../../core/ingest/summary.ts';

/** The public archive's pages and its RSS feed. Article text is plain text from ingest; it is escaped here. */

type Labels = Readonly<Record<TopicId, string>>;

const SUMMARY_LENGTH = 320;

/** "Week of 23 November 2026". */
export function editionTitle(range: WeekRange): string {
  return `Week of ${DateTime.fromJSDate(range.start, { zone: 'utc' }).toFormat('d LLLL yyyy')}`;
}

/** "23–29 November 2026". */
function dateSpan(range: WeekRange): string {
  const start = DateTime.fromJSDate(range.start, { zone: 'utc' });
  const last = start.plus({ days: 6 });
  return start.month === last.month
    ? `${start.toFormat('d')}–${last.toFormat('d LLLL yyyy')}`
    : `${start.toFormat('d LLLL')} – ${last.toFormat('d LLLL yyyy')}`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "Monday 7 December": the day a week's edition is finished. */
function finishedOn(range: WeekRange): string {
  return DateTime.fromJSDate(range.end, { zone: 'utc' }).toFormat('cccc d LLLL');
}

export function archiveIndexPage(page: ArchivePage, labels: Labels, soFar?: EditionView) {
  const { editions } = page;
  return html`<div class="narrow">
    <div class="card">
      <h1>Past editions</h1>
      <p class="lede">
        Each week, the most relevant new articles of every topic, the same for everyone. Subscribers get only
        the topics they choose.
      </p>
      <div class="actions">
        <a class="button" href="/">Subscribe</a>
        <a class="button secondary" href="/archive/feed.xml">RSS feed</a>
      </div>
    </div>
    ${soFar && !page.before ? weekSoFarCard(soFar, labels) : ''}
    ${
      editions.length === 0
        ? html`<div class="card">
            <p>
              ${
                page.before
                  ? 'No editions before this week.'
                  : 'No finished edition yet. An edition is finished when its week is over, with the articles first found that week.'
              }
            </p>
          </div>`
        : html`<ul class="editions" aria-label="Editions, newest first">
            ${editions.map(
              (edition) =>
                html`<li class="card edition-card">
                  <h2><a href="/archive/${edition.weekId}">${editionTitle(edition.range)}</a></h2>
                  <p class="muted">${dateSpan(edition.range)} · ${plural(edition.articleCount, 'article')}</p>
                  <ul class="tags" aria-label="Topics">
                    ${edition.sections.map(
                      (section) => html`<li>${labels[section.topic]} (${section.articleIds.length})</li>`,
                    )}
                  </ul>
                </li>`,
            )}
          </ul>`
    }
    ${
      page.olderBefore || page.before
        ? html`<nav class="pager" aria-label="More editions">
            ${page.before ? html`<a href="/archive">Newest editions</a>` : ''}
            ${page.olderBefore ? html`<a href="/archive?before=${page.olderBefore}">Older editions</a>` : ''}
          </nav>`
        : ''
    }
  </div>`;
}

function weekSoFarCard(soFar: EditionView, labels: Labels) {
  return html`<section class="card so-far" aria-labelledby="so-far-title">
    <h2 id="so-far-title"><a href="/archive/this-week">This week so far</a></h2>
    <p class="muted">
      ${editionTitle(soFar.range)} · ${plural(soFar.articleCount, 'article')} since Monday · finished on
      ${finishedOn(soFar.range)}
    </p>
    <ul class="tags" aria-label="Topics">
      ${soFar.sections.map((section) => html`<li>${labels[section.topic]} (${section.articles.length})</li>`)}
    </ul>
  </section>`;
}

/** The week under way, as far as it has come: clearly not a finished edition. */
export function weekSoFarPage(soFar: EditionView, labels: Labels) {
  return html`<div class="narrow">
    <div class="card">
      <p class="muted"><a href="/archive">Past editions</a></p>
      <h1>This week so far</h1>
      <p class="notice-line">
        ${editionTitle(soFar.range)}: the edition is still growing. It fills up as new articles arrive and is
        finished on ${finishedOn(soFar.range)}.
      </p>
      <p class="lede">${plural(soFar.articleCount, 'new article')} first found since Monday, by topic.</p>
      ${topicSections(soFar.sections, labels)}
    </div>
    ${SUBSCRIBE_CARD}
  </div>`;
}

export function editionPage(edition: EditionView, labels: Labels) {
  return html`<div class="narrow">
    <div class="card">
      <p class="muted"><a href="/archive">Past editions</a></p>
      <h1>${editionTitle(edition.range)}</h1>
      <p class="lede">
        ${plural(edition.articleCount, 'new article')} first found between ${dateSpan(edition.range)}, by
        topic.
      </p>
      ${topicSections(edition.sections, labels)}
    </div>
    ${SUBSCRIBE_CARD}
  </div>`;
}

/** Only web links become links: a feed can put anything in a URL field. */
const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

/** One article as the site's pages show it: title link, source and date, badges, summary. */
export function articleCard(article: Article) {
  return html`<article class="article">
    <h3>
      ${
        isWebUrl(article.url)
          ? html`<a href="${article.url}" rel="noopener noreferrer">${article.title}</a>`
          : article.title
      }
    </h3>
    <p class="meta">${articleMeta(article)}</p>
    ${article.trial ? trialFactsHtml(trialViewOf(article.trial, false)) : ''}
    ${
      article.studyTypes.length > 0
        ? html`<p>
            ${badgesOf(article.studyTypes).map(
              (badge) => html`<span class="badge badge-${badge.type}">${badge.label}</span>`,
            )}
          </p>`
        : ''
    }
    ${article.summary ? html`<p>${cutAtSentence(article.summary, SUMMARY_LENGTH)}</p>` : ''}
  </article>`;
}

function articleMeta(article: Article): string {
  const sources = article.sources.map((source) => source.sourceName).join(', ');
  const published = DateTime.fromISO(article.publishedAt, { zone: 'utc' });
  if (!published.isValid) return sources;
  const date = published.toFormat('d LLL yyyy');
  return isListedLate(article) ? `${sources} · Published ${date} · newly listed` : `${sources} · ${date}`;
}

// XML 1.0 forbids these characters even escaped; a feed item could still carry one.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const xmlText = (text: string) => text.replace(NOT_XML, '');

/** RSS 2.0 of the editions, one item per week, each carrying its article list as HTML. */
export function archiveFeed(
  editions: readonly EditionView[],
  labels: Labels,
  siteUrl: string,
  now: Date,
): string {
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
    // isPermaLink="true" must keep its value: RSS readers and XML parsers reject a bare attribute.
    suppressBooleanAttributes: false,
  });
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      '@_xmlns:atom': 'http://www.w3.org/2005/Atom',
      channel: {
        title: 'Immunotherapy Digest: weekly editions',
        link: `${siteUrl}/archive`,
        description:
          'Each week, the most relevant new immunotherapy research and news of every topic. Information, not medical advice.',
        language: 'en',
        lastBuildDate: now.toUTCString(),
        'atom:link': {
          '@_href': `${siteUrl}/archive/feed.xml`,
          '@_rel': 'self',
          '@_type': 'application/rss+xml',
        },
        item: editions.map((view) => ({
          title: `${editionTitle(view.range)}: ${plural(view.articleCount, 'article')}`,
          link: `${siteUrl}/archive/${view.range.weekId}`,
          guid: { '#text': `${siteUrl}/archive/${view.range.weekId}`, '@_isPermaLink': 'true' },
          pubDate: view.range.end.toUTCString(),
          description: xmlText(markupOf(editionList(view, labels))),
        })),
      },
    },
  });
}

function editionList(view: EditionView, labels: Labels) {
  return html`${view.sections.map(
    (section) =>
      html`<h2>${labels[section.topic]}</h2>
        <ul>
          ${section.articles.map(
            (article) =>
              html`<li>
                ${isWebUrl(article.url) ? html`<a href="${article.url}">${article.title}</a>` : article.title}
                (${articleMeta(article)})
              </li>`,
          )}
        </ul>`,
  )}`;
}

/** Our templates hold no promises, so hono's html`` is a string here; anything else is a bug. */
function markupOf(markup: ReturnType<typeof html>): string {
  if (markup instanceof Promise) throw new Error('feed markup must render synchronously');
  return markup.toString();
}

/** An edition's articles, a section per topic: the same on a finished edition and the week so far. */
function topicSections(sections: EditionView['sections'], labels: Labels) {
  return sections.map(
    (section) =>
      html`<section aria-labelledby="topic-${section.topic}">
        <h2 id="topic-${section.topic}">${labels[section.topic]}</h2>
        ${section.articles.map((article) => articleCard(article))}
      </section>`,
  );
}

const SUBSCRIBE_CARD = html`<div class="card">
  <h2>Get the topics you care about, every week</h2>
  <p>Choose your topics and the day and hour you want it. Free, and you can leave in one click.</p>
  <p><a class="button" href="/">Subscribe</a></p>
</div>`;
