import { html } from 'hono/html';
import type { SendStatus } from '../../core/announcements/send-status.ts';
import type { AdminSendRecord, AdminSendSummary } from '../../model/announcements.ts';
import { audienceFigures } from './admin-compose-page.ts';
import { previewFrame } from './admin-layout.ts';

/** Past sends: the list with their counts, and one send with its progress and audit. */

type Labels = Readonly<Record<string, string>>;

const STATE_LABELS: Readonly<Record<SendStatus['state'], string>> = {
  draft: 'Draft (tested only)',
  scheduled: 'Scheduled',
  cancelled: 'Cancelled',
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
};

export function sendListPage(sends: readonly SendStatus<AdminSendSummary>[], labels: Labels) {
  return html`<div class="card">
    <h1>Past sends</h1>
    ${
      sends.length === 0
        ? html`<p>
            No announcement was sent or tested in the last twelve months.
            <a href="/admin/compose">Compose one</a>.
          </p>`
        : html`<div class="table-wrap">
            <table class="data">
              <caption class="hint">
                Sends and drafts of the last twelve months, newest first.
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Audience</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="number">Readers</th>
                  <th scope="col" class="number">Sent</th>
                  <th scope="col" class="number">Skipped</th>
                  <th scope="col" class="number">Failed</th>
                  <th scope="col" class="number">Tests</th>
                </tr>
              </thead>
              <tbody>
                ${sends.map(
                  (send) =>
                    html`<tr>
                      <td>${shortTime(send.sentAt ?? send.scheduledFor ?? send.firstUsedAt)}</td>
                      <td><a href="/admin/sends/${send.sendId}">${send.subject}</a></td>
                      <td>${audienceOf(send, labels)}</td>
                      <td>
                        ${statePill(send.state)}${send.state === 'scheduled' ? html` for ${shortTime(send.scheduledFor ?? '')}` : ''}
                      </td>
                      <td class="number">${send.audience?.total ?? send.confirmedAudience ?? '–'}</td>
                      <td class="number">${send.counts.sent}</td>
                      <td class="number">${send.counts.skipped}</td>
                      <td class="number">${send.counts.failed}</td>
                      <td class="number">${send.tests.length}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </div>`;
}

/** `csrf` is the token of the cancel form a scheduled send shows. */
export function sendDetailPage(
  send: SendStatus,
  labels: Labels,
  previewId: string | undefined,
  csrf?: string,
) {
  const audience = send.audience;
  return html`<div class="card">
      <p class="hint">Send <code>${send.sendId}</code></p>
      <h1>${send.subject}</h1>
      <p>${statePill(send.state)} to ${audienceOf(send, labels)}</p>
      ${
        send.state === 'draft'
          ? html`<p>Only tested so far. <a href="/admin/compose">Compose</a> it again to send it.</p>`
          : send.state === 'scheduled'
            ? html`<p>Starts ${shortTime(send.scheduledFor ?? '')}; nothing is sent before then.</p>
                ${
                  csrf === undefined
                    ? ''
                    : html`<form method="post" action="/admin/sends/${send.sendId}/cancel">
                        <input type="hidden" name="csrf" value="${csrf}" />
                        <button type="submit" class="secondary">Cancel this scheduled send</button>
                      </form>`
                }`
            : send.state === 'cancelled'
              ? html`<p>Cancelled before it started: nobody got it.</p>`
              : html`<ul class="figures" aria-label="Progress">
                  <li><strong>${send.counts.sent}</strong> sent</li>
                  <li><strong>${send.counts.skipped}</strong> skipped</li>
                  <li><strong>${send.counts.failed}</strong> failed</li>
                  <li><strong>${send.counts.claimed}</strong> in flight</li>
                  <li><strong>${send.pending}</strong> still to send</li>
                </ul>`
      }
      ${
        audience
          ? html`<h2>Audience when it was planned</h2>
              ${audienceFigures(audience, labels)}`
          : ''
      }
      <h2>Audit</h2>
      <ul class="summary-list">
        ${
          send.scheduledAt
            ? html`<li>
                Scheduled ${shortTime(send.scheduledAt)} by ${send.scheduledBy?.principal ?? 'unknown'}
                (${send.scheduledBy?.via ?? '?'}) for ${shortTime(send.scheduledFor ?? '')}
              </li>`
            : ''
        }
        ${
          send.cancelledAt
            ? html`<li>
                Cancelled ${shortTime(send.cancelledAt)} by ${send.cancelledBy?.principal ?? 'unknown'}
                (${send.cancelledBy?.via ?? '?'})
              </li>`
            : ''
        }
        ${
          send.sentAt
            ? html`<li>
                Sent ${shortTime(send.sentAt)} by ${send.sentBy?.principal ?? 'unknown'}
                (${send.sentBy?.via ?? '?'}), confirmed for ${send.confirmedAudience ?? '?'} readers
              </li>`
            : ''
        }
        ${
          send.enqueuedAt
            ? html`<li>
                Planned ${shortTime(send.enqueuedAt)}: ${audience?.total ?? 0} readers in ${send.jobs ?? 0}
                send jobs
              </li>`
            : ''
        }
        <li>
          First used ${shortTime(send.firstUsedAt)};
          ${send.format === 'mjml' ? 'an MJML document' : 'Markdown'}
        </li>
        ${send.tests.map(
          (test) =>
            html`<li>
              Test to address id ${test.toId.slice(0, 8)} ${shortTime(test.at)} by ${test.by.principal}
              (${test.by.via})${test.draftHash === send.draftHash ? '' : ' — of an earlier version'}
            </li>`,
        )}
      </ul>
    </div>
    ${
      previewId
        ? html`<div class="card">
            <h2>
              ${send.state === 'draft' ? 'The content last tested' : send.state === 'scheduled' || send.state === 'cancelled' ? 'What it says' : 'What was sent'}
            </h2>
            ${previewFrame(previewId)}
          </div>`
        : ''
    }`;
}

/** What a JSON client sees of a send. The body is in the single send's view only. */
export function sendJson(send: SendStatus<AdminSendSummary> | SendStatus<AdminSendRecord>) {
  return {
    sendId: send.sendId,
    status: send.state,
    subject: send.subject,
    format: send.format,
    ...('body' in send ? { body: send.body } : {}),
    topics: send.topics,
    counts: {
      sent: send.counts.sent,
      skipped: send.counts.skipped,
      failed: send.counts.failed,
      inFlight: send.counts.claimed,
      pending: send.pending,
    },
    audience: send.audience ?? null,
    confirmedAudience: send.confirmedAudience ?? null,
    sentAt: send.sentAt ?? null,
    sentBy: send.sentBy ?? null,
    enqueuedAt: send.enqueuedAt ?? null,
    scheduledFor: send.scheduledFor ?? null,
    scheduledAt: send.scheduledAt ?? null,
    scheduledBy: send.scheduledBy ?? null,
    cancelledAt: send.cancelledAt ?? null,
    cancelledBy: send.cancelledBy ?? null,
    firstUsedAt: send.firstUsedAt,
    tests: send.tests,
  };
}

function audienceOf(send: AdminSendSummary, labels: Labels): string {
  if (send.topics.length === 0) return 'every confirmed reader';
  return `followers of ${send.topics.map((topic) => labels[topic] ?? topic).join(' or ')}`;
}

function statePill(state: SendStatus['state']) {
  return html`<span class="pill ${state}">${STATE_LABELS[state]}</span>`;
}

function shortTime(iso: string): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}
