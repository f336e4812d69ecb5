import { randomBytes } from 'node:crypto';

/**
 * Text slots: values rendered as a unique token and filled in afterwards, so one render serves
 * many emails (the personal links of each reader, the "why you got this" of each card).
 *
 * A token is letters and digits only, so it passes Mustache escaping and MJML untouched, and it
 * carries a random nonce made when the renderer is built, so no feed text can contain a token
 * and have a reader's link or anything else put in its place.
 */
const SLOT_NAMES = [
  'kicker',
  'preheader',
  'intro',
  'contents',
  'why',
  'manageUrl',
  'unsubscribeUrl',
  'viewUrl',
] as const;

export type SlotName = (typeof SLOT_NAMES)[number];

export interface Slots {
  /** The token standing for `name` in a render. */
  token(name: SlotName): string;
  /** Splits rendered text at the tokens of the given slots, once, for fast repeated filling. */
  compile(source: string, names: readonly SlotName[]): CompiledText;
}

/** Rendered text cut at its slot tokens: parts[0] slot[0] parts[1] slot[1] … parts[n]. */
export interface CompiledText {
  readonly parts: readonly string[];
  readonly slots: readonly SlotName[];
}

export function createSlots(nonce: string = randomBytes(9).toString('hex')): Slots {
  const tokens = Object.fromEntries(SLOT_NAMES.map((name) => [name, `zslot${nonce}${name}z`])) as Record<
    SlotName,
    string
  >;
  const prefix = `zslot${nonce}`;
  return {
    token: (name) => tokens[name],
    compile(source, names) {
      // Every token starts with the same prefix: find each, then see which slot it names. (Run
      // for every email a sender assembles: plain searches, no regular expression's match objects.)
      const parts: string[] = [];
      const slots: SlotName[] = [];
      let last = 0;
      for (let at = source.indexOf(prefix); at !== -1; at = source.indexOf(prefix, at + 1)) {
        const name = names.find((candidate) => source.startsWith(tokens[candidate], at));
        if (name === undefined) continue;
        parts.push(source.slice(last, at));
        slots.push(name);
        last = at + tokens[name].length;
        at = last - 1;
      }
      parts.push(source.slice(last));
      return { parts, slots };
    },
  };
}

/**
 * Compiled text with its slots filled, as the strings to join (values escaped by `escape`): for a
 * caller that joins many of them at once.
 */
export function fillSlotParts(
  compiled: CompiledText,
  values: Partial<Readonly<Record<SlotName, string>>>,
  escape: (value: string) => string = (value) => value,
): string[] {
  const out: string[] = [compiled.parts[0]!];
  for (let index = 0; index < compiled.slots.length; index += 1) {
    const name = compiled.slots[index]!;
    const value = values[name];
    if (value === undefined) throw new Error(`slot "${name}" has no value`);
    out.push(escape(value), compiled.parts[index + 1]!);
  }
  return out;
}

/**
 * Fills compiled text: every slot gets its value, passed through `escape` (HTML) or not (text).
 * Concatenated, not joined: a reader's copy is a rope over the group email's own strings, copied
 * only when the mailer reads it, not 33 kB per reader up front.
 */
export function fillSlots(
  compiled: CompiledText,
  values: Partial<Readonly<Record<SlotName, string>>>,
  escape: (value: string) => string = (value) => value,
): string {
  let out = compiled.parts[0]!;
  for (let index = 0; index < compiled.slots.length; index += 1) {
    const name = compiled.slots[index]!;
    const value = values[name];
    if (value === undefined) throw new Error(`slot "${name}" has no value`);
    out += escape(value) + compiled.parts[index + 1]!;
  }
  return out;
}
