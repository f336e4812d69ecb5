import { domainToASCII } from 'node:url';

/**
 * Internationalised addresses (IDN). A domain in another script (`ana@bücher.example`) is
 * accepted and kept in its ASCII form (`ana@xn--bcher-kva.example`): that is the form DNS and SES
 * deliver to, and one mailbox spelled either way is one reader, with one subscriber id. A mailbox
 * name (the part before the @) outside ASCII (`anä@example.org`) needs SMTPUTF8 end to end, which
 * SES does not offer, so it is refused with a message that says so rather than failing at send.
 */

export type AddressReading =
  { readonly ok: true; readonly address: string } | { readonly ok: false; readonly problem: string };

/** The message a person sees for a mailbox name outside ASCII. */
export const NON_ASCII_MAILBOX =
  'the part before the @ must be plain letters, digits and punctuation (a-z, 0-9, . _ + -): our mail service cannot deliver to a mailbox name in another script';

/**
 * The address with its domain in ASCII (punycode); unchanged when it is ASCII already or has no @
 * (the email check that follows refuses that).
 *
 * @example asciiAddress('ana@Bücher.example') // { ok: true, address: 'ana@xn--bcher-kva.example' }
 */
export function asciiAddress(address: string): AddressReading {
  const at = address.lastIndexOf('@');
  // eslint-disable-next-line no-control-regex
  if (at < 0 || /^[\u0000-\u007f]*$/.test(address)) return { ok: true, address };
  const mailbox = address.slice(0, at);
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(mailbox)) return { ok: false, problem: NON_ASCII_MAILBOX };
  const domain = domainToASCII(address.slice(at + 1).normalize('NFC'));
  if (domain === '') return { ok: false, problem: 'the part after the @ is not a domain name' };
  return { ok: true, address: `${mailbox}@${domain}` };
}
