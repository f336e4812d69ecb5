/**
 * Feed dates come in every shape. The rule that matters: a time without a zone is UTC, never the
 * machine's zone, so the same feed gives the same instants on a laptop in Lisbon and a Lambda in
 * Virginia. Unparseable or absent dates return undefined and the caller uses the first-seen time.
 */

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

const NAMED_ZONES: Record<string, string> = {
  UT: '+0000',
  UTC: '+0000',
  GMT: '+0000',
  Z: '+0000',
  EST: '-0500',
  EDT: '-0400',
  CST: '-0600',
  CDT: '-0500',
  MST: '-0700',
  MDT: '-0600',
  PST: '-0800',
  PDT: '-0700',
  BST: '+0100',
  CET: '+0100',
  CEST: '+0200',
};

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
  oct: 10,
  nov: 11,
  dec: 12,
};

// "Wed, 5 Nov 2025 13:52:10  EST", "05 Nov 2025 13:52 +0100", "5 Nov 2025"
const RFC822_PATTERN =
  /^(?:[a-z]{2,}[,.]?\s+)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s+([a-z]{1,5}|[+-]\d{4}|[+-]\d{2}:\d{2}))?$/i;

/** Parses an RSS/Atom/DC date; returns undefined rather than guessing. */
export function parseFeedDate(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;

  const iso = ISO_PATTERN.exec(text);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = iso;
    const offset =
      zone === undefined || zone.toUpperCase() === 'Z'
        ? 'Z'
        : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    return validDate(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${offset}`);
  }

  const rfc = RFC822_PATTERN.exec(text);
  if (rfc) {
    const [, d, monthName, yearText, h = '00', mi = '00', s = '00', zoneText] = rfc;
    const month = MONTHS[monthName!.toLowerCase()];
    if (!month) return undefined;
    let year = Number(yearText);
    if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
    const zone = zoneText === undefined ? '+0000' : (NAMED_ZONES[zoneText.toUpperCase()] ?? zoneText);
    if (!/^[+-]\d{2}:?\d{2}$/.test(zone)) return undefined;
    const offset = zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    return validDate(
      `${String(year).padStart(4, '0')}-${pad(month)}-${pad(Number(d))}T${pad(Number(h))}:${mi}:${s}${offset}`,
    );
  }
  return undefined;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function validDate(isoText: string): Date | undefined {
  const date = new Date(isoText);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
