import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import {
  aliasesOf,
  canonicalTimeZone,
  OFFERED_TIME_ZONES,
  timeZoneSchema,
  UNKNOWN_TIME_ZONE_MESSAGE,
} from '../../functions/core/subscribers/time-zones.ts';
import { REGION_TIME_ZONES, TIME_ZONE_ALIASES } from '../../functions/core/subscribers/time-zone-names.ts';
import { isKnownTimeZone, slotHasPassed, weeklyDigestId } from '../../functions/core/digest/schedule.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset from UTC at an instant, as this runtime's ICU computes it ("GMT+02:00"). */
const offsetAt = (zone: string, at: Date) => {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, formatter);
  }
  return formatter.formatToParts(at).find((part) => part.type === 'timeZoneName')!.value;
};

/** Winter, summer and the weeks around the clock changes, north and south, over three years. */
const SAMPLE_INSTANTS = [2025, 2026, 2027].flatMap((year) =>
  ['01-15', '03-20', '04-10', '07-15', '10-05', '10-30', '11-10'].map(
    (day) => new Date(`${year}-${day}T12:00:00Z`),
  ),
);

describe('the time zones a reader can choose', () => {
  it('offers the current IANA names of the places people live, and UTC', () => {
    const offered = OFFERED_TIME_ZONES;

    expect(offered[0]).toBe('UTC');
    expect(offered).toEqual(expect.arrayContaining(['Europe/Kyiv', 'Asia/Kolkata', 'America/New_York']));
    expect(offered).not.toEqual(expect.arrayContaining(['Europe/Kiev']));
    for (const legacy of ['Europe/Kiev', 'Asia/Calcutta', 'Asia/Saigon', 'US/Eastern', 'Etc/UTC', 'GMT']) {
      expect(offered).not.toContain(legacy);
    }
    expect(offered.filter((zone) => zone !== 'UTC' && !/^[A-Z][a-z]+\/[A-Za-z_/-]+$/.test(zone))).toEqual([]);
  });

  it.each([
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['UTC', 'UTC'],
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['Asia/Calcutta', 'Asia/Kolkata'],
    ['US/Eastern', 'America/New_York'],
    ['America/Montreal', 'America/Toronto'],
    ['Etc/UTC', 'UTC'],
    ['GMT', 'UTC'],
    ['europe/lisbon', 'Europe/Lisbon'],
    ['  Asia/Tokyo ', 'Asia/Tokyo'],
  ])('keeps %j as %j', (submitted, kept) => {
    expect(canonicalTimeZone(submitted)).toBe(kept);
    expect(timeZoneSchema.parse(submitted)).toBe(kept);
  });

  it.each([
    'UTC-99',
    'UTC+5',
    'system',
    'local',
    'Etc/GMT+5',
    'Etc/GMT-14',
    'Factory',
    'Mars/Olympus_Mons',
    '',
    'x'.repeat(65),
  ])('refuses %j with a message for the field', (submitted) => {
    expect(canonicalTimeZone(submitted)).toBeUndefined();
    const parsed = timeZoneSchema.safeParse(submitted);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([UNKNOWN_TIME_ZONE_MESSAGE]);
  });

  it('gives each zone its older names, for finding the browser’s zone', () => {
    expect(aliasesOf('Europe/Kyiv')).toContain('Europe/Kiev');
    expect(aliasesOf('Asia/Kolkata')).toContain('Asia/Calcutta');
    expect(aliasesOf('UTC')).toEqual(expect.arrayContaining(['Etc/UTC', 'GMT']));
    expect(aliasesOf('Europe/Lisbon')).toEqual(expect.arrayContaining(['Portugal']));
  });
});

describe('the list in the repository, checked against this runtime', () => {
  it('has every offered zone known to this runtime, so the planner can compute its slot', () => {
    const unknown = ['UTC', ...REGION_TIME_ZONES].filter((zone) => !DateTime.now().setZone(zone).isValid);

    expect(unknown).toEqual([]);
    expect(OFFERED_TIME_ZONES).toHaveLength(REGION_TIME_ZONES.length + 1);
  });

  it('maps every older name to a zone with the same clock, summer and winter', () => {
    const mismatches = Object.entries(TIME_ZONE_ALIASES).flatMap(([alias, zone]) =>
      SAMPLE_INSTANTS.filter((at) => offsetAt(alias, at) !== offsetAt(zone, at)).map(
        (at) => `${alias} → ${zone} at ${at.toISOString()}`,
      ),
    );

    expect(mismatches).toEqual([]);
    expect(Object.values(TIME_ZONE_ALIASES).filter((zone) => !OFFERED_TIME_ZONES.includes(zone))).toEqual([]);
  });

  it('accounts for every zone this runtime’s ICU lists: offered, an older name, or an offset refused', () => {
    const unaccounted = Intl.supportedValuesOf('timeZone').filter(
      (zone) => canonicalTimeZone(zone) === undefined && !/^Etc\/GMT[+-]\d+$/.test(zone),
    );

    expect(unaccounted).toEqual([]);
  });
});

describe('readers stored before zones were checked', () => {
  it('are still planned: an older name computes the same week and slot as the current one', () => {
    const kiev = { weekday: 1, hour: 8, timeZone: 'Europe/Kiev' };
    const kyiv = { ...kiev, timeZone: 'Europe/Kyiv' };

    for (const at of SAMPLE_INSTANTS) {
      expect(weeklyDigestId(kiev, at)).toBe(weeklyDigestId(kyiv, at));
      expect(slotHasPassed(kiev, at)).toBe(slotHasPassed(kyiv, at));
    }
    expect(isKnownTimeZone('Europe/Kiev')).toBe(true);
    expect(isKnownTimeZone('Europe/Kyiv')).toBe(true);
    expect(isKnownTimeZone('system')).toBe(false);
  });
});
