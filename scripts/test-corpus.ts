/**
 * `npm run test:corpus -- --dir <folder>`: runs test/corpus (the feed parser over every file of a
 * folder of real-world feeds that are not ours to commit) on that folder. The folder may also come
 * from FEED_CORPUS_DIR; a relative one is taken from where npm was run. Any other arguments go to
 * vitest (`-- --dir <folder> -t nshipster`). Not part of `npm test`: CI runs it when it has a corpus.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

const { values, tokens } = parseArgs({
  options: { dir: { type: 'string' } },
  strict: false,
  tokens: true,
});
const folder = typeof values.dir === 'string' ? values.dir : process.env.FEED_CORPUS_DIR?.trim();
if (!folder) {
  console.error(
    'Pass the folder of feed files: npm run test:corpus -- --dir <folder> (or set FEED_CORPUS_DIR)',
  );
  process.exit(2);
}

// Everything but --dir and its value goes on to vitest.
const vitestArgs: string[] = [];
for (const token of tokens) {
  if (token.kind === 'option' && token.name === 'dir') continue;
  if (token.kind === 'option')
    vitestArgs.push(token.rawName, ...(token.value === undefined ? [] : [token.value]));
  else if (token.kind === 'positional') vitestArgs.push(token.value);
  else vitestArgs.push('--');
}

const vitest = spawn(
  process.execPath,
  [
    path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--config',
    'vitest.corpus.config.ts',
    ...vitestArgs,
  ],
  {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, FEED_CORPUS_DIR: path.resolve(process.env.INIT_CWD ?? process.cwd(), folder) },
  },
);
vitest.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
