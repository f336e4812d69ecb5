import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout: one JSON object. */
  readonly result: Record<string, unknown>;
}

/**
 * Scheduled sends from the command line, the real CLI in its own process on its own data folder:
 * `send --at` records the send (and sends nothing), `send list` shows it scheduled with its time,
 * `send cancel` cancels it; a time in the past or without its zone is refused with exit 2.
 */
describe('`immuno-digest send --at`, `send list`, `send cancel`', () => {
  let dataDir: string;
  let bodyFile: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-schedule-'));
    bodyFile = path.join(dataDir, 'announcement.md');
    await writeFile(bodyFile, 'Our winter webinar is on **Thursday**.\n');
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function cli(...args: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile('node', [CLI, ...args], { env: env(), timeout: 90_000 }, (error, stdout, stderr) => {
        let result: Record<string, unknown> = {};
        try {
          result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
        } catch {
          // Left empty: the assertions on the result say what was missing.
        }
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, result });
      });
    });
  }

  it('schedules, lists and cancels a send, and mails nobody', async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 48 * 3600_000).toISOString();
    const scheduled = await cli(
      'send',
      '--subject',
      'Winter webinar',
      '--body-file',
      bodyFile,
      '--everyone',
      '--id',
      'webinar-cli',
      '--yes',
      '--at',
      at,
    );
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.result).toMatchObject({ sendId: 'webinar-cli', outcome: 'scheduled', sendAt: at });
    expect(scheduled.stdout).toContain('send cancel webinar-cli');

    const list = await cli('send', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/webinar-cli\s+scheduled\s+for /);
    expect(list.result).toMatchObject({
      sends: [{ sendId: 'webinar-cli', status: 'scheduled', scheduledFor: at, sent: 0 }],
    });

    const cancelled = await cli('send', 'cancel', 'webinar-cli');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.result).toEqual({ sendId: 'webinar-cli', outcome: 'cancelled' });
    expect((await cli('send', 'list', '--json')).result).toMatchObject({
      sends: [{ sendId: 'webinar-cli', status: 'cancelled' }],
    });
    const saved = await readFile(path.join(dataDir, 'ses-mail.json'), 'utf8').catch(() => '{}');
    expect(saved).not.toContain('Winter webinar');
  });

  it('refuses a time in the past or without its zone with exit 2, before anything starts', async () => {
    for (const at of ['2020-01-01T09:00:00Z', '2030-01-01T09:00:00']) {
      const run = await cli(
        'send',
        '--subject',
        'Late',
        '--body-file',
        bodyFile,
        '--everyone',
        '--yes',
        '--at',
        at,
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/immuno-digest: invalid send time: /);
    }
    const unknown = await cli('send', 'cancel', 'never-scheduled');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no send has the id "never-scheduled"/);
  });
});
