import { html, raw } from 'hono/html';
import type { DeliverySlot } from '../model/subscribers.ts';
import type { TopicId } from '../model/topics.ts';
import { COUNTRIES, countryName } from '../model/countries.ts';
import { aliasesOf, canonicalTimeZone, OFFERED_TIME_ZONES, UTC } from '../core/subscribers/time-zones.ts';

export interface TopicOption {
  readonly id: TopicId;
  readonly label: string;
  readonly description: string;
}

/** Problems with a submitted form, by field name ("email", "topics", "weekday", …). */
export type FieldErrors = Readonly<Partial<Record<string, string>>>;

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Where the error summary's link for a field goes: the first control of a group. */
const FIELD_ANCHORS: Readonly<Record<string, string>> = {
  email: 'email',
  topics: 'topic-car-t',
  weekday: 'weekday',
  hour: 'hour',
  timezone: 'timezone',
  country: 'country',
  confirm: 'confirm-erase',
};

const FIELD_LABELS: Readonly<Record<string, string>> = {
  email: 'Email address',
  topics: 'Topics',
  weekday: 'Day',
  hour: 'Time',
  timezone: 'Time zone',
  country: 'Country',
  confirm: 'Confirmation',
};

/**
 * The GOV.UK pattern: a focused summary at the top linking to each field with a problem. A form
 * with fields of its own (the admin's) passes their labels and anchors.
 */
export function errorSummary(
  errors: FieldErrors,
  fields: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly anchors?: Readonly<Record<string, string>>;
  } = {},
) {
  const labels = { ...FIELD_LABELS, ...fields.labels };
  const anchors = { ...FIELD_ANCHORS, ...fields.anchors };
  const entries = Object.entries(errors).filter(([, message]) => message);
  if (entries.length === 0) return '';
  // Focused on load (autofocus), so keyboard and screen-reader users start at the list of problems.
  return html`<div
    class="error-summary"
    role="alert"
    aria-labelledby="error-summary-title"
    tabindex="-1"
    autofocus
  >
    <h2 id="error-summary-title">There is a problem</h2>
    <ul>
      ${entries.map(
        ([field, message]) =>
          html`<li>
            <a href="#${anchors[field] ?? field}">${labels[field] ?? field}: ${message}</a>
          </li>`,
      )}
    </ul>
  </div>`;
}

/** A field's own error line, above its control (the control's aria-describedby may name `${id}-error`). */
export function fieldError(id: string, message: string | undefined) {
  return message ? html`<span class="field-error" id="${id}-error">Error: ${message}</span>` : '';
}

const invalid = (message: string | undefined) => (message ? raw(' aria-invalid="true"') : '');
const describedBy = (ids: (string | false | undefined)[]) => {
  const list = ids.filter(Boolean).join(' ');
  return list ? raw(` aria-describedby="${list}"`) : '';
};

/** The email field, with its hint and any error tied to it for screen readers. */
export function emailField(value: string, error: string | undefined, hint: string) {
  return html`<div class="field">
    <label for="email">Email address</label>
    <p class="hint" id="email-hint">${hint}</p>
    ${fieldError('email', error)}
    <input
      type="email"
      id="email"
      name="email"
      required
      maxlength="254"
      autocomplete="email"
      spellcheck="false"
      value="${value}"
      ${describedBy(['email-hint', error && 'email-error'])}${invalid(error)}
    />
  </div>`;
}

/** Topic checkboxes with their one-line descriptions; shared by subscribe and preferences. */
export function topicCheckboxes(topics: readonly TopicOption[], chosen: ReadonlySet<string>, error?: string) {
  return html`<fieldset aria-describedby="topics-hint${error ? ' topics-error' : ''}">
    <legend>Topics</legend>
    <p class="hint" id="topics-hint">Choose one or more. Each topic is a section of your weekly email.</p>
    ${fieldError('topics', error)}
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
            <span
              ><span class="name">${topic.label}</span
              ><span class="description">${topic.description}</span></span
            >
          </label>`,
      )}
    </div>
  </fieldset>`;
}

/** Weekday, hour and time zone. The zone defaults to the browser's when JavaScript runs, else UTC. */
export function deliveryFields(slot: DeliverySlot, errors: FieldErrors = {}) {
  return html`<fieldset>
    <legend>When should it arrive?</legend>
    <p class="hint" id="when-hint">One email a week, at this day and hour in your time zone.</p>
    <div class="when">
      <div class="field">
        <label for="weekday">Day</label>
        ${fieldError('weekday', errors.weekday)}
        <select id="weekday" name="weekday" ${describedBy(['when-hint', errors.weekday && 'weekday-error'])}>
          ${WEEKDAYS.map((day, index) => html`<option value="${index + 1}" ${slot.weekday === index + 1 ? 'selected' : ''}>${day}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="hour">Time</label>
        ${fieldError('hour', errors.hour)}
        <select id="hour" name="hour" ${describedBy(['when-hint', errors.hour && 'hour-error'])}>
          ${Array.from({ length: 24 }, (_, hour) => html`<option value="${hour}" ${slot.hour === hour ? 'selected' : ''}>${String(hour).padStart(2, '0')}:00</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="timezone">Time zone</label>
        ${fieldError('timezone', errors.timezone)}
        <select
          id="timezone"
          name="timezone"
          ${describedBy(['when-hint', 'timezone-hint', errors.timezone && 'timezone-error'])}
        >
          ${timeZoneOptions(slot.timeZone)}
        </select>
        <p class="hint" id="timezone-hint">Choose the city nearest you in the same time zone.</p>
      </div>
    </div>
  </fieldset>`;
}

/** Countries by their English name, built once (one collator, not one per comparison). */
const countriesByName = (() => {
  let sorted: (readonly [code: string, name: string])[] | undefined;
  return () => {
    if (sorted) return sorted;
    const collator = new Intl.Collator('en');
    sorted = [...COUNTRIES].sort(([, a], [, b]) => collator.compare(a, b));
    return sorted;
  };
})();

/**
 * The reader's country, optional: "Prefer not to say" first and chosen by default. Only for
 * trials (a card says "Recruiting in your country"); the hint says so, so nobody wonders why.
 */
export function countryField(current: string | undefined, error?: string) {
  const chosen = current && countryName(current) ? current : '';
  // prettier-ignore
  const option = (code: string, name: string) =>
    html`<option value="${code}"${code === chosen ? ' selected' : ''}>${name}</option>`;
  return html`<div class="field">
    <label for="country">Country (optional)</label>
    <p class="hint" id="country-hint">
      Only to tell you when a clinical trial in your digest is recruiting in your country. We keep the
      country, nothing more precise.
    </p>
    ${fieldError('country', error)}
    <select
      id="country"
      name="country"
      ${describedBy(['country-hint', error && 'country-error'])}${invalid(error)}
    >
      ${option('', 'Prefer not to say')}${countriesByName().map(([code, name]) => option(code, name))}
    </select>
  </div>`;
}

/** "Monday at 08:00 (Europe/Lisbon)". */
export function describeSlot(slot: DeliverySlot): string {
  const day = WEEKDAYS[slot.weekday - 1] ?? `day ${slot.weekday}`;
  return `${day} at ${String(slot.hour).padStart(2, '0')}:00 (${slot.timeZone.replace(/_/g, ' ')})`;
}

/** How the picker names the oceans and continents of IANA ids (their first part). */
const REGION_LABELS: Readonly<Record<string, string>> = {
  Africa: 'Africa',
  America: 'Americas',
  Antarctica: 'Antarctica',
  Arctic: 'Arctic',
  Asia: 'Asia',
  Atlantic: 'Atlantic Ocean',
  Australia: 'Australia',
  Europe: 'Europe',
  Indian: 'Indian Ocean',
  Pacific: 'Pacific Ocean',
};

/**
 * The place an IANA id names, as people write it.
 * @example zoneCity('America/New_York') // 'New York'
 * @example zoneCity('America/Argentina/Buenos_Aires') // 'Buenos Aires (Argentina)'
 */
export function zoneCity(zone: string): string {
  const [, ...places] = zone.split('/').map((part) => part.replace(/_/g, ' '));
  const city = places.at(-1) ?? zone;
  return places.length > 1 ? `${city} (${places.slice(0, -1).join(', ')})` : city;
}

interface ZoneGroup {
  readonly region: string;
  readonly zones: readonly { readonly zone: string; readonly city: string; readonly aliases: string }[];
}

/** UTC, then one group per region with its cities in alphabetical order; built once. */
const zoneGroups = (() => {
  let groups: ZoneGroup[] | undefined;
  return (): ZoneGroup[] => {
    if (groups) return groups;
    const byRegion = new Map<string, { zone: string; city: string; aliases: string }[]>();
    for (const zone of OFFERED_TIME_ZONES) {
      if (zone === UTC) continue;
      const region = REGION_LABELS[zone.split('/')[0]!] ?? zone.split('/')[0]!;
      const entries = byRegion.get(region) ?? [];
      entries.push({ zone, city: zoneCity(zone), aliases: aliasesOf(zone).join(' ') });
      byRegion.set(region, entries);
    }
    // IANA names are plain ASCII, so code-unit order is alphabetical and needs no ICU collator
    // (localeCompare with a locale builds one per comparison: a tenth of a second per page).
    const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    groups = [...byRegion]
      .sort(([a], [b]) => byText(a, b))
      .map(([region, zones]) => ({ region, zones: zones.sort((a, b) => byText(a.city, b.city)) }));
    return groups;
  };
})();

/**
 * The options of the zone picker. Each carries the zone's older names (data-aliases), so the
 * browser's zone is found when its ICU still says `Europe/Kiev`. A saved zone that is no longer
 * accepted (`system`, from before zones were checked) is shown first, so the reader sees it and
 * chooses a real one.
 */
function timeZoneOptions(current: string) {
  const selected = canonicalTimeZone(current);
  // One line per option, as the other pickers: some 420 of them, so every byte counts 420 times.
  // prettier-ignore
  const option = (zone: string, label: string, aliases: string) =>
    html`<option value="${zone}"${aliases ? html` data-aliases="${aliases}"` : ''}${zone === selected ? ' selected' : ''}>${label}</option>`;
  const unusable =
    selected === undefined
      ? html`<option value="${current}" selected>${current} (not a time zone we know: choose yours)</option>`
      : '';
  return html`${unusable}${option(UTC, 'UTC', aliasesOf(UTC).join(' '))}${zoneGroups().map(
    (group) =>
      html`<optgroup label="${group.region}">
        ${group.zones.map((entry) => option(entry.zone, entry.city, entry.aliases))}
      </optgroup>`,
  )}`;
}

/**
 * Picks the browser's time zone on a fresh subscribe form, found by its name or one of its older
 * names (a browser may still say `Asia/Calcutta`). Saved choices are never touched; without
 * JavaScript the default stays.
 */
export const BROWSER_ZONE_SCRIPT = `
(function () {
  var select = document.getElementById('timezone');
  if (!select) return;
  try {
    var zone = ' ' + Intl.DateTimeFormat().resolvedOptions().timeZone.toLowerCase() + ' ';
    for (var i = 0; i < select.options.length; i++) {
      var option = select.options[i];
      var names = ' ' + (option.value + ' ' + (option.getAttribute('data-aliases') || '')).toLowerCase() + ' ';
      if (names.indexOf(zone) !== -1) { select.value = option.value; break; }
    }
  } catch (e) {}
})()`;
