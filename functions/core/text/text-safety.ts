/**
 * Invisible direction controls in text that reaches a reader. An override (U+202E) makes
 * "gnp.exe" read as "exe.png"; an embedding or isolate left open reverses whatever a template puts
 * after it (a title's " · source", a subject's end). Right-to-left text needs none of them to show
 * correctly: the Unicode bidirectional algorithm orders Hebrew or Arabic letters by itself, and at
 * most a mark (LRM, RLM, ALM) places the punctuation between scripts.
 *
 * So, one rule wherever text enters (feed items and site articles at ingest, an admin's subject
 * and body when composed): embeddings, overrides and isolates are always removed; marks are kept
 * only in text that holds right-to-left letters, where they have a use, and removed elsewhere,
 * where they can only mislead.
 */

/** LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. */
const EMBEDDINGS_OVERRIDES_ISOLATES = /[\u202a-\u202e\u2066-\u2069]/g;
/** LRM, RLM and the Arabic letter mark. */
const MARKS = /[\u200e\u200f\u061c]/g;
const ANY_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
/** Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, … and their presentation forms). */
const RIGHT_TO_LEFT_LETTER =
  /[\u0590-\u05ff\u0600-\u06ff\u0700-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

const NAMES: Readonly<Record<string, string>> = {
  '\u202a': 'U+202A LEFT-TO-RIGHT EMBEDDING',
  '\u202b': 'U+202B RIGHT-TO-LEFT EMBEDDING',
  '\u202c': 'U+202C POP DIRECTIONAL FORMATTING',
  '\u202d': 'U+202D LEFT-TO-RIGHT OVERRIDE',
  '\u202e': 'U+202E RIGHT-TO-LEFT OVERRIDE',
  '\u2066': 'U+2066 LEFT-TO-RIGHT ISOLATE',
  '\u2067': 'U+2067 RIGHT-TO-LEFT ISOLATE',
  '\u2068': 'U+2068 FIRST STRONG ISOLATE',
  '\u2069': 'U+2069 POP DIRECTIONAL ISOLATE',
  '\u200e': 'U+200E LEFT-TO-RIGHT MARK',
  '\u200f': 'U+200F RIGHT-TO-LEFT MARK',
  '\u061c': 'U+061C ARABIC LETTER MARK',
};

/**
 * The text without the direction controls that could make it read as something else.
 *
 * @example withoutBidiControls('Photo gnp\u202e.exe') // 'Photo gnp.exe'
 */
export function withoutBidiControls(text: string): string {
  // Most text has none: test once rather than run two replacements on every field.
  if (!ANY_CONTROL.test(text)) return text;
  const cleaned = text.replace(EMBEDDINGS_OVERRIDES_ISOLATES, '');
  return RIGHT_TO_LEFT_LETTER.test(cleaned) ? cleaned : cleaned.replace(MARKS, '');
}

/**
 * The controls withoutBidiControls would remove from the text, each named once
 * ("U+202E RIGHT-TO-LEFT OVERRIDE"), in order of first appearance: for telling a person what
 * was taken out of what they typed.
 */
export function harmfulBidiControlsIn(text: string): string[] {
  if (!ANY_CONTROL.test(text)) return [];
  const kept = withoutBidiControls(text);
  const removed = new Set<string>();
  let at = 0;
  for (const char of text) {
    if (char === kept[at]) at += 1;
    else if (NAMES[char]) removed.add(NAMES[char]);
  }
  return [...removed];
}
