import { describe, expect, it } from 'vitest';
import { harmfulBidiControlsIn, withoutBidiControls } from '../../functions/core/text/text-safety.ts';

describe('direction controls in text that reaches a reader', () => {
  it('removes overrides, embeddings and isolates wherever they are', () => {
    expect(withoutBidiControls('Trial results: gnp\u202e.exe')).toBe('Trial results: gnp.exe');
    expect(withoutBidiControls('\u202bA\u202c \u2066B\u2069 \u2067C\u2069 \u2068D\u2069 \u202dE')).toBe(
      'A B C D E',
    );
    expect(withoutBidiControls('CAR-T approved')).toBe('CAR-T approved');
  });

  it('keeps marks in right-to-left text, where they place punctuation, and removes them elsewhere', () => {
    expect(withoutBidiControls('טיפול חיסוני\u200f!')).toBe('טיפול חיסוני\u200f!');
    expect(withoutBidiControls('العلاج المناعي\u061c (2026)')).toBe('العلاج المناعي\u061c (2026)');
    expect(withoutBidiControls('Approved\u200f!\u200e')).toBe('Approved!');
    expect(withoutBidiControls('טיפול\u202e חיסוני')).toBe('טיפול חיסוני');
  });

  it('names what it would remove, once each', () => {
    expect(harmfulBidiControlsIn('a\u202eb\u202ec\u200f')).toEqual([
      'U+202E RIGHT-TO-LEFT OVERRIDE',
      'U+200F RIGHT-TO-LEFT MARK',
    ]);
    expect(harmfulBidiControlsIn('טיפול\u200f')).toEqual([]);
    expect(harmfulBidiControlsIn('plain')).toEqual([]);
  });
});
