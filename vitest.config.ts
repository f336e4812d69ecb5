import { defineConfig } from 'vitest/config';

/**
 * One `npm test` runs every project: unit (pure core, fakes for ports), integration (the real
 * stand-ins, started once by a global setup on free loopback ports), and later infra and e2e.
 * mjml needs the forks or threads pool (not vmThreads).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/stand-ins.global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        // A real browser (playwright-core driving Debian's chromium): pages and emails as people see them.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
