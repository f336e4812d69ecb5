import { describe, expect, it } from 'vitest';
import { collapseWhitespace, htmlToText, truncateText } from '../../functions/core/ingest/html-text.ts';

describe('htmlToText', () => {
  it.each([
    ['<p>PD-1 &amp; CTLA-4<script>alert(1)</script></p>', 'PD-1 & CTLA-4'],
    ['<img src=x onerror="alert(1)">Trial <a href="javascript:alert(1)">results</a>', 'Trial results'],
    ['<svg onload=alert(1)><circle/></svg>Safe text<style>p{}</style>', 'Safe text'],
    ['<iframe src="https://evil.example"></iframe>Kept', 'Kept'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;Escaped once', 'Escaped once'],
    ['&amp;lt;b&amp;gt;Escaped twice&amp;lt;/b&amp;gt;', 'Escaped twice'],
    ['p &lt; 0.05 and HR 0.62', 'p < 0.05 and HR 0.62'],
  ])('turns %j into %j', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});

describe('collapseWhitespace', () => {
  it('drops control, zero-width and bidirectional override characters and collapses spaces', () => {
    expect(collapseWhitespace(' a\u0000b\u200b \u202egnp.exe\u202c\n\tc ')).toBe('ab gnp.exe c');
  });
});

describe('truncateText', () => {
  it('cuts at a word boundary with an ellipsis', () => {
    expect(truncateText('Checkpoint inhibitors in melanoma patients', 25)).toBe('Checkpoint inhibitors…');
  });
});
