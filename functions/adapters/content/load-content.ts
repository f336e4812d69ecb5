import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodType } from 'zod';
import { ContentError } from '../../core/errors.ts';
import { harmfulBidiControlsIn } from '../../core/text/text-safety.ts';
import type { Source } from '../../model/sources.ts';
import { vocabularySchema, type Vocabulary } from '../../core/tagging/vocabulary.ts';
import { sourcesFileSchema } from '../../core/ingest/sources.ts';
import { parseSiteArticle, type SiteArticle } from '../../core/ingest/site-articles.ts';
import { assertTemplates, type TemplateFiles } from '../../core/rendering/templates.ts';

/**
 * Reads the editorial content (topics vocabulary, sources, site articles) and templates from
 * disk and validates them against their schemas. A bad file fails with its path and the field.
 */

export async function loadVocabulary(contentDir: string): Promise<Vocabulary> {
  return loadYaml(path.join(contentDir, 'topics.yaml'), vocabularySchema);
}

export async function loadSources(contentDir: string): Promise<Source[]> {
  return (await loadYaml(path.join(contentDir, 'sources.yaml'), sourcesFileSchema)).sources;
}

export async function loadSiteArticles(contentDir: string): Promise<SiteArticle[]> {
  const directory = path.join(contentDir, 'articles');
  const names = (await readdir(directory)).filter((name) => name.endsWith('.md')).sort();
  return Promise.all(
    names.map(async (name) =>
      parseSiteArticle(
        path.join('content/articles', name),
        await readFile(path.join(directory, name), 'utf8'),
      ),
    ),
  );
}

export async function loadTemplates(templatesDir: string): Promise<TemplateFiles> {
  const files: Record<string, string> = {};
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(templatesDir, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (/\.(mjml|txt)$/.test(entry.name))
        files[name] = await readFile(path.join(templatesDir, name), 'utf8');
    }
  };
  await walk('');
  assertTemplates(files);
  return files;
}

async function loadYaml<T>(file: string, schema: ZodType<T>): Promise<T> {
  let data: unknown;
  try {
    const text = await readFile(file, 'utf8');
    refuseBidiControls(file, text);
    data = parseYaml(text);
  } catch (error) {
    if (error instanceof ContentError) throw error;
    throw new ContentError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ContentError(`${file} is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  return parsed.data;
}

/**
 * Topic labels and source names are shown to every reader: a direction control in one (text-safety.ts)
 * could make it read as something else, and an editor's file is fixed rather than silently changed.
 */
function refuseBidiControls(file: string, text: string): void {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const controls = harmfulBidiControlsIn(line);
    if (controls.length > 0) {
      throw new ContentError(
        `${file}: line ${index + 1} holds an invisible direction control (${controls.join(', ')}); remove it: a name readers see must read as it is written`,
      );
    }
  }
}
