import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContentError } from '../functions/core/errors.ts';
import { parseLabelledTitles, type LabelledTitle } from '../functions/core/tagging/evaluation.ts';

/**
 * The labelled title sets the tagger is judged on. The project's own live in
 * test/fixtures/tagging/ (its README says where the titles come from and how they are labelled):
 * two development sets, journal titles and news or patient headlines, and a held-out set written
 * before the vocabulary was tuned and never tuned on. Sets kept outside the repository (any folder
 * of *.jsonl files in the same format) are scored with {@link evaluationSetsIn}.
 */

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

const PROJECT_SETS_DIR = path.join(PROJECT_ROOT, 'test/fixtures/tagging');

export interface EvaluationSet {
  /** Key in the JSON summary. */
  readonly key: string;
  readonly description: string;
  readonly file: string;
}

/** The project's own sets: what `npm test` gates on and `npm run eval:tagging` reports. */
export function evaluationSets(): EvaluationSet[] {
  return [
    {
      key: 'journalDev',
      description: 'journal titles (development set, test/fixtures/tagging/journal-dev.jsonl)',
      file: path.join(PROJECT_SETS_DIR, 'journal-dev.jsonl'),
    },
    {
      key: 'newsDev',
      description: 'news and patient headlines (development set, test/fixtures/tagging/news-dev.jsonl)',
      file: path.join(PROJECT_SETS_DIR, 'news-dev.jsonl'),
    },
    {
      key: 'heldOut',
      description: 'held-out titles of both kinds (test/fixtures/tagging/heldout.jsonl)',
      file: path.join(PROJECT_SETS_DIR, 'heldout.jsonl'),
    },
  ];
}

/**
 * Every *.jsonl file of a folder outside the project, one set each, keyed by file name. Fails
 * when the folder cannot be read or holds no set, so that a CI check never passes on nothing.
 */
export async function evaluationSetsIn(dir: string): Promise<EvaluationSet[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new ContentError(
      `${dir}: cannot read the folder of evaluation sets (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  const files = names.filter((name) => name.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new ContentError(`${dir}: no *.jsonl evaluation sets in this folder`);
  return files.map((name) => ({
    key: path.basename(name, '.jsonl'),
    description: `${name} (${dir})`,
    file: path.join(dir, name),
  }));
}

/** Reads and validates one set; a missing file says which set and where it was looked for. */
export async function loadEvaluationSet(set: EvaluationSet): Promise<LabelledTitle[]> {
  let text: string;
  try {
    text = await readFile(set.file, 'utf8');
  } catch (error) {
    throw new ContentError(
      `${set.file}: cannot read the ${set.description} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  return parseLabelledTitles(text, path.basename(set.file));
}
