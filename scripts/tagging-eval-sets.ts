import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContentError } from '../functions/core/errors.ts';
import { parseLabelledTitles, type LabelledTitle } from '../functions/core/tagging/evaluation.ts';

/**
 * The labelled title sets the tagger is judged on: the two shared samples (real titles, beside
 * the project in ../shared/eval, or wherever TAGGING_EVAL_DIR points) and the project's own
 * held-out set, written before the vocabulary was tuned and never tuned on.
 */

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export interface EvaluationSet {
  /** Key in the JSON summary. */
  readonly key: 'dev' | 'newsDev' | 'heldOut';
  readonly description: string;
  readonly file: string;
}

export function evaluationSets(sharedEvalDir = process.env.TAGGING_EVAL_DIR?.trim()): EvaluationSet[] {
  const shared = sharedEvalDir || path.resolve(PROJECT_ROOT, '../shared/eval');
  return [
    {
      key: 'dev',
      description: 'journal titles (shared tagging-dev)',
      file: path.join(shared, 'tagging-dev.jsonl'),
    },
    {
      key: 'newsDev',
      description: 'news and patient headlines (shared tagging-news-dev)',
      file: path.join(shared, 'tagging-news-dev.jsonl'),
    },
    {
      key: 'heldOut',
      description: 'held-out titles of both kinds (test/fixtures)',
      file: path.join(PROJECT_ROOT, 'test/fixtures/tagging-heldout.jsonl'),
    },
  ];
}

/** Reads and validates one set; a missing file says where it was looked for. */
export async function loadEvaluationSet(set: EvaluationSet): Promise<LabelledTitle[]> {
  let text: string;
  try {
    text = await readFile(set.file, 'utf8');
  } catch (error) {
    throw new ContentError(
      `${set.file}: cannot read the ${set.description} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'the shared sets live in ../shared/eval beside the project, or set TAGGING_EVAL_DIR',
      { cause: error },
    );
  }
  return parseLabelledTitles(text, path.basename(set.file));
}
