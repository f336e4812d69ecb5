import { html } from 'hono/html';
import type { ImportReport } from '../../core/subscribers/import/import-subscribers.ts';

export interface SubscribersPageView {
  readonly csrf: string;
  readonly topicLabels: Readonly<Record<string, string>>;
  /** The report of the import just run from this page. */
  readonly report?: ImportReport;
  /** Why the import just asked for could not run. */
  readonly problem?: string;
}

const number = (count: number) => count.toLocaleString('en');

function reportCard(report: ImportReport, labels: Readonly<Record<string, string>>) {
  const suppressedBy = Object.entries(report.suppressedBy);
  const perTopic = Object.entries(report.perTopic);
  const unknown = Object.entries(report.unknownTopics);
  return html`<section class="card" aria-labelledby="report-title">
    <h2 id="report-title">
      ${report.dryRun ? 'Dry run' : 'Imported'}: ${report.sourceTool ?? 'csv'} export, ${number(report.rows)}
      rows
    </h2>
    <div class="notice ok" role="status">
      ${
        report.dryRun
          ? html`Nothing was changed. Run it again without “Dry run” to import.`
          : html`Import <code>${report.importId}</code> is done and recorded.`
      }
    </div>
    <ul class="figures">
      <li>
        <strong>${number(report.new)}</strong> new (${number(report.confirmed)} confirmed,
        ${number(report.pending)} asked to confirm)
      </li>
      <li><strong>${number(report.alreadyHere)}</strong> already here</li>
      <li><strong>${number(report.suppressed)}</strong> suppressed</li>
      <li><strong>${number(report.invalid)}</strong> invalid</li>
      <li><strong>${number(report.duplicates)}</strong> duplicates in the file</li>
    </ul>
    ${
      suppressedBy.length > 0
        ? html`<p>
            Suppressed: ${suppressedBy.map(([why, count]) => `${why} ${number(count)}`).join(', ')}.
          </p>`
        : ''
    }
    ${
      perTopic.length > 0
        ? html`<div class="table-wrap">
            <table class="data">
              <caption class="hint">
                New readers per topic.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="number">New readers</th>
                </tr>
              </thead>
              <tbody>
                ${perTopic.map(
                  ([topic, count]) =>
                    html`<tr>
                      <td>${labels[topic] ?? topic}</td>
                      <td class="number">${number(count ?? 0)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : ''
    }
    ${
      unknown.length > 0
        ? html`<p>
            Not a topic of this digest:
            ${unknown.map(([name, count]) => `“${name}” (${number(count)})`).join(', ')}.
          </p>`
        : ''
    }
    ${
      report.problems.length > 0
        ? html`<h3>Rows not imported</h3>
            <ul>
              ${report.problems.map(({ line, problem }) => html`<li>Line ${line}: ${problem}</li>`)}
            </ul>`
        : ''
    }
    ${
      report.warnings.length > 0
        ? html`<h3>Imported without their country</h3>
            <ul>
              ${report.warnings.map(({ line, problem }) => html`<li>Line ${line}: ${problem}</li>`)}
            </ul>`
        : ''
    }
  </section>`;
}

/**
 * Readers in and out: the export link and the import form (a CSV file of another tool, a dry run
 * first), and the report of the import just run.
 */
export function subscribersPage(view: SubscribersPageView) {
  return html`<div class="card">
      <h1>Readers in and out</h1>
      <h2>Export</h2>
      <p>
        The confirmed readers as CSV: email, topics, slot, zone, created, consent time, consent wording
        version and where the consent was given.
      </p>
      <p>
        <a class="button" href="/admin/subscribers.csv" download>Download the CSV of confirmed readers</a>
      </p>
    </div>
    ${view.report ? reportCard(view.report, view.topicLabels) : ''}
    <div class="card">
      <h2 id="import-title">Import</h2>
      <p>
        A CSV export of Mailchimp, Buttondown or listmonk (or any CSV with an <code>email</code> column):
        columns are found by name, topics by their id or label in the tags, lists or groups. New readers are
        asked to confirm by email, unless you tick “consented” and the file gives their consent time.
        Unsubscribed, bounced, complained and erased addresses are never brought back; running the same file
        again adds nobody.
      </p>
      ${view.problem ? html`<div class="notice error" role="alert">${view.problem}</div>` : ''}
      <form
        method="post"
        action="/admin/subscribers/import"
        enctype="multipart/form-data"
        aria-labelledby="import-title"
      >
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="import-file">CSV file</label>
        <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
        <label for="import-topics"
          >Topics for rows that name none (optional, topic ids, comma-separated)</label
        >
        <input id="import-topics" type="text" name="topics" placeholder="car-t,melanoma" />
        <div class="choices">
          <label
            ><input type="checkbox" name="dryRun" value="true" checked /> Dry run: count only, change
            nothing</label
          >
          <label
            ><input type="checkbox" name="consented" value="true" /> Consented: these readers opted in to this
            digest (rows with a consent time come in confirmed)</label
          >
        </div>
        <p class="actions"><button type="submit">Import</button></p>
      </form>
    </div>`;
}
