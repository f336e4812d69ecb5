import { defineConfig } from 'vitest/config';

/**
 * `npm run test:corpus -- --dir <folder>` (scripts/test-corpus.ts): the parser over a folder of
 * real-world feeds (FEED_CORPUS_DIR), kept out of `npm test` because the files are not ours to
 * commit. CI runs it when it has such a folder.
 */
export default defineConfig({
  test: {
    name: 'corpus',
    include: ['test/corpus/**/*.test.ts'],
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
