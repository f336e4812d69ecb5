import { defineConfig } from 'vitest/config';

/**
 * One `npm test` runs every project: unit (pure core, fakes for ports), integration (the real
 * stand-ins, started once by a global setup on free loopback ports), infra (CDK assertions) and
 * e2e (a real browser).
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
        // The CDK app synthesized with aws-cdk-lib/assertions (no bundling): resources, grants, wiring, cdk-nag.
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // The chaos soak in small: its own stand-ins, two simulated weeks (npm run soak runs ten).
        test: { name: 'soak', include: ['test/soak/**/*.test.ts'], testTimeout: 600_000 },
      },
      {
        extends: true,
        test: {
          // Real browser (Debian's chromium via playwright-core) against the app on the stand-ins.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/stand-ins.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
