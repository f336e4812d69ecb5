import { defineConfig } from 'vitest/config';

/**
 * `npm run test:corpus`: the parser over a directory of real-world feeds (FEED_CORPUS_DIR), kept
 * out of `npm test` because the files are not ours to commit. CI runs it with
 * FEED_CORPUS_DIR=../shared/corpus/feeds.
 */
export default defineConfig({
  test: {
    name: 'corpus',
    include: ['test/corpus/**/*.test.ts'],
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
