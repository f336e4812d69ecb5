import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeTagValue,
  encodeTagValue,
  LEDGER_TAG,
  ledgerKeyOfTags,
  ledgerTags,
  READER_TAG,
} from '../../functions/adapters/ses/ses-tags.ts';
import { announcementLedgerId } from '../../functions/core/announcements/announcement.ts';
import { testSubscriberIds } from '../../testkit/fakes.ts';

const SES_TAG_VALUE = /^[A-Za-z0-9_-]{0,256}$/;

describe('SES tags that name a ledger item', () => {
  it('keeps letters, digits and dashes, and escapes everything else, the underscore included', () => {
    expect(encodeTagValue('weekly-2026-W48')).toBe('weekly-2026-W48');
    expect(encodeTagValue('announcement-Ab_9')).toBe('announcement-Ab_5F9');
    expect(encodeTagValue('a.b c')).toBe('a_2Eb_20c');
    expect(encodeTagValue('é')).toBe('_C3_A9');
  });

  it('encodes a keyed subscriber id (base64url, with its underscores) within SES’s alphabet and back', () => {
    const subscriberId = testSubscriberIds.idFor('reader@example.org');
    const withUnderscore = `${subscriberId.slice(0, 10)}_${subscriberId.slice(11)}`;

    for (const id of [subscriberId, withUnderscore]) {
      const encoded = encodeTagValue(id)!;
      expect(encoded).toMatch(SES_TAG_VALUE);
      expect(decodeTagValue(encoded)).toBe(id);
    }
  });

  it('decodes back exactly what it encoded, for any string, and stays within SES’s alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
        const encoded = encodeTagValue(value);
        if (encoded === undefined) return;
        expect(encoded).toMatch(SES_TAG_VALUE);
        expect(decodeTagValue(encoded)).toBe(value);
      }),
    );
  });

  it('leaves off a value too long for SES rather than cut it (a cut value would name another item)', () => {
    expect(encodeTagValue('x'.repeat(256))).toBe('x'.repeat(256));
    expect(encodeTagValue('x'.repeat(257))).toBeUndefined();
    expect(encodeTagValue('_'.repeat(86))).toBeUndefined();
    expect(ledgerTags({ digestId: 'weekly-2026-W48', subscriberId: 'x'.repeat(300) })).toEqual([]);
  });

  it('refuses to decode what it could not have produced', () => {
    for (const value of ['a_2', 'a_zz', 'a_2e', 'a.b', '_41', '_FF', 'x'.repeat(257)]) {
      expect(decodeTagValue(value)).toBeUndefined();
    }
  });

  it('names the ledger item in two tags and reads it back from an event’s tags', () => {
    const key = {
      digestId: announcementLedgerId('send_2026-12-01'),
      subscriberId: testSubscriberIds.idFor('reader@example.org'),
    };

    const tags = ledgerTags(key);
    const asSesGivesThem = Object.fromEntries(tags.map((tag) => [tag.Name, [tag.Value]]));

    expect(tags.map((tag) => tag.Name)).toEqual([LEDGER_TAG, READER_TAG]);
    expect(ledgerKeyOfTags({ 'ses:configuration-set': ['digest-set'], ...asSesGivesThem })).toEqual(key);
    expect(ledgerKeyOfTags({ [LEDGER_TAG]: ['weekly-2026-W48'] })).toBeUndefined();
    expect(
      ledgerKeyOfTags({ [LEDGER_TAG]: ['weekly-2026-W48'], [READER_TAG]: ['not.valid'] }),
    ).toBeUndefined();
    expect(ledgerKeyOfTags(undefined)).toBeUndefined();
  });
});
