import { html, raw } from 'hono/html';
import { DateTime } from 'luxon';
import type { SiteArticle } from '../../core/ingest/site-articles.ts';
import { articleBodyHtml } from '../../core/articles/article-html.ts';
import { STUDY_TYPE_BADGES } from '../../core/rendering/digest-view.ts';
import type { TopicId } from '../../model/topics.ts';

/** The site's own articles (content/articles/*.md), as pages in the site's look. */

type Labels = Readonly<Record<TopicId, string>>;

/** "20 November 2026", from the front matter's date (a UTC day or an instant). */
export function articleDate(article: SiteArticle): string {
  const date = DateTime.fromISO(article.item.published ?? '', { zone: 'utc' });
  return date.isValid ? date.toFormat('d LLLL yyyy') : '';
}

export function articlePage(article: SiteArticle, labels: Labels) {
  const topics = (article.topicOverride ?? []).map((topic) => labels[topic]);
  const date = articleDate(article);
  return html`<div class="narrow">
    <article class="card prose" aria-labelledby="article-title">
      <p class="muted"><a href="/articles">Articles by our editors</a></p>
      <p><span class="badge badge-explainer">${STUDY_TYPE_BADGES.explainer.label}</span></p>
      <h1 id="article-title">${article.item.title}</h1>
      <p class="meta">Immunotherapy Digest${date ? ` · ${date}` : ''}</p>
      <p class="lede">${article.item.summary}</p>
      ${raw(articleBodyHtml(article.body, article.item.title))}
      <p class="muted disclaimer">
        Information, not medical advice: talk to your care team before changing any treatment.
      </p>
    </article>
    <div class="card">
      <h2>
        ${topics.length > 0 ? `New research on ${joinWords(topics)}, every week` : 'New research, every week'}
      </h2>
      <p>Choose your topics and the day and hour you want it. Free, and you can leave in one click.</p>
      <p>
        <a class="button" href="/">Subscribe</a> <a class="button secondary" href="/archive">Past editions</a>
      </p>
    </div>
  </div>`;
}

export function articleIndexPage(articles: readonly SiteArticle[]) {
  return html`<div class="narrow">
    <div class="card">
      <h1>Articles by our editors</h1>
      <p class="lede">Explainers for patients and carers: what a treatment is, who it helps, what to ask.</p>
      ${articles.map(
        (article) =>
          html`<article class="article">
            <h3><a href="/articles/${article.slug}">${article.item.title}</a></h3>
            <p class="meta">${articleDate(article)}</p>
            <p>${article.item.summary}</p>
          </article>`,
      )}
    </div>
  </div>`;
}

/** "A", "A and B", "A, B and C". */
function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
