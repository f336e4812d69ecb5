import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/imports/buttondown-subscribers.csv');

/**
 * `immuno-digest subscribers import|export` as a person runs them, alone (no `npm start`): the
 * counts and one JSON line last, the confirmation emails sent by the command itself, the export
 * read back, a second import adding nobody, and a file it cannot read refused with exit code 2.
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dataDir: string;

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, ...args],
      { env: { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lastJson = (run: Run) => JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'cli-subscribers-'));
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('`immuno-digest subscribers`', () => {
  it('imports a Buttondown export, exports the confirmed, and adds nobody the second time', async () => {
    const dry = await cli('subscribers', 'import', FIXTURE, '--dry-run', '--consented');
    const real = await cli('subscribers', 'import', FIXTURE, '--consented');
    const out = path.join(dataDir, 'readers.csv');
    const exported = await cli('subscribers', 'export', '--out', out);
    const again = await cli('subscribers', 'import', FIXTURE, '--consented');

    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('line 7: no topic of this digest (unknown: podcast)');
    expect(lastJson(dry)).toMatchObject({ dryRun: true, sourceTool: 'buttondown', new: 5, invalid: 2 });
    expect(real.code).toBe(0);
    expect(lastJson(real)).toMatchObject({ dryRun: false, new: 5, confirmed: 4, pending: 1 });
    expect(exported.code).toBe(0);
    expect(lastJson(exported)).toMatchObject({ exported: 4 });
    const csv = await readFile(out, 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'email,topics,slot,zone,created,consent_at,consent_wording_version,consent_source,country',
    );
    expect(csv).toContain('pia@example.org,checkpoint-inhibitors;melanoma,Mon 08:00,UTC,');
    expect(lastJson(again)).toMatchObject({ new: 0, alreadyHere: 5 });
  }, 300_000);

  it('refuses a file without an address column, with exit code 2 and the reason', async () => {
    const run = await cli('subscribers', 'import', path.resolve(import.meta.dirname, '../../package.json'));

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no email column');
  }, 120_000);
});
