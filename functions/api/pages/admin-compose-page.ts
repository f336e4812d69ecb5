import { html } from 'hono/html';
import type { ComposedSend } from '../../core/announcements/admin-send.ts';
import type { AudienceSummary } from '../../model/announcements.ts';
import type { AdminTestRecord } from '../../model/announcements.ts';
import { errorSummary, fieldError, type TopicOption } from '../form-fields.ts';
import { previewFrame } from './admin-layout.ts';

/**
 * The admin's compose page and its confirm step. Works without JavaScript: Preview, Send test
 * and Review post the same form; the confirm step carries the draft on in hidden fields and
 * sends only with its box ticked.
 */

/** The form as typed, kept across round trips. */
export interface ComposeForm {
  readonly subject: string;
  readonly body: string;
  readonly format: 'markdown' | 'mjml';
  readonly topics: ReadonlySet<string>;
  /** The audience radio: '' until the admin chooses (ticking a topic is a choice too). */
  readonly audience: 'everyone' | 'topics' | '';
  readonly id: string;
  readonly testTo: string;
  /** "Send later": a datetime-local value ('' to send now) and the zone it is in. */
  readonly sendAt: string;
  readonly sendZone: string;
}

export const EMPTY_FORM: ComposeForm = {
  subject: '',
  body: '',
  format: 'markdown',
  topics: new Set(),
  audience: '',
  id: '',
  testTo: '',
  sendAt: '',
  sendZone: 'UTC',
};

/** Problems by field: subject, body, format, audience, topics, id, testTo, confirm, request. */
export type AdminFieldErrors = Readonly<Partial<Record<string, string>>>;

const FIELD_LABELS: Readonly<Record<string, string>> = {
  subject: 'Subject',
  body: 'Body',
  format: 'Format',
  audience: 'Audience',
  topics: 'Topics',
  id: 'Send id',
  testTo: 'Test address',
  sendAt: 'Send later',
  sendZone: 'Time zone',
  confirm: 'Confirmation',
  request: 'Request',
};

export interface ComposeView {
  readonly csrf: string;
  readonly form: ComposeForm;
  readonly topics: readonly TopicOption[];
  readonly errors?: AdminFieldErrors;
  readonly notice?: string;
  readonly composed?: ComposedSend;
  readonly previewId?: string;
}

export function composePage(view: ComposeView) {
  const { form, errors = {} } = view;
  return html`<div class="card">
      <h1>Compose an announcement</h1>
      <p class="lede">
        One email outside the weekly rhythm, to every confirmed reader or to those who follow some topics.
        Preview it, send yourself a test, then review and send.
      </p>
      ${problems(errors)}
      ${view.notice ? html`<div class="notice ok" role="status">${view.notice}</div>` : ''}
      <form method="post" action="/admin/compose" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <div class="field">
          <label for="subject">Subject</label>
          ${fieldError('subject', errors.subject)}
          <input type="text" id="subject" name="subject" maxlength="150" required value="${form.subject}" />
        </div>
        <fieldset>
          <legend>Format of the body</legend>
          <div class="choices">
            <label
              ><input
                type="radio"
                name="format"
                value="markdown"
                ${form.format === 'markdown' ? 'checked' : ''}
              />
              Markdown, in the announcement template</label
            >
            <label
              ><input type="radio" name="format" value="mjml" ${form.format === 'mjml' ? 'checked' : ''} /> A
              whole MJML document</label
            >
          </div>
        </fieldset>
        <div class="field">
          <label for="body">Body</label>
          <p class="hint" id="body-hint">
            Markdown: **bold**, [a link](https://…), lists, headings; scripts, images and links that are not
            http, https or mailto are removed. MJML: a whole &lt;mjml&gt; document; put {{&gt; footer}} in it
            for the unsubscribe link and postal address it must show.
          </p>
          ${fieldError('body', errors.body)}
          <textarea id="body" name="body" rows="16" spellcheck="true" aria-describedby="body-hint">
${form.body}</textarea>
        </div>
        <fieldset aria-describedby="audience-hint">
          <legend>Audience</legend>
          <p class="hint" id="audience-hint">
            Choose who gets it: nothing is sent to everyone unless you say so. Paused readers are never
            included.
          </p>
          ${fieldError('audience', errors.audience)} ${fieldError('topics', errors.topics)}
          <div class="choices">
            <label
              ><input
                type="radio"
                id="audience-everyone"
                name="audience"
                value="everyone"
                ${form.audience === 'everyone' ? 'checked' : ''}
              />
              Every confirmed reader</label
            >
            <label
              ><input
                type="radio"
                id="audience-topics"
                name="audience"
                value="topics"
                ${form.audience === 'topics' ? 'checked' : ''}
              />
              The followers of the topics ticked below</label
            >
          </div>
          <div class="audience-topics">
            ${view.topics.map(
              (topic) =>
                html`<label
                  ><input
                    type="checkbox"
                    id="topic-${topic.id}"
                    name="topics"
                    value="${topic.id}"
                    ${form.topics.has(topic.id) ? 'checked' : ''}
                  />
                  ${topic.label}</label
                >`,
            )}
          </div>
        </fieldset>
        <div class="field">
          <label for="id">Send id (optional)</label>
          <p class="hint" id="id-hint">
            Left empty, it is made from the subject and the content, so the same announcement is never sent
            twice. A send id never sends to anyone twice.
          </p>
          ${fieldError('id', errors.id)}
          <input
            type="text"
            id="id"
            name="id"
            maxlength="64"
            spellcheck="false"
            value="${form.id}"
            aria-describedby="id-hint"
          />
        </div>
        <div class="field">
          <label for="testTo">Test address</label>
          <p class="hint" id="test-hint">Send test mails this one address only, subject marked [TEST].</p>
          ${fieldError('testTo', errors.testTo)}
          <input
            type="text"
            inputmode="email"
            autocomplete="email"
            id="testTo"
            name="testTo"
            spellcheck="false"
            value="${form.testTo}"
            aria-describedby="test-hint"
          />
        </div>
        <fieldset aria-describedby="send-later-hint">
          <legend>Send later (optional)</legend>
          <p class="hint" id="send-later-hint">
            Leave empty to send when you confirm. A scheduled send can be cancelled from its page until it
            starts.
          </p>
          ${fieldError('sendAt', errors.sendAt)} ${fieldError('sendZone', errors.sendZone)}
          <div class="field">
            <label for="sendAt">Date and time</label>
            <input type="datetime-local" id="sendAt" name="sendAt" value="${form.sendAt}" />
          </div>
          <div class="field">
            <label for="sendZone">Time zone</label>
            <input
              type="text"
              id="sendZone"
              name="sendZone"
              spellcheck="false"
              value="${form.sendZone}"
              aria-describedby="zone-hint"
            />
            <p class="hint" id="zone-hint">A zone name such as UTC, Europe/Paris or America/New_York.</p>
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" name="action" value="preview" class="secondary">Preview</button>
          <button type="submit" name="action" value="test" class="secondary">Send test</button>
          <button type="submit" name="action" value="review">Review and send…</button>
        </div>
      </form>
    </div>
    ${view.composed && view.previewId ? previewCard(view.composed, view.previewId, labelsOf(view.topics)) : ''}`;
}

export interface ReviewView {
  readonly csrf: string;
  readonly form: ComposeForm;
  readonly composed: ComposedSend;
  readonly previewId: string;
  readonly topicLabels: Readonly<Record<string, string>>;
  readonly errors?: AdminFieldErrors;
}

/** The confirm step: what goes to how many, whether this very content was tested, and a box to tick. */
export function reviewPage(view: ReviewView) {
  const { composed, form, errors = {} } = view;
  const total = composed.audience.total;
  const readers = `${total.toLocaleString('en')} ${total === 1 ? 'reader' : 'readers'}`;
  const tested = lastTestOf(composed);
  const alreadySent = composed.existing?.status === 'queued';
  return html`<div class="card">
      <h1>Send this announcement?</h1>
      ${problems(errors)}
      <ul class="summary-list">
        <li><strong>Subject:</strong> ${composed.draft.content.subject}</li>
        <li>
          <strong>Audience:</strong> ${readers}
          ${
            composed.draft.topics.length > 0
              ? html`who follow
                ${composed.draft.topics.map((topic) => view.topicLabels[topic] ?? topic).join(' or ')}`
              : 'who confirmed their subscription (everyone)'
          }
        </li>
        <li><strong>Send id:</strong> <code>${composed.sendId}</code></li>
        ${
          form.sendAt
            ? html`<li>
                <strong>Scheduled for:</strong> ${form.sendAt.replace('T', ' ')} (${form.sendZone || 'UTC'})
              </li>`
            : ''
        }
      </ul>
      ${
        tested
          ? html`<div class="notice ok" role="status">
              This exact content was test-sent (to address id ${tested.toId.slice(0, 8)}) at
              ${tested.at.replace('T', ' ').slice(0, 16)} UTC.
            </div>`
          : html`<div class="notice warning" role="status">
              This content has not been test-sent yet. Consider sending yourself a test first.
            </div>`
      }
      ${
        alreadySent
          ? html`<div class="notice" role="status">
              This send id already went out: sending it again mails nobody who already has it.
            </div>`
          : ''
      }
      <form method="post" action="/admin/sends">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        ${hiddenDraft(form, composed.sendId)}
        <div class="confirm-box">
          ${fieldError('confirm', errors.confirm)}
          <label class="check" for="confirm"
            ><input type="checkbox" id="confirm" name="confirm" value="yes" required />
            <span
              >I checked the preview, and I want to send it to ${readers}
              ${form.sendAt ? 'at the time scheduled' : 'now'}.</span
            ></label
          >
          <div class="actions">
            <button type="submit" class="danger">
              ${form.sendAt ? `Schedule for ${readers}` : `Send to ${readers}`}
            </button>
            <button
              type="submit"
              class="secondary"
              formaction="/admin/compose"
              name="action"
              value="edit"
              formnovalidate
            >
              Back to editing
            </button>
          </div>
        </div>
      </form>
    </div>
    ${previewCard(composed, view.previewId, view.topicLabels)}`;
}

export function signInPage(options: { error?: string; notice?: string }) {
  return html`<div class="narrow">
    <div class="card">
      <h1>Sign in to the admin pages</h1>
      <p>
        Enter the admin token. Locally it is in <code>.data/admin-token</code> (or the
        <code>ADMIN_TOKEN</code> you set); <code>npm start</code> prints where.
      </p>
      ${options.error ? html`<div class="notice error" role="alert">${options.error}</div>` : ''}
      ${options.notice ? html`<div class="notice ok" role="status">${options.notice}</div>` : ''}
      <form method="post" action="/admin/sign-in">
        <div class="field">
          <label for="token">Admin token</label>
          <input
            type="password"
            id="token"
            name="token"
            required
            autocomplete="current-password"
            spellcheck="false"
          />
        </div>
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
    </div>
  </div>`;
}

/** The cloud's admin pages are reached with SigV4-signed requests only. */
export function iamRequiredPage() {
  return html`<div class="narrow">
    <div class="card">
      <h1>Admin access needs AWS credentials</h1>
      <p>
        The admin routes are behind API Gateway's IAM authorizer: sign each request with SigV4 as a principal
        that has the <code>AdminApiPolicyArn</code> policy (see docs/admin.md).
      </p>
    </div>
  </div>`;
}

function previewCard(composed: ComposedSend, previewId: string, labels: Readonly<Record<string, string>>) {
  return html`<div class="card">
    <h2>Preview</h2>
    ${audienceFigures(composed.audience, labels)}
    ${
      composed.removed.length > 0
        ? html`<div class="notice warning" role="status">
            Removed before sending:
            <ul>
              ${composed.removed.map((item) => html`<li>${item}</li>`)}
            </ul>
          </div>`
        : ''
    }
    <p><strong>Subject:</strong> ${composed.preview.subject}</p>
    ${previewFrame(previewId)}
  </div>`;
}

export function audienceFigures(audience: AudienceSummary, labels: Readonly<Record<string, string>>) {
  const topics = Object.entries(audience.byTopic).filter(([, count]) => (count ?? 0) > 0);
  return html`<ul class="figures" aria-label="Audience">
      <li><strong>${audience.total.toLocaleString('en')}</strong> readers in all</li>
      <li><strong>${audience.pausedLeftOut.toLocaleString('en')}</strong> paused, left out</li>
    </ul>
    ${
      topics.length > 0
        ? html`<p class="hint">
            Per topic (a reader who follows several counts in each):
            ${topics.map(([topic, count]) => `${labels[topic] ?? topic} ${count}`).join(' · ')}
          </p>`
        : ''
    }`;
}

function labelsOf(topics: readonly TopicOption[]): Record<string, string> {
  return Object.fromEntries(topics.map((topic) => [topic.id, topic.label]));
}

function hiddenDraft(form: ComposeForm, sendId: string) {
  return html`<input type="hidden" name="subject" value="${form.subject}" />
    <input type="hidden" name="format" value="${form.format}" />
    <input type="hidden" name="body" value="${form.body}" />
    <input type="hidden" name="id" value="${sendId}" />
    <input type="hidden" name="testTo" value="${form.testTo}" />
    ${
      form.sendAt
        ? html`<input type="hidden" name="sendAt" value="${form.sendAt}" />
            <input type="hidden" name="sendZone" value="${form.sendZone}" />`
        : ''
    }
    ${form.audience ? html`<input type="hidden" name="audience" value="${form.audience}" />` : ''}
    ${[...form.topics].map((topic) => html`<input type="hidden" name="topics" value="${topic}" />`)}`;
}

function lastTestOf(composed: ComposedSend): AdminTestRecord | undefined {
  return composed.existing?.tests.filter((test) => test.draftHash === composed.draftHash).at(-1);
}

function problems(errors: AdminFieldErrors) {
  return errorSummary(errors, { labels: FIELD_LABELS, anchors: { audience: 'audience-everyone' } });
}
