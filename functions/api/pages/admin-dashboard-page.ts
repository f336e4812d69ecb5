import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ListStats } from '../../core/list-health/dashboard.ts';
import type { WindowRates } from '../../core/list-health/deliverability.ts';
import { READER_STATES, type ReaderState } from '../../model/list-health.ts';

/**
 * The admin home: the list's and the feeds' health at a glance (GET /admin). Charts are inline
 * SVG drawn here (no script, nothing loaded from elsewhere), drawn with presentation attributes
 * only (the admin pages' CSP allows no inline style); each has a text alternative: its title and
 * description for a screen reader, and the table of the same figures beside it.
 */

const number = (value: number) => value.toLocaleString('en');
const percent = (rate: number) => `${(rate * 100).toFixed(rate === 0 ? 0 : 2)} %`;
const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : 'never');

const STATE_LABELS: Record<ReaderState, string> = {
  confirmed: 'Confirmed',
  paused: 'Paused',
  pending: 'Waiting for confirmation',
  unsubscribed: 'Unsubscribed',
  bounced: 'Bounced',
  complained: 'Complained',
  erased: 'Erased',
};

export interface DashboardView {
  readonly stats: ListStats;
  readonly topicLabels: Readonly<Record<string, string>>;
}

interface Bar {
  readonly label: string;
  readonly parts: readonly { readonly value: number; readonly colour: string }[];
}

/** A bar chart (stacked when a bar has several parts), sized by its viewBox to any width. */
function barChart(id: string, title: string, description: string, bars: readonly Bar[]) {
  const width = 640;
  const height = 180;
  const top = 10;
  const bottom = 30;
  const plot = height - top - bottom;
  const max = Math.max(1, ...bars.map((bar) => bar.parts.reduce((sum, part) => sum + part.value, 0)));
  const slot = width / Math.max(1, bars.length);
  const barWidth = Math.max(4, slot * 0.6);
  const shapes = bars
    .map((bar, index) => {
      let y = top + plot;
      const x = index * slot + (slot - barWidth) / 2;
      const rects = bar.parts
        .filter((part) => part.value > 0)
        .map((part) => {
          const h = (part.value / max) * plot;
          y -= h;
          return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${part.colour}"></rect>`;
        })
        .join('');
      const label = `<text x="${(index * slot + slot / 2).toFixed(1)}" y="${height - 10}" font-size="12" text-anchor="middle" fill="#4b5866">${escapeXml(bar.label)}</text>`;
      return rects + label;
    })
    .join('');
  return raw(
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">` +
      `<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(description)}</desc>` +
      `<line x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}" stroke="#7b8794" stroke-width="1"></line>` +
      `<text x="4" y="${top + 12}" font-size="12" fill="#4b5866">${number(max)}</text>` +
      shapes +
      '</svg>',
  );
}

/** One rate as a bar against its scale (to twice SES's review threshold), with both lines marked. */
function rateGauge(id: string, label: string, rate: WindowRates['bounce']) {
  const width = 320;
  const scale = rate.sesReviewAt * 2;
  const x = (value: number) => Math.min(width, (value / scale) * width);
  const colour = rate.level === 'ok' ? '#0f6e3f' : rate.level === 'warning' ? '#a36b00' : '#a61b1b';
  return raw(
    `<svg class="gauge" viewBox="0 0 ${width} 28" width="100%" role="img" aria-labelledby="${id}">` +
      `<title id="${id}">${escapeXml(`${label}: ${percent(rate.rate)}; warning above ${percent(rate.warnAt)}, SES review at ${percent(rate.sesReviewAt)}`)}</title>` +
      `<rect x="0" y="6" width="${width}" height="16" fill="#e4e7eb"></rect>` +
      `<rect x="0" y="6" width="${x(rate.rate).toFixed(1)}" height="16" fill="${colour}"></rect>` +
      `<line x1="${x(rate.warnAt).toFixed(1)}" y1="0" x2="${x(rate.warnAt).toFixed(1)}" y2="28" stroke="#a36b00" stroke-width="2" stroke-dasharray="4 2"></line>` +
      `<line x1="${x(rate.sesReviewAt).toFixed(1)}" y1="0" x2="${x(rate.sesReviewAt).toFixed(1)}" y2="28" stroke="#a61b1b" stroke-width="2"></line>` +
      '</svg>',
  );
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const levelText = {
  ok: 'fine',
  warning: 'warning: above half of SES’s threshold',
  review: 'at SES’s review threshold',
};

export function dashboardPage(view: DashboardView): HtmlEscapedString | Promise<HtmlEscapedString> {
  const { stats, topicLabels } = view;
  const { byState, byTopic } = stats.readers;
  const warnings = stats.deliverability.flatMap((window) =>
    (['bounce', 'complaint'] as const)
      .filter((kind) => window[kind].level !== 'ok')
      .map(
        (kind) =>
          `${kind === 'bounce' ? 'Bounce' : 'Complaint'} rate over ${window.days} days is ${percent(window[kind].rate)}: ${levelText[window[kind].level]}.`,
      ),
  );
  const silentOrFailing = stats.feeds.filter((feed) => feed.status === 'failing' || feed.status === 'silent');
  const weekLabel = (week: string) => week.slice(5);
  // The oldest week of the 12 with a count: the topic table compares with it, and says which it is.
  const earliest = stats.history.find((week) => week.counts);
  return html`<div class="card">
      <h1>Dashboard</h1>
      <p class="lede">How the list and the feeds are doing, as of ${when(stats.generatedAt)}.</p>
      ${
        warnings.length > 0
          ? html`<div class="notice warning" role="alert">
              <ul>
                ${warnings.map((warning) => html`<li>${warning}</li>`)}
              </ul>
            </div>`
          : ''
      }
      <ul class="figures">
        <li><strong>${number(byState.confirmed)}</strong> confirmed readers</li>
        <li><strong>${number(byState.paused)}</strong> paused</li>
        <li><strong>${number(byState.pending)}</strong> waiting for confirmation</li>
        <li><strong>${number(stats.deadLetterDepth)}</strong> in the dead-letter queue</li>
        <li><strong>${number(silentOrFailing.length)}</strong> feeds failing or silent</li>
      </ul>
    </div>

    <section class="card" aria-labelledby="readers-heading">
      <h2 id="readers-heading">Readers</h2>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Readers by status">
        <table class="data">
          <caption>
            Readers by status, now
          </caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col" class="number">Readers</th>
            </tr>
          </thead>
          <tbody>
            ${READER_STATES.map(
              (state) =>
                html`<tr>
                  <th scope="row">${STATE_LABELS[state]}</th>
                  <td class="number">${number(byState[state])}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h3>Confirmed readers, last 12 weeks</h3>
      ${barChart(
        'readers-chart',
        'Confirmed readers per week, last 12 weeks',
        stats.history
          .map(
            (week) => `${week.week}: ${week.counts ? number(week.counts.byState.confirmed) : 'not counted'}`,
          )
          .join('; '),
        stats.history.map((week) => ({
          label: weekLabel(week.week),
          parts: [{ value: week.counts?.byState.confirmed ?? 0, colour: '#0b5cad' }],
        })),
      )}
      <div class="table-wrap" tabindex="0" role="region" aria-label="Readers by week">
        <table class="data">
          <caption>
            Readers at the last count of each week (a week nobody counted shows a dash)
          </caption>
          <thead>
            <tr>
              <th scope="col">Week</th>
              ${READER_STATES.map((state) => html`<th scope="col" class="number">${STATE_LABELS[state]}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${stats.history.map(
              (week) =>
                html`<tr>
                  <th scope="row">${week.week}</th>
                  ${READER_STATES.map((state) => html`<td class="number">${week.counts ? number(week.counts.byState[state]) : '–'}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h3>Confirmed readers by topic</h3>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Readers by topic">
        <table class="data">
          <caption>
            A reader of several topics counts in each; paused readers are not counted
          </caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col" class="number">Now</th>
              <th scope="col" class="number">${earliest ? `In ${earliest.week}` : 'Earlier'}</th>
            </tr>
          </thead>
          <tbody>
            ${Object.entries(topicLabels).map(([topic, label]) => {
              const then = earliest?.counts
                ? (earliest.counts.byTopic[topic as keyof typeof byTopic] ?? 0)
                : undefined;
              return html`<tr>
                <th scope="row">${label}</th>
                <td class="number">${number(byTopic[topic as keyof typeof byTopic] ?? 0)}</td>
                <td class="number">${then === undefined ? '–' : number(then)}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" aria-labelledby="emails-heading">
      <h2 id="emails-heading">Emails per digest week</h2>
      ${barChart(
        'emails-chart',
        'Digest emails per week: sent (blue), skipped (grey), failed (red)',
        [...stats.digestWeeks]
          .reverse()
          .map(
            (week) => `${week.digestId}: ${week.sent} sent, ${week.skipped} skipped, ${week.failed} failed`,
          )
          .join('; '),
        [...stats.digestWeeks].reverse().map((week) => ({
          label: weekLabel(week.digestId.replace('weekly-', '')),
          parts: [
            { value: week.sent, colour: '#0b5cad' },
            { value: week.skipped, colour: '#9aa5b1' },
            { value: week.failed, colour: '#a61b1b' },
          ],
        })),
      )}
      <div class="table-wrap" tabindex="0" role="region" aria-label="Emails per digest week">
        <table class="data">
          <caption>
            From the delivery ledger, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Digest</th>
              <th scope="col" class="number">Sent</th>
              <th scope="col" class="number">Skipped</th>
              <th scope="col" class="number">Failed</th>
              <th scope="col" class="number">In flight</th>
            </tr>
          </thead>
          <tbody>
            ${stats.digestWeeks.map(
              (week) =>
                html`<tr>
                  <th scope="row">${week.digestId}</th>
                  <td class="number">${number(week.sent)}</td>
                  <td class="number">${number(week.skipped)}</td>
                  <td class="number">${number(week.failed)}</td>
                  <td class="number">${number(week.inFlight)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" aria-labelledby="deliverability-heading">
      <h2 id="deliverability-heading">Bounces and complaints</h2>
      <p>
        SES reviews an account at a 5 % bounce rate or a 0.1 % complaint rate. This page warns above half of
        each (2.5 % and 0.05 %), as the CloudWatch alarms do. The dashed line marks the warning, the solid one
        SES’s threshold.
      </p>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Bounce and complaint rates">
        <table class="data">
          <caption>
            Hard bounces and complaints over the emails sent in each window
          </caption>
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col" class="number">Sent</th>
              <th scope="col">Bounce rate</th>
              <th scope="col">Complaint rate</th>
            </tr>
          </thead>
          <tbody>
            ${stats.deliverability.map(
              (window) =>
                html`<tr>
                  <th scope="row">${window.days} days</th>
                  <td class="number">${number(window.sent)}</td>
                  <td>
                    ${percent(window.bounce.rate)} (${number(window.bounce.events)}),
                    ${levelText[window.bounce.level]}
                    ${rateGauge(`bounce-${window.days}`, `Bounce rate over ${window.days} days`, window.bounce)}
                  </td>
                  <td>
                    ${percent(window.complaint.rate)} (${number(window.complaint.events)}),
                    ${levelText[window.complaint.level]}
                    ${rateGauge(`complaint-${window.days}`, `Complaint rate over ${window.days} days`, window.complaint)}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Last runs</h2>
      ${(
        [
          ['Ingest', stats.runs.ingest, ['articlesCreated', 'articlesMerged', 'itemsSeen', 'sourcesFailed']],
          ['Planner', stats.runs.planDigest, ['due', 'planned', 'skippedNoArticles', 'jobs']],
        ] as const
      ).map(
        ([name, runs, keys]) =>
          html`<div class="table-wrap" tabindex="0" role="region" aria-label="${name} runs">
            <table class="data">
              <caption>
                ${name}: the last ${runs.length} runs
              </caption>
              <thead>
                <tr>
                  <th scope="col">Finished</th>
                  ${keys.map((key) => html`<th scope="col" class="number">${key}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${
                  runs.length === 0
                    ? html`<tr>
                        <td colspan="${keys.length + 1}">No run recorded yet.</td>
                      </tr>`
                    : runs.slice(0, 5).map(
                        (run) =>
                          html`<tr>
                            <th scope="row">${when(run.finishedAt)}</th>
                            ${keys.map((key) => html`<td class="number">${number(run.counts[key] ?? 0)}</td>`)}
                          </tr>`,
                      )
                }
              </tbody>
            </table>
          </div>`,
      )}
      <p><a href="/admin/dead-letters">Open the dead-letter queue (${number(stats.deadLetterDepth)})</a></p>
    </section>

    <section class="card" aria-labelledby="feeds-heading">
      <h2 id="feeds-heading">Feed health</h2>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Feed health">
        <table class="data">
          <caption>
            A feed is silent when its newest item is older than three times its usual gap between items, or
            when it brought nothing in 30 days
          </caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Health</th>
              <th scope="col">Last success</th>
              <th scope="col" class="number">Failures in a row</th>
              <th scope="col" class="number">Items 7 d</th>
              <th scope="col" class="number">Items 30 d</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            ${stats.feeds.map(
              (feed) =>
                html`<tr>
                  <th scope="row">${feed.name}</th>
                  <td><span class="pill ${feed.status}">${feed.status.replace('-', ' ')}</span></td>
                  <td>${when(feed.lastSuccessAt)}</td>
                  <td class="number">${number(feed.consecutiveFailures)}</td>
                  <td class="number">${number(feed.items7d)}</td>
                  <td class="number">${number(feed.items30d)}</td>
                  <td>${feed.lastError ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
}
