import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSiteArticles } from '../../functions/adapters/content/load-content.ts';
import { ContentError } from '../../functions/core/errors.ts';
import { parseSiteArticle } from '../../functions/core/ingest/site-articles.ts';

/** The site's own articles: YAML front matter only, nothing in a content file ever runs. */

const FRONT = [
  'title: CAR-T cells explained',
  'date: 2026-11-20',
  'summary: What CAR-T cells are, who they help, and what to ask.',
  'canonical: https://immunotherapy-digest.example.org/articles/car-t',
  'topics: [car-t]',
].join('\n');

const article = (opening: string, front = FRONT, closing = '---') =>
  `${opening}\n${front}\n${closing}\n\n# CAR-T cells explained\n`;

/** A JavaScript front matter that would set a global flag if anything evaluated it. */
const RUNS_CODE = `{
  title: (globalThis.frontMatterRan = true, 'Code ran during ingest'),
  date: '2026-11-20',
  summary: 'A front matter that is a program, not data.',
  canonical: 'https://immunotherapy-digest.example.org/articles/js'
}`;

const flag = () => (globalThis as { frontMatterRan?: boolean }).frontMatterRan;

afterEach(() => {
  delete (globalThis as { frontMatterRan?: boolean }).frontMatterRan;
});

describe('a site article', () => {
  it('reads YAML front matter, its unquoted date as an ISO instant', () => {
    const { item, topicOverride } = parseSiteArticle('content/articles/car-t.md', article('---'));

    expect(item).toMatchObject({ title: 'CAR-T cells explained', published: '2026-11-20T00:00:00.000Z' });
    expect(topicOverride).toEqual(['car-t']);
    expect(parseSiteArticle('x.md', `\uFEFF${article('---yaml')}`).item.title).toBe('CAR-T cells explained');
  });

  it('refuses ---js front matter, naming the file, and never runs it', () => {
    const attempt = () => parseSiteArticle('content/articles/js.md', article('---js', RUNS_CODE));

    expect(attempt).toThrow(ContentError);
    expect(attempt).toThrow(/^content\/articles\/js\.md: front matter must be YAML/);
    expect(flag()).toBeUndefined();
  });

  it('refuses every other front matter language and delimiter, naming what it found', () => {
    const openings = ['---javascript', '--- js', '---coffee', '---json', '---toml', ';;;', '+++', '{'];

    for (const opening of openings) {
      const attempt = () =>
        parseSiteArticle('content/articles/other.md', article(opening, RUNS_CODE, opening));
      expect(attempt, opening).toThrow(/^content\/articles\/other\.md: front matter must be YAML/);
      expect(attempt, opening).toThrow(opening.trim());
    }
    expect(flag()).toBeUndefined();
  });

  it('refuses a file without front matter, naming it', () => {
    expect(() => parseSiteArticle('content/articles/bare.md', '# Just a heading\n')).toThrow(
      /^content\/articles\/bare\.md: front matter must be YAML/,
    );
  });
});

describe('loading the site articles', () => {
  let directory: string | undefined;

  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('fails on a ---js article with the file named, and the code never runs', async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'site-articles-'));
    await mkdir(path.join(directory, 'articles'));
    await writeFile(path.join(directory, 'articles', 'good.md'), article('---'));
    await writeFile(path.join(directory, 'articles', 'sneaky.md'), article('---js', RUNS_CODE));

    await expect(loadSiteArticles(directory)).rejects.toThrow(
      /content\/articles\/sneaky\.md: front matter must be YAML/,
    );
    expect(flag()).toBeUndefined();
  });
});
