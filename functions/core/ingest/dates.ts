/**
 * Feed dates come in every shape. The rule that matters: a time without a zone is UTC, never the
 * machine's zone, so the same feed gives the same instants on a laptop in Lisbon and a Lambda in
 * Virginia. Unparseable, ambiguous (03/04/2026: March or April?) or absent dates return undefined
 * and the caller uses the first-seen time.
 */

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

// "2020/1/10 14:33:00": year first is unambiguous; day-first and month-first slashes are not.
const YEAR_FIRST_SLASH_PATTERN = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

const NAMED_ZONES: Record<string, string> = {
  UT: '+0000',
  UTC: '+0000',
  GMT: '+0000',
  Z: '+0000',
  WET: '+0000',
  EST: '-0500',
  EDT: '-0400',
  CST: '-0600',
  CDT: '-0500',
  MST: '-0700',
  MDT: '-0600',
  PST: '-0800',
  PDT: '-0700',
  AKST: '-0900',
  AKDT: '-0800',
  HST: '-1000',
  BST: '+0100',
  CET: '+0100',
  CEST: '+0200',
  MET: '+0100',
  MEST: '+0200',
  EET: '+0200',
  EEST: '+0300',
  JST: '+0900',
  KST: '+0900',
  HKT: '+0800',
  SGT: '+0800',
  AEST: '+1000',
  AEDT: '+1100',
  ACST: '+0930',
  AWST: '+0800',
  NZST: '+1200',
  NZDT: '+1300',
};

/** Month abbreviations in English and in the languages legacy European feeds use. */
const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  // Portuguese, Spanish, Italian, French, German, Dutch (where they differ from English).
  fev: 2,
  fév: 2,
  abr: 4,
  avr: 4,
  mai: 5,
  mei: 5,
  mag: 5,
  juin: 6,
  juil: 7,
  giu: 6,
  lug: 7,
  ago: 8,
  aoû: 8,
  set: 9,
  out: 10,
  okt: 10,
  ott: 10,
  dez: 12,
  dic: 12,
  déc: 12,
  ene: 1,
  gen: 1,
  jän: 1,
  mär: 3,
  mrz: 3,
  maa: 3,
};

const ZONE = String.raw`(?:\s*([a-z]{1,5}|[+-]\d{4}|[+-]\d{2}:\d{2}))?`;

// "Wed, 5 Nov 2025 13:52:10  EST", "05 Nov 2025 13:52 +0100", "5 Nov 2025", "Seg, 24 Set 2018 19:42:40 -0300"
const DAY_FIRST_PATTERN = new RegExp(
  String.raw`^(?:\p{L}{2,}[,.]?\s+)?(\d{1,2})\s+(\p{L}{3,})\.?,?\s+(\d{2,4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?${ZONE}$`,
  'iu',
);

// "November 17, 2026", "Nov 17, 2026 3:05 PM EST", "Tue Nov 17 2026 12:00:00 GMT"
const MONTH_FIRST_PATTERN = new RegExp(
  String.raw`^(?:\p{L}{2,}[,.]?\s+)?(\p{L}{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?${ZONE}$`,
  'iu',
);

/**
 * Parses an RSS/Atom/DC date into an instant; returns undefined rather than guessing.
 *
 * @example parseFeedDate('Tue, 17 Nov 2026 08:00:00') // 2026-11-17T08:00:00Z (no zone: UTC)
 */
export function parseFeedDate(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '' || text.length > 80) return undefined;

  const iso = ISO_PATTERN.exec(text);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = iso;
    return fromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), frac, zone);
  }

  const slash = YEAR_FIRST_SLASH_PATTERN.exec(text);
  if (slash) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = slash;
    return fromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), '', undefined);
  }

  const dayFirst = DAY_FIRST_PATTERN.exec(text);
  if (dayFirst) {
    const [, d, monthName, yearText, h = '0', mi = '0', s = '0', zone] = dayFirst;
    const month = monthNumber(monthName!);
    if (!month) return undefined;
    return fromParts(fullYear(yearText!), month, Number(d), Number(h), Number(mi), Number(s), '', zone);
  }

  const monthFirst = MONTH_FIRST_PATTERN.exec(text);
  if (monthFirst) {
    const [, monthName, d, y, h = '0', mi = '0', s = '0', meridiem, zone] = monthFirst;
    const month = monthNumber(monthName!);
    if (!month) return undefined;
    let hour = Number(h);
    if (meridiem) {
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
    }
    return fromParts(Number(y), month, Number(d), hour, Number(mi), Number(s), '', zone);
  }
  return undefined;
}

function monthNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  return MONTHS[lower.slice(0, 4)] ?? MONTHS[lower.slice(0, 3)];
}

function fullYear(text: string): number {
  const year = Number(text);
  if (text.length === 2) return year + (year < 50 ? 2000 : 1900);
  return year;
}

/** Builds the instant, refusing out-of-range fields (Date would roll 31 Feb into March). */
function fromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string,
  zone: string | undefined,
): Date | undefined {
  const offsetMinutes = zoneOffsetMinutes(zone);
  if (offsetMinutes === undefined) return undefined;
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 24 || minute > 59 || second > 60) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const check = new Date(utc);
  if (check.getUTCDate() !== day && hour !== 24) return undefined;
  const milliseconds = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
  return new Date(utc + milliseconds - offsetMinutes * 60_000);
}

/** Minutes east of UTC; no zone at all means UTC; an unknown zone name is undefined. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return 0;
  const numeric = NAMED_ZONES[zone.toUpperCase()] ?? zone;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(numeric);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  if (minutes > 14 * 60) return undefined;
  return match[1] === '-' ? -minutes : minutes;
}
