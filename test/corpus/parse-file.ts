import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { loadVocabulary } from '../../functions/adapters/content/load-content.ts';
import { FeedError, describeError } from '../../functions/core/errors.ts';
import { readFeed } from '../../functions/core/ingest/read-feed.ts';
import { createTagger } from '../../functions/core/tagging/tagger.ts';
import type { Source } from '../../functions/model/sources.ts';
import { FIRST_SEEN_AT, type ParseOutcome } from './parse-outcome.ts';

/**
 * Parses one corpus file per message, in a worker thread, so the test can stop a parse that
 * hangs (a synchronous loop cannot be interrupted from the thread it runs on).
 */

const tagger = createTagger(await loadVocabulary(path.resolve(import.meta.dirname, '../../content')));

parentPort!.on('message', (file: string) => {
  const name = path.basename(file);
  const source: Source = {
    id: 'corpus',
    name,
    // Where relative links resolve: the corpus files do not say where they were fetched from.
    url: `https://corpus.example.org/feeds/${encodeURIComponent(name)}`,
    broad: true,
    weight: 1,
    enabled: true,
  };
  let outcome: ParseOutcome;
  try {
    const feed = readFeed(
      readFileSync(file),
      source,
      { tagger },
      { url: source.url, firstSeenAt: new Date(FIRST_SEEN_AT) },
    );
    outcome = {
      file,
      status: 'parsed',
      format: feed.format,
      title: feed.title,
      itemsSeen: feed.itemsSeen,
      articles: feed.candidates.map((candidate) => ({
        title: candidate.title,
        url: candidate.url,
        summary: candidate.summary,
        publishedAt: candidate.publishedAt,
        keys: candidate.identityKeys,
      })),
      rejections: feed.rejections,
    };
  } catch (error) {
    outcome =
      error instanceof FeedError
        ? { file, status: 'failed', kind: error.kind, message: error.message }
        : { file, status: 'crashed', error: describeError(error), stack: (error as Error).stack ?? '' };
  }
  parentPort!.postMessage(outcome);
});
