import { describe, expect, it } from 'vitest';
import { studyTypeHints } from '../../functions/core/ingest/study-types.ts';

const hintsOf = (title: string, sourceIsPreprint = false) =>
  studyTypeHints({ title, summary: '', sourceIsPreprint });

describe('studyTypeHints', () => {
  it.each([
    ['A randomized, placebo-controlled phase 3 trial', ['randomised-trial', 'phase-3']],
    ['Phase II study of nivolumab', ['phase-2']],
    ['Phase Ib/II trial of a bispecific antibody', ['phase-2', 'phase-1']],
    ['Phase 2/3 study of atezolizumab', ['phase-3', 'phase-2']],
    ['Phase 1/Phase 2; Recruiting', ['phase-2', 'phase-1']],
    ['First-in-human study of a CAR-NK product', ['phase-1']],
    ['Immune-related adverse events: a systematic review and meta-analysis', ['review']],
    ['CAR-T in lymphoma: a review', ['review']],
    ['Phase III outcomes', ['phase-3']],
  ])('reads %j as %j', (title, hints) => {
    expect(hintsOf(title)).toEqual(hints);
  });

  it('marks everything from a preprint server, and text that says it is not peer reviewed', () => {
    expect(hintsOf('Single-cell atlas of TILs', true)).toEqual(['preprint']);
    expect(hintsOf('This article has not been peer-reviewed')).toEqual(['preprint']);
  });
});
