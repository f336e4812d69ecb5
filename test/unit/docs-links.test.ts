import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import { marked, type Token, type Tokens } from 'marked';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The documentation's relative links and images resolve inside the repository: a file that
 * exists under that exact name (GitHub is case-sensitive), and an anchor that one of the target's
 * headings makes under GitHub's slug rules. A dead link fails the build with its file:line.
 * Markdown is read with marked's lexer (the parser the project already uses), so links in code
 * are not links and reference-style links are resolved as GitHub resolves them.
 */

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');

/** Every Markdown file the link check covers, relative to the root. */
function documentationFiles(root: string): string[] {
  const topLevel = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].filter((file) =>
    existsSync(path.join(root, file)),
  );
  const docsDir = path.join(root, 'docs');
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.md'))
        .map((file) => path.posix.join('docs', file.split(path.sep).join('/')))
    : [];
  return [...topLevel, ...docs.sort()];
}

interface FoundLink {
  readonly target: string;
  readonly line: number;
}

interface ParsedDocument {
  readonly links: FoundLink[];
  /** The fragment ids a link may point at: heading slugs, and explicit HTML `id`/`name` attributes. */
  readonly anchors: Set<string>;
}

/**
 * GitHub's heading ids (github-slugger): lower case, every character that is not a letter, a
 * mark, a digit, a connector (`_`), a hyphen or a space dropped, spaces made hyphens. Repeats
 * of a slug get `-1`, `-2`, … in document order.
 */
function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text a heading shows: inline markup dropped, code and link texts kept. */
function plainText(tokens: readonly Token[] | undefined): string {
  return (tokens ?? [])
    .map((token) => {
      if (token.type === 'html') return '';
      const withChildren = token as Token & { tokens?: Token[]; text?: string };
      if (withChildren.tokens && withChildren.tokens.length > 0) return plainText(withChildren.tokens);
      return withChildren.text ?? '';
    })
    .join('');
}

/** `src`, `href`, `id` and `name` attributes of raw HTML (an `<img>` with a width, an `<a id>`). */
function htmlAttributes(html: string): { urls: string[]; ids: string[] } {
  const urls: string[] = [];
  const ids: string[] = [];
  const parser = new Parser({
    onopentag(_name, attributes) {
      for (const key of ['src', 'href']) if (attributes[key] !== undefined) urls.push(attributes[key]);
      for (const key of ['id', 'name']) if (attributes[key] !== undefined) ids.push(attributes[key]);
    },
  });
  parser.write(html);
  parser.end();
  return { urls, ids };
}

function lineAt(source: string, offset: number): number {
  let line = 1;
  for (
    let index = source.indexOf('\n');
    index !== -1 && index < offset;
    index = source.indexOf('\n', index + 1)
  )
    line += 1;
  return line;
}

/** Every link and image target of a Markdown document with its line, and the anchors it defines. */
function parseDocument(source: string): ParsedDocument {
  const normalised = source.replace(/\r\n?/g, '\n');
  const links: FoundLink[] = [];
  const anchors = new Set<string>();
  const slugCounts = new Map<string, number>();
  let blockStart = 0;

  for (const block of marked.lexer(normalised)) {
    // marked's top-level tokens cover the source in order; fall back to a search if one does not.
    const start = normalised.startsWith(block.raw, blockStart)
      ? blockStart
      : Math.max(blockStart, normalised.indexOf(block.raw, blockStart));
    let cursor = start;
    const record = (raw: string, target: string) => {
      const at = normalised.indexOf(raw, cursor);
      const offset = at === -1 ? start : at;
      if (at !== -1) cursor = at + raw.length;
      links.push({ target, line: lineAt(normalised, offset) });
    };

    // walkTokens returns what the callbacks return (promises only for async extensions): nothing here.
    void marked.walkTokens([block], (token) => {
      switch (token.type) {
        case 'heading': {
          const slug = githubSlug(plainText((token as Tokens.Heading).tokens));
          const seen = slugCounts.get(slug) ?? 0;
          slugCounts.set(slug, seen + 1);
          anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
          break;
        }
        case 'link':
        case 'image':
          // A reference link (`[text][ref]`) is checked once, on its definition's line.
          if (!token.raw.endsWith(']')) record(token.raw, (token as Tokens.Link | Tokens.Image).href);
          break;
        case 'def':
          record(token.raw, (token as Tokens.Def).href);
          break;
        case 'html': {
          const { urls, ids } = htmlAttributes(token.raw);
          for (const id of ids) anchors.add(id);
          for (const url of urls) record(url, url);
          break;
        }
        default:
          break;
      }
    });
    blockStart = start + block.raw.length;
  }
  return { links, anchors };
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/** Folders that exist on a working copy but never in a clone (git-ignored). */
function ignoredFolders(root: string): Set<string> {
  const gitignore = path.join(root, '.gitignore');
  if (!existsSync(gitignore)) return new Set();
  return new Set(
    readFileSync(gitignore, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.endsWith('/') && !line.startsWith('#'))
      .map((line) => line.replace(/^\/|\/$/g, '')),
  );
}

/** True when every segment of the path exists with exactly this spelling (as on a case-sensitive disk). */
function existsExactly(root: string, relative: string): boolean {
  let current = root;
  for (const segment of relative.split('/').filter(Boolean)) {
    if (!existsSync(current) || !statSync(current).isDirectory()) return false;
    if (!readdirSync(current).includes(segment)) return false;
    current = path.join(current, segment);
  }
  return true;
}

/**
 * The dead links of the documentation under `root`, as `file:line: target (why)`.
 *
 * @example deadLinks('/repo') // ['docs/cli.md:12: ./configuration.md#ports (no heading makes #ports)']
 */
function deadLinks(root: string, files = documentationFiles(root)): string[] {
  const parsed = new Map<string, ParsedDocument>();
  const parse = (relative: string) => {
    let document = parsed.get(relative);
    if (!document) {
      document = parseDocument(readFileSync(path.join(root, relative), 'utf8'));
      parsed.set(relative, document);
    }
    return document;
  };
  const ignored = ignoredFolders(root);
  const problems: string[] = [];

  for (const file of files) {
    for (const { target, line } of parse(file).links) {
      const problem = (why: string) => problems.push(`${file}:${line}: ${target} (${why})`);
      if (target === '' || EXTERNAL.test(target)) continue;
      const hashAt = target.indexOf('#');
      const pathPart = (hashAt === -1 ? target : target.slice(0, hashAt)).replace(/\?.*$/, '');
      const fragment = hashAt === -1 ? undefined : target.slice(hashAt + 1);

      if (pathPart.startsWith('/')) {
        problem('a path from the root of the disk: write it relative to this file');
        continue;
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathPart);
      } catch {
        problem('not a valid URL path');
        continue;
      }
      const resolved =
        decoded === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decoded));
      if (resolved === '..' || resolved.startsWith('../')) {
        problem('outside the repository');
        continue;
      }
      const withoutSlash = resolved.replace(/\/$/, '');
      if (withoutSlash !== '.' && !existsExactly(root, withoutSlash)) {
        problem('no such file in the repository');
        continue;
      }
      if (ignored.has(withoutSlash.split('/')[0]!)) {
        problem('a git-ignored folder: it is not in a clone');
        continue;
      }
      if (fragment === undefined || fragment === '') continue;
      if (!withoutSlash.endsWith('.md')) continue; // GitHub anchors in code files are line numbers, not headings.
      const anchor = decodeURIComponent(fragment).toLowerCase();
      if (!parse(withoutSlash).anchors.has(anchor)) problem(`no heading in ${withoutSlash} makes #${anchor}`);
    }
  }
  return problems;
}

describe('documentation links', () => {
  it('resolve inside the repository, anchors included', () => {
    // Prepare
    const files = documentationFiles(REPOSITORY_ROOT);

    // Act
    const problems = deadLinks(REPOSITORY_ROOT, files);

    // Assess
    expect(files).toContain('README.md');
    expect(files.filter((file) => file.startsWith('docs/')).length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

describe('the link check', () => {
  let root: string | undefined;

  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function repository(files: Record<string, string>): string {
    root = mkdtempSync(path.join(os.tmpdir(), 'docs-links-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  it('names the file and line of a link to a missing file, and of a missing image', () => {
    const repo = repository({
      'README.md': '# Title\n\nSee [the guide](docs/guide.md).\n\n![shot](docs/shot.png)\n',
    });

    expect(deadLinks(repo)).toEqual([
      'README.md:3: docs/guide.md (no such file in the repository)',
      'README.md:5: docs/shot.png (no such file in the repository)',
    ]);
  });

  it('checks anchors in the same file and across files against GitHub heading slugs', () => {
    const repo = repository({
      'README.md': [
        '# Immunotherapy Digest',
        '',
        '## What it costs, and why',
        '',
        '## `npm test` & friends',
        '',
        '## Notes',
        '',
        '## Notes',
        '',
        '[a](#what-it-costs-and-why) [b](#npm-test--friends) [c](#notes-1) [d](#notes-2)',
        '[e](docs/cli.md#the-send-command) [f](docs/cli.md#send)',
      ].join('\n'),
      'docs/cli.md':
        '# CLI\n\n## The `send` command\n\nBack to [the top](../README.md#immunotherapy-digest).\n',
    });

    expect(deadLinks(repo)).toEqual([
      'README.md:11: #notes-2 (no heading in README.md makes #notes-2)',
      'README.md:12: docs/cli.md#send (no heading in docs/cli.md makes #send)',
    ]);
  });

  it('refuses links that leave the repository, wrong letter case and git-ignored folders', () => {
    const repo = repository({
      '.gitignore': 'node_modules/\n.data/\n',
      'README.md': '[topics](../elsewhere/TOPICS.md)\n\n[guide](Docs/guide.md)\n\n[data](.data/x.json)\n',
      'docs/guide.md': '# Guide\n',
      '.data/x.json': '{}',
    });

    expect(deadLinks(repo)).toEqual([
      'README.md:1: ../elsewhere/TOPICS.md (outside the repository)',
      'README.md:3: Docs/guide.md (no such file in the repository)',
      'README.md:5: .data/x.json (a git-ignored folder: it is not in a clone)',
    ]);
  });

  it('follows reference links and HTML images, and ignores code, external links and e-mail', () => {
    const repo = repository({
      'README.md': [
        'Read [the guide][guide] and <img src="docs/missing.png" width="200" alt="x">.',
        '',
        '```md',
        '[not a link](nowhere.md)',
        '```',
        '',
        '`[nor this](nowhere.md)`, [site](https://example.org/x.md), [mail](mailto:a@example.org)',
        '',
        '[guide]: docs/gone.md',
      ].join('\n'),
    });

    const problems = deadLinks(repo);

    expect(problems).toContain('README.md:1: docs/missing.png (no such file in the repository)');
    expect(problems).toContain('README.md:9: docs/gone.md (no such file in the repository)');
    expect(problems.some((problem) => problem.includes('nowhere.md'))).toBe(false);
    expect(problems.some((problem) => problem.includes('example.org'))).toBe(false);
  });

  it('makes GitHub slugs from heading text', () => {
    expect(githubSlug('Dependencies, and why each is there')).toBe('dependencies-and-why-each-is-there');
    expect(githubSlug('Ingest: sources, fetching, parsing')).toBe('ingest-sources-fetching-parsing');
    expect(githubSlug('bench:digest (20,000 readers)')).toBe('benchdigest-20000-readers');
    expect(githubSlug('Leaving the SES sandbox — step 5')).toBe('leaving-the-ses-sandbox--step-5');
    expect(githubSlug('snake_case stays')).toBe('snake_case-stays');
  });
});
