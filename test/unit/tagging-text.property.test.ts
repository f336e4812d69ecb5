import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSpelling, normaliseText, tokenize } from '../../functions/core/tagging/text.ts';

/** The specification of a word: what the fast ASCII tokenizer must agree with. */
const WORD = /[\p{L}\p{N}]+|(?<=^|\s)\+(?=\s|$)/gu;

const asciiText = fc.string({
  unit: fc.constantFrom(..."aZ09 -+/'.,;:()\t\nCARTpd1".split('')),
  maxLength: 80,
});

describe('tokenize', () => {
  it('finds the same words, at the same places, as the Unicode word pattern', () => {
    fc.assert(
      fc.property(fc.oneof(asciiText, fc.string({ maxLength: 40 })), (raw) => {
        // Prepare
        const text = normaliseText(raw);

        // Act
        const words = tokenize(text).map((token) => [token.text, token.start]);

        // Assess
        expect(words).toEqual([...text.matchAll(WORD)].map((match) => [match[0], match.index]));
      }),
      { numRuns: 500 },
    );
  });
});

describe('foldSpelling', () => {
  it('gives a British spelling and its American twin one key', () => {
    const british = [
      'leukaemia',
      'tumour',
      'oesophageal',
      'randomised',
      'centre',
      'programme',
      'haematology',
    ];
    const american = ['leukemia', 'tumor', 'esophageal', 'randomized', 'center', 'program', 'hematology'];

    expect(british.map(foldSpelling)).toEqual(american.map(foldSpelling));
  });
});
