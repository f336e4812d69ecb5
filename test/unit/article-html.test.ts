import { describe, expect, it } from 'vitest';
import { articleBodyHtml } from '../../functions/core/articles/article-html.ts';
import { parseSiteArticle } from '../../functions/core/ingest/site-articles.ts';
import { ContentError } from '../../functions/core/errors.ts';

describe('articleBodyHtml', () => {
  it('drops a first heading that repeats the title, and puts the others below the page’s h1', () => {
    expect(articleBodyHtml('# Title\n\nText.\n\n# Part one\n\n## Detail', 'Title')).toBe(
      '<p>Text.</p>\n<h2>Part one</h2>\n<h2>Detail</h2>',
    );
  });

  it('keeps prose and links, and nothing that runs, loads or carries a style', () => {
    const markdown = [
      'A [safe link](https://example.org/a "More") and a [bad one](javascript:alert(1)).',
      '',
      '<script>alert(1)</script><img src="https://tracker.example/p.gif"><p style="color:red" onclick="x()">Styled</p>',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
    ].join('\n');
    const html = articleBodyHtml(markdown, 'Another title');

    expect(html).toContain(
      '<a href="https://example.org/a" title="More" rel="noopener noreferrer">safe link</a>',
    );
    expect(html).toContain('<a rel="noopener noreferrer">bad one</a>');
    expect(html).toContain('<p>Styled</p>');
    expect(html).toContain('<td>1</td>');
    expect(html).not.toMatch(/<script|<img|style=|onclick|javascript:/);
  });
});

describe('parseSiteArticle', () => {
  const text = [
    '---',
    'title: An explainer',
    'date: 2026-11-20',
    'summary: What it is and who it helps, in plain words.',
    'canonical: https://example.org/articles/an-explainer',
    '---',
    '# An explainer',
    '',
    'Body.',
  ].join('\n');

  it('reads the slug from the file name and keeps the Markdown body for the page', () => {
    const article = parseSiteArticle('content/articles/an-explainer.md', text);

    expect(article.slug).toBe('an-explainer');
    expect(article.body.trim()).toBe('# An explainer\n\nBody.');
  });

  it('refuses a file name that cannot be an address', () => {
    expect(() => parseSiteArticle('content/articles/An Explainer!.md', text)).toThrow(ContentError);
  });
});
