import { copyFile, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContentError } from '../../functions/core/errors.ts';
import { parseSiteArticle } from '../../functions/core/ingest/site-articles.ts';
import { normaliseItems } from '../../functions/core/ingest/read-feed.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import {
  loadSiteArticles,
  loadSources,
  loadVocabulary,
} from '../../functions/adapters/content/load-content.ts';
import type { Source } from '../../functions/model/sources.ts';

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

describe('direction controls in the names readers see', () => {
  let directory: string | undefined;

  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('refuses a topic label or source name holding one, naming the file and the line', async () => {
    const content = path.resolve(import.meta.dirname, '../../content');
    directory = await mkdtemp(path.join(tmpdir(), 'content-'));
    const topics = await readFile(path.join(content, 'topics.yaml'), 'utf8');
    const sources = await readFile(path.join(content, 'sources.yaml'), 'utf8');
    await writeFile(path.join(directory, 'topics.yaml'), topics.replace('label: ', 'label: \u202e'));
    await writeFile(path.join(directory, 'sources.yaml'), sources.replace('name: NCI', 'name: \u2066NCI'));
    const line = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

    await expect(loadVocabulary(directory)).rejects.toThrow(
      `topics.yaml: line ${line(topics, 'label: ')} holds an invisible direction control (U+202E RIGHT-TO-LEFT OVERRIDE)`,
    );
    await expect(loadSources(directory)).rejects.toThrow(
      `sources.yaml: line ${line(sources, 'name: NCI')} holds an invisible direction control (U+2066 LEFT-TO-RIGHT ISOLATE)`,
    );
    await copyFile(path.join(content, 'topics.yaml'), path.join(directory, 'topics.yaml'));
    await expect(loadVocabulary(directory)).resolves.toBeDefined();
  });
});

describe('direction controls in site articles and feed items', () => {
  const SITE: Source = {
    id: 'site',
    name: 'Immunotherapy Digest',
    url: 'https://example.org/',
    broad: false,
    weight: 1,
    enabled: true,
  };
  let tagger: ReturnType<typeof createTagger>;

  beforeAll(async () => {
    tagger = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));
  });

  it('leaves no override in a site article’s title and summary, read or normalised', () => {
    const front = FRONT.replace('title: CAR-T cells explained', 'title: CAR-T cells \u202eexplained').replace(
      'summary: What CAR-T cells are',
      'summary: What \u202eCAR-T\u202c cells \u2067are\u2069',
    );
    const { item, topicOverride } = parseSiteArticle('content/articles/rlo.md', article('---', front));

    const { candidates } = normaliseItems([item], SITE, tagger, new Date('2026-11-26T00:00:00Z'), {
      topicOverrides: [topicOverride],
    });

    expect(item.title).toBe('CAR-T cells explained');
    expect(item.summary).toBe('What CAR-T cells are, who they help, and what to ask.');
    expect(candidates[0]!.summary).toBe('What CAR-T cells are, who they help, and what to ask.');
  });

  it('leaves no override in any item that is normalised, whoever read it', () => {
    const item = {
      guid: undefined,
      title: 'Trial \u202dresults',
      link: 'https://example.org/a',
      summary: 'Response rates \u202ereversed\u202c in the summary.',
      published: undefined,
      categories: [],
      identifierHints: [],
    };

    const [candidate] = normaliseItems([item], SITE, tagger, new Date('2026-11-26T00:00:00Z')).candidates;

    expect(candidate!.title).toBe('Trial results');
    expect(candidate!.summary).toBe('Response rates reversed in the summary.');
  });
});
