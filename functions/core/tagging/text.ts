/**
 * The text layer of the tagger: one normalisation and one tokeniser, used for the vocabulary
 * when it is compiled and for every title and summary when they are tagged, so the two always
 * agree on what a word is.
 */

/** A word of a text, with where it sits (character offsets into the normalised text). */
export interface Token {
  /** The word as written (after normalisation): what case-sensitive terms compare. */
  readonly text: string;
  /** Lower case with British spellings folded to American: what other terms compare. */
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Decomposes accents away (Sjögren → Sjogren), unifies dashes and apostrophes, and drops
 * trademark signs, so "antibody–drug", "Crohn’s" and "KEYTRUDA®" read like their plain spellings.
 */
export function normaliseText(text: string): string {
  // Most titles are plain ASCII: nothing to decompose or unify.
  if (!NON_ASCII.test(text)) return text;
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2010-\u2015\u2212\u00ad]/g, '-')
    .replace(/[\u2018\u2019\u02bc\u00b4]/g, "'")
    .replace(/[®™©]/g, ' ');
}

const NON_ASCII = /[^\t\n\r\x20-\x7e]/;

// Letters and digits make words; a "+" standing alone ("avelumab + axitinib") is a word too,
// but not the "+" of "CD8+" or "HER2+".
const TOKEN = /[\p{L}\p{N}]+|(?<=^|\s)\+(?=\s|$)/gu;

/** Splits normalised text into words. Hyphens, slashes and apostrophes separate words. */
export function tokenize(normalised: string): Token[] {
  return NON_ASCII.test(normalised) ? tokenizeUnicode(normalised) : tokenizeAscii(normalised);
}

function tokenizeUnicode(normalised: string): Token[] {
  const tokens: Token[] = [];
  for (const match of normalised.matchAll(TOKEN)) tokens.push(token(match[0], match.index));
  return tokens;
}

/** The same words as TOKEN finds, by char codes: most feed text is plain ASCII, and this is faster. */
function tokenizeAscii(text: string): Token[] {
  const tokens: Token[] = [];
  let start = -1;
  for (let index = 0; index <= text.length; index += 1) {
    const code = index < text.length ? text.charCodeAt(index) : 32;
    const isWordChar =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (isWordChar) {
      if (start < 0) start = index;
      continue;
    }
    if (start >= 0) {
      tokens.push(token(text.slice(start, index), start));
      start = -1;
    }
    if (code === 43 && isSpaceOrEdge(text, index - 1) && isSpaceOrEdge(text, index + 1))
      tokens.push(token('+', index));
  }
  return tokens;
}

function isSpaceOrEdge(text: string, index: number): boolean {
  return index < 0 || index >= text.length || /\s/.test(text[index]!);
}

function token(text: string, start: number): Token {
  return { text, key: foldSpelling(text.toLowerCase()), start, end: start + text.length };
}

const BRITISH = /ae|oe|our|is(?:e|ed|es|ing|ation|ations|er|ers)$|tre$|mme$/;

/**
 * Folds British spellings onto American ones (leukaemia → leukemia, tumour → tumor, oesophageal
 * → esophageal, randomised → randomized, centre → center, programme → program). The same fold
 * runs on the vocabulary, so a word that folds oddly ("four" → "for") still only meets itself.
 */
export function foldSpelling(lowerCaseWord: string): string {
  // Cheap checks first: this runs on every word of every text.
  const word = lowerCaseWord;
  if (word.length < 4) return word;
  const candidate =
    word.includes('ae') ||
    word.includes('oe') ||
    word.includes('our') ||
    word.includes('is') ||
    word.endsWith('tre') ||
    word.endsWith('mme');
  if (!candidate || !BRITISH.test(word)) return word;
  return word
    .replace(/ae/g, 'e')
    .replace(/oe/g, 'e')
    .replace(/our/g, 'or')
    .replace(/is(e|ed|es|ing|ation|ations|er|ers)$/, 'iz$1')
    .replace(/tre$/, 'ter')
    .replace(/mme$/, 'm');
}

/** The plural forms a one-word phrase may meet: "vaccine" → "vaccines", "therapy" → "therapies". */
export function pluralForms(key: string): string[] {
  if (key.length < 3) return [];
  const forms = [`${key}s`, `${key}es`];
  if (key.endsWith('y')) forms.push(`${key.slice(0, -1)}ies`);
  return forms;
}

/**
 * The singular forms a word may stand for: "therapies" → "therapy", "vaccines" → "vaccine",
 * "ICIs" → "ICI". Short words are left alone ("MS", "gas").
 */
export function singularForms(word: string, caseSensitive: boolean): string[] {
  if (caseSensitive) {
    // An acronym's plural is a lower-case "s" after a capital: ICIs, TILs, ADCs, BiTEs.
    return /^\p{L}[\p{L}\p{N}]*\p{Lu}s$/u.test(word) ? [word.slice(0, -1)] : [];
  }
  if (word.length <= 3 || !word.endsWith('s') || word.endsWith('ss')) return [];
  const forms = [word.slice(0, -1)];
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  else if (word.endsWith('es')) forms.push(word.slice(0, -2));
  return forms;
}

/**
 * A text in capitals only ("FDA APPROVES NEW DRUG FOR ALL") cannot tell the acronym ALL from
 * the word "all": case-sensitive terms are not trusted in it.
 */
export function isShouted(normalised: string): boolean {
  let upper = 0;
  for (const character of normalised) {
    if (character !== character.toUpperCase()) return false;
    if (character !== character.toLowerCase()) upper += 1;
  }
  return upper >= 12;
}
