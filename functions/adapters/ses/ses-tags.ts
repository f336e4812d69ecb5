import type { DeliveryKey } from '../../model/deliveries.ts';

/**
 * SES message tags: a name and a value of ASCII letters, digits, '_' and '-', each at most 256
 * characters. SES hands an email's tags back on every event it publishes for it (Send, Delivery,
 * Bounce, …), which is how a Send event names the ledger item of the email SES accepted.
 */

/** The tag naming the email's ledger id (a digest id or an admin send's ledger id). */
export const LEDGER_TAG = 'ledger';
/** The tag naming the reader's keyed subscriber id (the ledger item's other key). */
export const READER_TAG = 'reader';

const MAX_TAG_VALUE = 256;
const KEPT = /^[A-Za-z0-9-]$/;

/**
 * A tag value that decodes back to exactly `value`: letters, digits and '-' are kept, every other
 * byte of its UTF-8 (the '_' of a base64url subscriber id included) becomes '_' and two hex
 * digits. Undefined when the encoding would be longer than SES allows: a truncated value would
 * name another item, so such a tag is left off instead.
 *
 * @example encodeTagValue('announcement-Ab_9') === 'announcement-Ab_5F9'
 */
export function encodeTagValue(value: string): string | undefined {
  let encoded = '';
  for (const character of value) {
    if (KEPT.test(character)) encoded += character;
    else
      for (const byte of Buffer.from(character, 'utf8'))
        encoded += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (encoded.length > MAX_TAG_VALUE) return undefined;
  }
  return encoded;
}

/** The value encodeTagValue encoded; undefined for anything it could not have produced. */
export function decodeTagValue(encoded: string): string | undefined {
  if (encoded.length > MAX_TAG_VALUE || !/^(?:[A-Za-z0-9-]|_[0-9A-F]{2})*$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length;) {
    if (encoded[index] === '_') {
      bytes.push(Number.parseInt(encoded.slice(index + 1, index + 3), 16));
      index += 3;
    } else {
      bytes.push(encoded.charCodeAt(index));
      index += 1;
    }
  }
  const decoded = new TextDecoder('utf-8', { fatal: true });
  try {
    const value = decoded.decode(Uint8Array.from(bytes));
    return encodeTagValue(value) === encoded ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The two tags that name an email's ledger item; none when either cannot be encoded. */
export function ledgerTags(key: DeliveryKey): { Name: string; Value: string }[] {
  const ledger = encodeTagValue(key.digestId);
  const reader = encodeTagValue(key.subscriberId);
  if (ledger === undefined || reader === undefined) return [];
  return [
    { Name: LEDGER_TAG, Value: ledger },
    { Name: READER_TAG, Value: reader },
  ];
}

/** The ledger item an event's tags name (SES gives each tag as a list of values); undefined when none. */
export function ledgerKeyOfTags(
  tags: Readonly<Record<string, readonly string[] | undefined>> | undefined,
): DeliveryKey | undefined {
  const ledger = tags?.[LEDGER_TAG]?.[0];
  const reader = tags?.[READER_TAG]?.[0];
  if (ledger === undefined || reader === undefined) return undefined;
  const digestId = decodeTagValue(ledger);
  const subscriberId = decodeTagValue(reader);
  return digestId && subscriberId ? { digestId, subscriberId } : undefined;
}
