import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestWorld } from '../../testkit/test-world.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs crashing-sender.ts in a process of its own on the world's queue: it sends
 * `killAfterSends` emails and dies by SIGKILL before the next. Resolves with how it ended.
 */
export function runCrashingSender(world: TestWorld, killAfterSends: number) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/crashing-sender.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        SENDER_CONFIG: JSON.stringify(world.context.config),
        KILL_AFTER_SENDS: String(killAfterSends),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}
