/**
 * `npm run screenshots`: regenerates the screenshots the docs show. Runs the browser tests (the
 * e2e project: Debian's chromium through playwright-core, the app on the stand-ins), which save
 * their screenshots under test-results/screenshots/, then copies the ones the docs use into
 * docs/screenshots/. Arguments go to vitest: `npm run screenshots -- test/e2e/fresh-start.test.ts`
 * runs one file and copies only what that run wrote. Nothing is copied when a test fails.
 */
import { spawn } from 'node:child_process';
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const FROM = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
const TO = path.join(PROJECT_ROOT, 'docs', 'screenshots');

/** The screenshots docs/ and README.md show, and the test that takes each. */
const KEPT: Readonly<Record<string, string>> = {
  'digest-375.png': 'digest-email (every badge, a fixture digest)',
  'digest-700.png': 'digest-email',
  'digest-demo-375.png': 'fresh-start (the first demo reader’s real digest)',
  'digest-demo-700.png': 'fresh-start',
  'web-edition-700.png': 'fresh-start',
  'site-article-1280.png': 'fresh-start',
  'archive-fresh-start-375.png': 'fresh-start',
  'archive-fresh-start-1280.png': 'fresh-start',
  'subscribe-375.png': 'subscriber-journey',
  'subscribe-1280.png': 'subscriber-journey',
  'preferences-375.png': 'subscriber-journey',
  'preferences-1280.png': 'subscriber-journey',
  'archive-1280.png': 'subscriber-journey',
  'edition-1280.png': 'subscriber-journey',
  'admin-preview-frame.png': 'admin-send',
  'admin-past-sends.png': 'admin-send',
  'editors-desk-1280.png': 'editors-desk',
  'editors-desk-375.png': 'editors-desk',
  'editors-desk-preview-1280.png': 'editors-desk',
  'admin-dashboard-1280.png': 'admin-dashboard',
  'admin-dashboard-375.png': 'admin-dashboard',
};

const startedAt = Date.now();
const code = await new Promise<number>((resolve) => {
  const vitest = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--project',
      'e2e',
      ...process.argv.slice(2),
    ],
    { cwd: PROJECT_ROOT, stdio: 'inherit' },
  );
  vitest.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
if (code !== 0) {
  console.error('The browser tests failed: docs/screenshots/ is unchanged.');
  process.exit(code);
}

const copied: string[] = [];
for (const name of Object.keys(KEPT)) {
  const source = path.join(FROM, name);
  const written = await stat(source).catch(() => undefined);
  // Only what this run took: an older file in test-results/ may show pages as they were.
  if (!written || written.mtimeMs < startedAt) continue;
  await copyFile(source, path.join(TO, name));
  copied.push(name);
}
console.log(
  copied.length > 0
    ? `Copied to docs/screenshots/: ${copied.join(', ')}`
    : 'This run took none of the screenshots the docs show.',
);
