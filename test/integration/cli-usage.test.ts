import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real bin with the given settings (none of the port variables unless given). */
function cli(args: string[], settings: Record<string, string> = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  for (const name of ['API_PORT', 'SES_PORT', 'DYNAMODB_PORT', 'SQS_PORT', 'DATA_DIR']) {
    if (!(name in settings)) delete env[name];
  }
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the CLI’s help and exit codes', () => {
  it('`start --help` shows the ports and data folder in effect, not the defaults', async () => {
    const run = await cli(['start', '--help'], {
      API_PORT: '3999',
      SES_PORT: '8999',
      DATA_DIR: '/tmp/elsewhere',
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/HTTP API on :3999, mail viewer on\s+:8999/);
    expect(run.stdout).toContain('http://localhost:3999  (API_PORT)');
    expect(run.stdout).toContain('/tmp/elsewhere  (DATA_DIR)');
    expect(run.stdout).not.toMatch(/:3000\b/);
  });

  it('`start --help` says which ports are the defaults, and still helps when a setting is bad', async () => {
    const defaults = await cli(['start', '--help']);
    const bad = await cli(['start', '--help'], { API_PORT: 'abc' });

    expect(defaults.stdout).toContain('http://localhost:3000  (API_PORT, default)');
    expect(bad.code).toBe(0);
    expect(bad.stdout).toMatch(/API_PORT .*"abc"/);
  });

  it('lists the exit codes in the main help', async () => {
    const run = await cli(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Exit codes: 0 done, 1 failure, 2 bad input or usage, 3 stopped with work left queued/,
    );
  });

  it.each<[string, string[], RegExp, Record<string, string>?]>([
    ['an unknown option', ['digest', '--bogus'], /unknown option '--bogus'/],
    [
      'a missing required option',
      ['preview', '--topics', 'car-t'],
      /required option '--out <file>' not specified/,
    ],
    ['an unknown topic', ['preview', '--topics', 'warts', '--out', 'x.html'], /^immuno-digest: .*"warts"/m],
    [
      'a time that is not one',
      ['digest', '--now', 'yesterday'],
      /^immuno-digest: --now: "yesterday" is not an ISO date-time/m,
    ],
    [
      'a bad setting',
      ['ingest'],
      /^immuno-digest: Invalid local settings:\n\s+- API_PORT/m,
      { API_PORT: 'abc' },
    ],
  ])('exits 2 with a message for %s', async (_case, args, message, settings = {}) => {
    const run = await cli(args, settings);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
