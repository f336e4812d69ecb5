import type { ArticleReader } from '../../ports/article-store.ts';
import type { EditorNoteStore } from '../../ports/editorial-store.ts';
import type { Logger } from '../../ports/logger.ts';
import type { DigestViewInput } from '../rendering/digest-view.ts';
import type { EmailRenderer } from '../rendering/email-renderer.ts';
import { digestInputsFor } from './deliver-job.ts';
import type { DigestJob } from './send-job.ts';

/** One digest job made ready to send, or why it could not be. */
export type PreparedDigest =
  | { readonly ready: true; readonly input: DigestViewInput }
  | { readonly ready: false; readonly error: unknown };

export interface PrepareDependencies {
  readonly articles: ArticleReader;
  readonly renderer: Pick<EmailRenderer, 'prepareDigests'>;
  readonly logger: Logger;
  readonly editorNotes?: Pick<EditorNoteStore, 'getNote'>;
}

/**
 * Reads and renders what a batch's digest jobs need: all together when it can (one batch read
 * of their articles, one MJML render of every missing piece), and job by job when that fails, so
 * that a job whose articles cannot be read or rendered fails alone — its message comes back, and
 * the other jobs of the batch are sent.
 */
export async function prepareDigestBatch(
  jobs: readonly DigestJob[],
  deps: PrepareDependencies,
): Promise<Map<DigestJob, PreparedDigest>> {
  const prepared = new Map<DigestJob, PreparedDigest>();
  if (jobs.length === 0) return prepared;
  try {
    const inputs = await prepareTogether(jobs, deps);
    jobs.forEach((job, index) => prepared.set(job, { ready: true, input: inputs[index]! }));
    return prepared;
  } catch (error) {
    if (jobs.length === 1) return prepared.set(jobs[0]!, { ready: false, error });
    deps.logger.warn('preparing the batch together failed: preparing its jobs one by one', { error });
  }
  for (const job of jobs) {
    try {
      prepared.set(job, { ready: true, input: (await prepareTogether([job], deps))[0]! });
    } catch (error) {
      prepared.set(job, { ready: false, error });
    }
  }
  return prepared;
}

async function prepareTogether(
  jobs: readonly DigestJob[],
  deps: PrepareDependencies,
): Promise<DigestViewInput[]> {
  const inputs = await digestInputsFor(jobs, deps.articles, deps.editorNotes);
  await deps.renderer.prepareDigests(inputs);
  return inputs;
}
