import { countryCodeOf, countryName } from '../../../model/countries.ts';
import { isTopicId, TOPIC_IDS, type TopicId } from '../../../model/topics.ts';
import { canonicalTimeZone } from '../time-zones.ts';
import { emailSchema } from '../subscriber.ts';

/**
 * How the columns of another tool's export are read, by name (never by position): which column
 * holds the address, the time of consent, the topics, the time zone, the reader's country (our own
 * export and a plain CSV only), and whether the source itself says the address left or bounced.
 * Header names are matched without case or spaces.
 */

export type SourceTool = 'mailchimp' | 'buttondown' | 'listmonk' | 'immuno-digest' | 'csv';

/** What the source tool says of an address: only `subscribed` rows can be imported. */
export type SourceStatus = 'subscribed' | 'unconfirmed' | 'unsubscribed' | 'bounced' | 'complained';

export interface ColumnMap {
  readonly tool: SourceTool;
  readonly email: string;
  /** Columns with the time of consent, first filled one wins. */
  readonly consentAt: readonly string[];
  readonly consentIp: readonly string[];
  /** Columns whose values are topics (ids or labels), tags, lists or groups. */
  readonly topics: readonly string[];
  /** A JSON column whose `topics`, `tags` or `lists` key holds topics (listmonk's attributes). */
  readonly topicsInJson?: string;
  readonly timeZone?: string;
  /** A column with the country the reader chose (ISO 3166-1 alpha-2, or a country's name). */
  readonly country?: string;
  readonly status: (record: Readonly<Record<string, string>>) => SourceStatus;
}

const key = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

function finder(headers: readonly string[]) {
  const byKey = new Map(headers.map((header) => [key(header), header]));
  return {
    has: (...names: string[]) => names.every((name) => byKey.has(key(name))),
    first: (...names: string[]) => names.map((name) => byKey.get(key(name))).find((h) => h !== undefined),
    all: (...names: string[]) =>
      names.map((name) => byKey.get(key(name))).filter((h): h is string => h !== undefined),
  };
}

const value = (record: Readonly<Record<string, string>>, column: string | undefined) =>
  column === undefined ? '' : (record[column] ?? '').trim();

/** The columns of a header row, or the reason it cannot be read (no address column). */
export function mapColumns(headers: readonly string[]): ColumnMap | { readonly problem: string } {
  const find = finder(headers);
  const topicColumns = find.all('topics', 'interests', 'groups', 'lists');

  // Mailchimp's audience export: one file per status (subscribed, unsubscribed, cleaned), each
  // with "Email Address", OPTIN_TIME/CONFIRM_TIME (UTC, "YYYY-MM-DD HH:MM:SS"), TIMEZONE and TAGS.
  // No country is read from it: its CC (with REGION, LATITUDE, LONGITUDE) is Mailchimp's guess
  // from the reader's IP, not a country the reader chose, and a trial "recruiting in your country"
  // must rest on the reader's own word. They can choose one in the preference centre.
  if (find.has('email address') && (find.has('confirm_time') || find.has('optin_time') || find.has('leid'))) {
    const unsubTime = find.first('unsub_time');
    const cleanTime = find.first('clean_time');
    return {
      tool: 'mailchimp',
      email: find.first('email address')!,
      consentAt: find.all('confirm_time', 'optin_time'),
      consentIp: find.all('confirm_ip', 'optin_ip'),
      topics: [...find.all('tags'), ...topicColumns],
      ...(find.first('timezone') ? { timeZone: find.first('timezone')! } : {}),
      status: (record) =>
        value(record, cleanTime)
          ? 'bounced'
          : value(record, unsubTime)
            ? 'unsubscribed'
            : value(record, find.first('confirm_time'))
              ? 'subscribed'
              : 'unconfirmed',
    };
  }

  // Buttondown's subscriber export: email, creation_date, subscriber_type (regular, premium,
  // unactivated, unsubscribed, undeliverable, …), tags.
  if (find.has('subscriber_type') || (find.first('email', 'email_address') && find.has('creation_date'))) {
    const type = find.first('subscriber_type', 'type');
    return {
      tool: 'buttondown',
      email: find.first('email', 'email_address')!,
      consentAt: find.all('creation_date'),
      consentIp: find.all('ip_address'),
      topics: [...find.all('tags'), ...topicColumns],
      status: (record) => buttondownStatus(value(record, type).toLowerCase()),
    };
  }

  // listmonk's subscriber export: uuid, email, name, attributes (JSON), status (enabled,
  // disabled, blocklisted), created_at, updated_at. It holds no list subscriptions and no opt-in
  // time: its readers come in as pending unless the file has a consent column.
  if (find.has('uuid', 'email', 'attributes', 'status')) {
    const status = find.first('status');
    return {
      tool: 'listmonk',
      email: find.first('email')!,
      consentAt: find.all('consent_at', 'optin_time', 'confirmed_at'),
      consentIp: [],
      topics: [...find.all('tags'), ...topicColumns],
      topicsInJson: find.first('attributes')!,
      status: (record) =>
        value(record, status).toLowerCase() === 'blocklisted' ? 'unsubscribed' : 'subscribed',
    };
  }

  // This product's own export (subscribers export), and any CSV with an email column.
  const email = find.first('email', 'e-mail', 'email address', 'email_address');
  if (!email) return { problem: 'no email column (looked for "email", "Email Address", "email_address")' };
  const own = find.has('consent_wording_version');
  const timeZone = find.first('zone', 'timezone', 'time_zone');
  const country = find.first('country', 'country_code');
  return {
    tool: own ? 'immuno-digest' : 'csv',
    email,
    consentAt: find.all('consent_at', 'consent_time', 'optin_time', 'confirmed_at'),
    consentIp: find.all('consent_ip', 'optin_ip'),
    topics: [...find.all('tags'), ...topicColumns],
    ...(timeZone ? { timeZone } : {}),
    ...(country ? { country } : {}),
    status: () => 'subscribed',
  };
}

function buttondownStatus(type: string): SourceStatus {
  if (type === '' || type === 'regular' || type === 'premium' || type === 'gifted' || type === 'trialed')
    return 'subscribed';
  if (type === 'unactivated' || type === 'unpaid') return 'unconfirmed';
  if (type === 'undeliverable') return 'bounced';
  if (type === 'spammy') return 'complained';
  // unsubscribed, removed, churned, paused, blocked and anything new: not a reader to add.
  return 'unsubscribed';
}

/** One row as the import reads it. */
export type ImportRow =
  | { readonly kind: 'invalid'; readonly line: number; readonly problem: string }
  | {
      readonly kind: 'reader';
      readonly line: number;
      readonly email: string;
      readonly topics: readonly TopicId[];
      readonly unknownTopics: readonly string[];
      readonly consentAt?: string;
      readonly consentIp?: string;
      readonly timeZone?: string;
      /** The reader's country, an ISO 3166-1 alpha-2 code. */
      readonly country?: string;
      /** A country cell that is no country we know: the reader comes in without one, with a warning. */
      readonly unknownCountry?: string;
      readonly sourceStatus: SourceStatus;
    };

/** How topic names of other tools become topic ids: by id or by label, without case or punctuation. */
export function topicMatcher(
  labels: Readonly<Record<TopicId, string>>,
): (name: string) => TopicId | undefined {
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');
  const byName = new Map<string, TopicId>();
  for (const id of TOPIC_IDS) {
    byName.set(squash(id), id);
    byName.set(squash(labels[id] ?? id), id);
  }
  return (name) => (isTopicId(name) ? name : byName.get(squash(name)));
}

/** Splits a tags cell: `a, b`, `a;b`, `["a","b"]` (Buttondown), `"a","b"` (Mailchimp's TAGS). */
export function splitNames(cell: string): string[] {
  const trimmed = cell.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(String).filter((name) => name.trim() !== '');
    } catch {
      // Not JSON after all (Python's ['a', 'b'] repr): read it as a list below.
    }
  }
  return trimmed
    .replace(/^\[|\]$/g, '')
    .split(/[,;|]/)
    .map((name) =>
      name
        .trim()
        .replace(/^["']|["']$/g, '')
        .trim(),
    )
    .filter((name) => name !== '');
}

function namesInJson(cell: string): string[] {
  if (cell.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(cell);
    if (!parsed || typeof parsed !== 'object') return [];
    const record = parsed as Record<string, unknown>;
    return ['topics', 'tags', 'lists']
      .flatMap((name) => {
        const found = record[name];
        return Array.isArray(found) ? found.map(String) : typeof found === 'string' ? splitNames(found) : [];
      })
      .filter((name) => name.trim() !== '');
  } catch {
    return [];
  }
}

/**
 * A consent time as the tools write it: ISO-8601, or Mailchimp's "YYYY-MM-DD HH:MM:SS" in UTC.
 * Undefined when missing, unreadable, or after `now` (a consent cannot come from the future).
 */
export function readConsentTime(cell: string, now: Date): string | undefined {
  const text = cell.trim();
  if (text === '') return undefined;
  const isoLike = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
    ? `${text.replace(' ', 'T')}Z`
    : text;
  const time = Date.parse(isoLike);
  if (!Number.isFinite(time) || time > now.getTime() || time < Date.UTC(1995, 0, 1)) return undefined;
  return new Date(time).toISOString();
}

/**
 * A country cell: an ISO 3166-1 alpha-2 code in any case (our export writes those), or a name as
 * registries and spreadsheets write it ("France", "Korea, Republic of", "UK"). Spread into a row:
 * `{ country }` for one we know, `{ unknownCountry }` (the cell, cut short) for one we do not, `{}`
 * for an empty cell.
 *
 * @example readCountry('fr') // { country: 'FR' }
 */
export function readCountry(cell: string): { country?: string; unknownCountry?: string } {
  const text = cell.trim();
  if (text === '') return {};
  const code = text.toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && countryName(code) !== undefined) return { country: code };
  const named = countryCodeOf(text);
  return named ? { country: named } : { unknownCountry: text.slice(0, 40) };
}

/** Reads one record into a reader to import, or says why it cannot be. */
export function readImportRow(
  record: Readonly<Record<string, string>>,
  line: number,
  columns: ColumnMap,
  matchTopic: (name: string) => TopicId | undefined,
  now: Date,
): ImportRow {
  const cell = value(record, columns.email);
  if (cell === '') return { kind: 'invalid', line, problem: 'no email address' };
  // The sign-up form's own rule: what it would refuse, an import refuses too.
  const reading = emailSchema.safeParse(cell);
  if (!reading.success)
    return {
      kind: 'invalid',
      line,
      problem: `"${cell.slice(0, 80)}": ${reading.error.issues[0]?.message ?? 'not an email address'}`,
    };
  const email = reading.data;
  const names = [
    ...columns.topics.flatMap((column) => splitNames(value(record, column))),
    ...(columns.topicsInJson ? namesInJson(value(record, columns.topicsInJson)) : []),
  ];
  const topics = new Set<TopicId>();
  const unknownTopics = new Set<string>();
  for (const name of names) {
    const topic = matchTopic(name);
    if (topic) topics.add(topic);
    else unknownTopics.add(name);
  }
  const consentAt = columns.consentAt
    .map((column) => readConsentTime(value(record, column), now))
    .find(Boolean);
  const consentIp = columns.consentIp.map((column) => value(record, column)).find((ip) => ip !== '');
  const zone = value(record, columns.timeZone);
  return {
    kind: 'reader',
    line,
    email,
    topics: TOPIC_IDS.filter((id) => topics.has(id)),
    unknownTopics: [...unknownTopics],
    ...(consentAt ? { consentAt } : {}),
    ...(consentIp ? { consentIp } : {}),
    ...(zone && canonicalTimeZone(zone) ? { timeZone: canonicalTimeZone(zone)! } : {}),
    ...(columns.country ? readCountry(value(record, columns.country)) : {}),
    sourceStatus: columns.status(record),
  };
}
