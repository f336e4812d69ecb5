import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * vitest queues the projects in alphabetical order (e2e, infra, integration, soak, unit), so the
 * one long soak file would start near the end and run alone. The forks are best used longest work
 * first: the soak, then integration, e2e, infra and the many short unit files to fill the gaps.
 * Within a project vitest's own order stands (slowest first once it has timings, largest first
 * on a fresh clone).
 */
const PROJECTS_LONGEST_FIRST = ['soak', 'integration', 'e2e', 'infra', 'unit'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = PROJECTS_LONGEST_FIRST.indexOf(file.project.name);
      return index === -1 ? PROJECTS_LONGEST_FIRST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * One `npm test` runs every project: unit (pure core, fakes for ports), integration (the real
 * stand-ins, started once by a global setup on free loopback ports), infra (CDK assertions) and
 * e2e (a real browser).
 * mjml needs the forks or threads pool (not vmThreads).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    // vitest's default is one fork fewer than the cores: a single fork on the 2-core machines the
    // project runs on, every file in turn. Most of a file's time is waiting (on the stand-ins, on
    // the CLI and bundle processes it starts, on the browser, on SQS delays), not computing, so the
    // files share the cores: each has its own tables, queues, addresses and free ports.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    sequence: { sequencer: LongestFirstSequencer },
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
