import { describe, expect, it } from 'vitest';
import { parseManageLinkRequest, parseSubscribe } from '../../functions/api/input.ts';
import { NON_ASCII_MAILBOX } from '../../functions/core/subscribers/email-address.ts';
import { emailSchema, subscriberIdFor } from '../../functions/core/subscribers/subscriber.ts';
import { ValidationError } from '../../functions/core/errors.ts';

/** Internationalised addresses: a domain in another script is accepted in its ASCII form. */
describe('an address with an internationalised domain', () => {
  it('is accepted with its domain in ASCII (punycode), the form DNS and SES deliver to', () => {
    expect(emailSchema.parse('ana@bücher.example')).toBe('ana@xn--bcher-kva.example');
    expect(emailSchema.parse(' Ana@Bücher.Example ')).toBe('Ana@xn--bcher-kva.example');
    expect(emailSchema.parse('info@例え.jp')).toBe('info@xn--r8jz45g.jp');
    expect(parseSubscribe({ email: 'ana@bücher.example', topics: ['car-t'] }).email).toBe(
      'ana@xn--bcher-kva.example',
    );
  });

  it('is one reader however the domain is spelled', () => {
    const unicode = emailSchema.parse('ana@bücher.example');

    expect(subscriberIdFor(unicode)).toBe(subscriberIdFor('ana@xn--bcher-kva.example'));
  });

  it('is refused, saying why, when the mailbox name before the @ is not ASCII', () => {
    const attempt = () => parseManageLinkRequest({ email: 'anä@example.org' });

    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(`email: ${NON_ASCII_MAILBOX}`);
    expect(emailSchema.safeParse('josé@bücher.example').success).toBe(false);
  });

  it('keeps refusing what is not an address at all', () => {
    for (const address of ['bücher.example', 'ana@', 'ana@bücher', 'ana @bücher.example']) {
      expect(emailSchema.safeParse(address).success, address).toBe(false);
    }
  });
});
