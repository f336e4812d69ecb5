import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalEnvironment } from '../../functions/local/environment.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { silentLogger } from '../../functions/ports/logger.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout: one JSON object. */
  readonly result: Record<string, unknown>;
}

/**
 * Commands run in a second terminal beside a running `npm start`: they attach to its stand-ins
 * (found through DATA_DIR/runtime.json), and must tell what that instance did, with its ports.
 * The commands here run without the instance's port variables, as a person's second terminal does.
 */
describe('CLI commands beside a running `npm start`', () => {
  let dataDir: string;
  let apiPort: number;
  let sesPort: number;
  let instance: ChildProcess;
  let instanceOutput = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-attached-'));
    [apiPort, sesPort] = [await freePort(), await freePort()];
    instance = spawn('node', [CLI, 'start', '--no-demo'], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        API_PORT: String(apiPort),
        SES_PORT: String(sesPort),
        DYNAMODB_PORT: String(await freePort()),
        SQS_PORT: String(await freePort()),
        // Nothing on a schedule during the test: only what the commands ask for happens.
        INGEST_SCHEDULE: '0 0 1 1 *',
        DIGEST_SCHEDULE: '0 0 1 1 *',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    instance.stdout!.on('data', (chunk: Buffer) => (instanceOutput += chunk.toString()));
    instance.stderr!.on('data', (chunk: Buffer) => (instanceOutput += chunk.toString()));
    // Ready once its start-up ingest and planner run are done (it has nobody to plan yet).
    const started = Date.now();
    while (!/Digest: /.test(instanceOutput)) {
      if (Date.now() - started > 60_000 || instance.exitCode !== null) {
        throw new Error(`npm start did not come up:\n${instanceOutput}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const attached = await openLocalEnvironment({ env: { DATA_DIR: dataDir }, logger: silentLogger });
    try {
      expect(attached.attachedTo?.pid).toBe(instance.pid);
      const readers: [string, TopicId[]][] = [
        ['ana', ['car-t']],
        ['ben', ['melanoma']],
        ['cleo', ['lung-cancer']],
        ['dan', ['car-t', 'leukemia']],
      ];
      for (const [name, topics] of readers) {
        await attached.context.subscribers.create(
          newSubscriber({ email: `${name}@example.org`, topics, status: 'confirmed' }, new Date()),
        );
      }
    } finally {
      await attached.stop();
    }
  }, 90_000);

  afterAll(async () => {
    if (instance && instance.exitCode === null) {
      const exited = new Promise((resolve) => instance.once('exit', resolve));
      instance.kill('SIGINT');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The command as a second terminal runs it: the data folder, none of the instance's ports. */
  function cli(...args: string[]): Promise<CliRun> {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    for (const name of ['API_PORT', 'SES_PORT', 'DYNAMODB_PORT', 'SQS_PORT', 'SITE_URL']) delete env[name];
    return new Promise((resolve) => {
      execFile('node', [CLI, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) => {
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

  it('`digest` waits for the running instance to send what it planned, and reports what it sent', async () => {
    const run = await cli('digest', '--ignore-slot');

    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      planned: 4,
      sentBy: `running instance (pid ${instance.pid})`,
      handedOver: true,
      digestsSent: 4,
      failed: 0,
      pending: 0,
      drained: true,
    });
    expect(run.stdout).toMatch(
      new RegExp(
        `Handed 4 digests to the running instance \\(pid ${instance.pid}\\)[^\\n]*: 4 sent, 0 skipped, 0 failed`,
      ),
    );
    const store = (await (await fetch(`http://127.0.0.1:${sesPort}/store`)).json()) as {
      emails: { destination: { to: string[] } }[];
    };
    expect(store.emails.map((email) => email.destination.to[0]).sort()).toEqual([
      'ana@example.org',
      'ben@example.org',
      'cleo@example.org',
      'dan@example.org',
    ]);
    // The instance says so on its own console too, batch by batch, each line with its time.
    const sendLines = instanceOutput.split('\n').filter((line) => / Sent \d+ emails? \(/.test(line));
    for (const line of sendLines)
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z Sent \d+ emails? \(0 skipped, 0 failed\)$/);
    expect(sendLines.reduce((total, line) => total + Number(/ Sent (\d+)/.exec(line)![1]), 0)).toBe(4);
  });

  it('`preview` links to the running instance’s site, not to the default port', async () => {
    const out = path.join(dataDir, 'preview.html');

    const run = await cli('preview', '--topics', 'car-t', '--out', out);

    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html).toContain(`http://localhost:${apiPort}/preferences?token=`);
    expect(html).not.toMatch(/localhost:3000/);
  });
});
