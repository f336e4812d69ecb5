import { html } from 'hono/html';
import type { DeliverySlot } from '../core/model.ts';
import type { TopicId } from '../core/topics.ts';

export interface TopicOption {
  readonly id: TopicId;
  readonly label: string;
  readonly description: string;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Topic checkboxes with their one-line descriptions; shared by subscribe and preferences. */
export function topicCheckboxes(topics: readonly TopicOption[], chosen: ReadonlySet<string>) {
  return html`<fieldset>
    <legend>Topics</legend>
    <div class="topics">
      ${topics.map(
        (topic) =>
          html`<label class="topic" for="topic-${topic.id}">
            <input
              type="checkbox"
              id="topic-${topic.id}"
              name="topics"
              value="${topic.id}"
              ${chosen.has(topic.id) ? 'checked' : ''}
            />
            <span><strong>${topic.label}</strong><span>${topic.description}</span></span>
          </label>`,
      )}
    </div>
  </fieldset>`;
}

/** Weekday, hour and time zone. The zone defaults to the browser's when JavaScript runs, else UTC. */
export function deliveryFields(slot: DeliverySlot) {
  return html`<fieldset>
    <legend>When should your digest arrive?</legend>
    <div class="when">
      <label for="weekday"
        >Day
        <select id="weekday" name="weekday">
          ${WEEKDAYS.map((day, index) => html`<option value="${index + 1}" ${slot.weekday === index + 1 ? 'selected' : ''}>${day}</option>`)}
        </select>
      </label>
      <label for="hour"
        >Time
        <select id="hour" name="hour">
          ${Array.from({ length: 24 }, (_, hour) => html`<option value="${hour}" ${slot.hour === hour ? 'selected' : ''}>${String(hour).padStart(2, '0')}:00</option>`)}
        </select>
      </label>
    </div>
    <label for="timezone"
      >Time zone
      <select id="timezone" name="timezone" data-current="${slot.timeZone}">
        ${timeZones(slot.timeZone).map((zone) => html`<option value="${zone}" ${zone === slot.timeZone ? 'selected' : ''}>${zone.replace(/_/g, ' ')}</option>`)}
      </select>
    </label>
  </fieldset>`;
}

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...zones])];
}

/** Picks the browser's zone on a fresh form; a saved choice is left alone. */
export const BROWSER_ZONE_SCRIPT = `
(function () {
  var select = document.getElementById('timezone');
  if (!select || select.getAttribute('data-keep') === 'true') return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === zone) { select.value = zone; break; }
  } catch (e) {}
})();`;
