import { isShouted, normaliseText, pluralForms, singularForms, tokenize, type Token } from './text.ts';

/**
 * Finds every word of the vocabulary in a text in one pass. Each distinct phrase, pattern or
 * suffix is one *matcher* with a number. Phrases sit in an index keyed by their first word and
 * suffix rules in one keyed by their last two letters, so a text costs a couple of map lookups per
 * word however large the vocabulary grows; only the few regular-expression patterns scan the
 * text on their own.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One text after matching: the normalised text and where each matcher was found in it. */
export interface Found {
  readonly text: string;
  /** Where each matcher found was found; matchers not found are absent. */
  readonly spans: ReadonlyMap<number, readonly Span[]>;
}

export type MatcherSpec =
  | {
      readonly kind: 'phrase';
      readonly phrase: string;
      readonly caseSensitive: boolean;
      readonly except: readonly number[];
    }
  | {
      readonly kind: 'pattern';
      readonly pattern: string;
      readonly caseSensitive: boolean;
      readonly except: readonly number[];
    }
  | {
      readonly kind: 'suffix';
      readonly suffix: string;
      readonly minLength: number;
      readonly caseSensitive: boolean;
      readonly except: readonly number[];
    };

interface PhraseEntry {
  readonly id: number;
  /** Words to compare: keys (folded lower case), or the words as written when case-sensitive. */
  readonly words: readonly string[];
  readonly caseSensitive: boolean;
}

interface SuffixRule {
  readonly id: number;
  readonly suffix: string;
  readonly minLength: number;
  readonly caseSensitive: boolean;
}

const EMPTY: readonly never[] = [];

/**
 * The compiled matchers. The `except` list of a spec holds matcher ids (the matchers of the cues
 * it names, resolved by the caller): a match overlapping one of theirs is dropped.
 */
export class TextMatcher {
  /** By first word; one-word phrases also under their plural forms, so a word costs one lookup. */
  private readonly phrasesByFirstWord = new Map<string, PhraseEntry[]>();
  /** By the char codes of their last two letters (lower case). */
  private readonly suffixesByEnding = new Map<number, SuffixRule[]>();
  private readonly patterns: { id: number; regex: RegExp; caseSensitive: boolean }[] = [];
  private readonly excepts: { id: number; except: readonly number[] }[] = [];

  constructor(private readonly specs: readonly MatcherSpec[]) {
    specs.forEach((spec, id) => {
      if (spec.except.length > 0) this.excepts.push({ id, except: spec.except });
      if (spec.kind === 'phrase') this.addPhrase(id, spec.phrase, spec.caseSensitive);
      else if (spec.kind === 'suffix') this.addSuffix(id, spec);
      // No `u` flag: it makes V8 scan several times slower, and patterns only ever see normalised
      // text, whose letters have lost their accents.
      else
        this.patterns.push({
          id,
          regex: new RegExp(spec.pattern, spec.caseSensitive ? 'g' : 'gi'),
          caseSensitive: spec.caseSensitive,
        });
    });
  }

  /** A readable name of a matcher, for explanations. */
  describe(id: number): string {
    const spec = this.specs[id]!;
    if (spec.kind === 'phrase') return spec.phrase;
    if (spec.kind === 'suffix') return `-${spec.suffix}`;
    return `/${spec.pattern}/`;
  }

  /** Finds every matcher in a raw text (normalised here). */
  find(rawText: string): Found {
    const spans = new Map<number, Span[]>();
    if (!rawText) return { text: '', spans };
    const text = normaliseText(rawText);
    const trustCase = !isShouted(text);
    const tokens = tokenize(text);

    for (let index = 0; index < tokens.length; index += 1) {
      this.findPhrasesAt(tokens, index, trustCase, spans);
      this.findSuffixes(tokens[index]!, trustCase, spans);
    }
    for (const { id, regex, caseSensitive } of this.patterns) {
      if (caseSensitive && !trustCase) continue;
      regex.lastIndex = 0;
      for (let match = regex.exec(text); match; match = regex.exec(text)) {
        add(spans, id, match.index, match.index + match[0].length);
        if (match[0].length === 0) regex.lastIndex += 1;
      }
    }
    for (const { id, except } of this.excepts) {
      const found = spans.get(id);
      if (!found) continue;
      const kept = found.filter(
        (span) => !except.some((other) => (spans.get(other) ?? EMPTY).some((hit) => overlaps(hit, span))),
      );
      if (kept.length > 0) spans.set(id, kept);
      else spans.delete(id);
    }
    return { text, spans };
  }

  private addPhrase(id: number, phrase: string, caseSensitive: boolean): void {
    const tokens = tokenize(normaliseText(phrase));
    if (tokens.length === 0) throw new Error(`phrase "${phrase}" has no words`);
    const words = tokens.map((token) => (caseSensitive ? token.text : token.key));
    const entry = { id, words, caseSensitive };
    const first = tokens[0]!.key;
    for (const key of words.length === 1 ? [first, ...pluralForms(first)] : [first]) {
      const entries = this.phrasesByFirstWord.get(key);
      if (entries) entries.push(entry);
      else this.phrasesByFirstWord.set(key, [entry]);
    }
  }

  private addSuffix(id: number, spec: Extract<MatcherSpec, { kind: 'suffix' }>): void {
    const suffix = spec.caseSensitive ? spec.suffix : spec.suffix.toLowerCase();
    const rule = { id, suffix, minLength: spec.minLength, caseSensitive: spec.caseSensitive };
    const ending = endingOf(suffix.toLowerCase(), suffix.length);
    const rules = this.suffixesByEnding.get(ending);
    if (rules) rules.push(rule);
    else this.suffixesByEnding.set(ending, [rule]);
  }

  private findPhrasesAt(
    tokens: readonly Token[],
    index: number,
    trustCase: boolean,
    spans: Map<number, Span[]>,
  ): void {
    // One-word phrases are indexed under their plurals too ("vaccines"; "ICIs" under "icis").
    const entries = this.phrasesByFirstWord.get(tokens[index]!.key);
    if (entries) for (const entry of entries) this.tryPhrase(entry, tokens, index, trustCase, spans);
  }

  private tryPhrase(
    entry: PhraseEntry,
    tokens: readonly Token[],
    index: number,
    trustCase: boolean,
    spans: Map<number, Span[]>,
  ): void {
    if (entry.caseSensitive && !trustCase) return;
    const last = entry.words.length - 1;
    if (index + last >= tokens.length) return;
    for (let offset = 0; offset <= last; offset += 1) {
      const token = tokens[index + offset]!;
      const word = entry.caseSensitive ? token.text : token.key;
      const wanted = entry.words[offset]!;
      if (word === wanted) continue;
      if (
        offset === last &&
        word.length > wanted.length &&
        singularForms(word, entry.caseSensitive).includes(wanted)
      )
        continue;
      return;
    }
    add(spans, entry.id, tokens[index]!.start, tokens[index + last]!.end);
  }

  private findSuffixes(token: Token, trustCase: boolean, spans: Map<number, Span[]>): void {
    const key = token.key;
    if (key.length < 4) return;
    this.trySuffixes(this.suffixesByEnding.get(endingOf(key, key.length)), token, trustCase, spans);
    // The plural of a suffixed name: "vedotins", "-mabs".
    if (key.endsWith('s'))
      this.trySuffixes(this.suffixesByEnding.get(endingOf(key, key.length - 1)), token, trustCase, spans);
  }

  private trySuffixes(
    rules: readonly SuffixRule[] | undefined,
    token: Token,
    trustCase: boolean,
    spans: Map<number, Span[]>,
  ): void {
    if (!rules) return;
    for (const rule of rules) {
      if (rule.caseSensitive && !trustCase) continue;
      const word = rule.caseSensitive ? token.text : token.key;
      if (word.length < rule.minLength) continue;
      const end = word.endsWith('s') && !rule.suffix.endsWith('s') ? word.length - 1 : word.length;
      if (word.startsWith(rule.suffix, end - rule.suffix.length)) add(spans, rule.id, token.start, token.end);
    }
  }
}

/** The last two letters before `end` as one number: a map key that costs no string. */
function endingOf(word: string, end: number): number {
  return (word.charCodeAt(end - 2) << 16) | word.charCodeAt(end - 1);
}

function add(spans: Map<number, Span[]>, id: number, start: number, end: number): void {
  const found = spans.get(id);
  if (found) found.push({ start, end });
  else spans.set(id, [{ start, end }]);
}

export function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
