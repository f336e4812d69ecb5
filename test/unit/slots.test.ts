import { describe, expect, it } from 'vitest';
import { createSlots, fillSlotParts, fillSlots } from '../../functions/core/rendering/slots.ts';

// The sender compiles every group email and fills every reader's copy: searched without regular
// expressions' match objects and joined once (bench:digest), with the same results as before.
describe('slots', () => {
  const slots = createSlots('0123456789abcdef01');
  const manage = slots.token('manageUrl');
  const view = slots.token('viewUrl');

  it('cuts only at the slots asked for, every time each occurs, at the start and the end too', () => {
    const source = `${manage}<a href="${view}">x</a>${slots.token('why')}${manage}`;
    const compiled = slots.compile(source, ['manageUrl', 'viewUrl']);

    expect(compiled.slots).toEqual(['manageUrl', 'viewUrl', 'manageUrl']);
    expect(compiled.parts).toEqual(['', '<a href="', `">x</a>${slots.token('why')}`, '']);
  });

  it('leaves look-alike text alone: another nonce, or a token cut short', () => {
    const source = `zslot00000000000000000000manageUrlz ${manage.slice(0, -1)} ${manage}.`;
    const compiled = slots.compile(source, ['manageUrl']);

    expect(compiled.slots).toEqual(['manageUrl']);
    expect(fillSlots(compiled, { manageUrl: 'M' })).toBe(
      `zslot00000000000000000000manageUrlz ${manage.slice(0, -1)} M.`,
    );
  });

  it('fills to the same text as strings to join as it does in one string', () => {
    const compiled = slots.compile(`<p>${view}&${manage}</p>`, ['manageUrl', 'viewUrl']);
    const values = { manageUrl: 'https://x.example/?a=1&b="2"', viewUrl: '<view>' };
    const escape = (value: string) => value.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

    expect(fillSlotParts(compiled, values, escape).join('')).toBe(fillSlots(compiled, values, escape));
    expect(() => fillSlotParts(compiled, { manageUrl: 'only one' })).toThrow(/viewUrl/);
  });
});
