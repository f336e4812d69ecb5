import { execFile } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
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

describe('`npm start -- --once` on a fresh data folder', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'immuno-digest-'));
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(await freePort()),
      SES_PORT: String(await freePort()),
      DYNAMODB_PORT: String(await freePort()),
      SQS_PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const once = async () => {
    const { stdout } = await run('node', [CLI, 'start', '--once'], { env, timeout: 90_000 });
    const lines = stdout.trim().split('\n');
    return { summary: JSON.parse(lines.at(-1)!) as Record<string, unknown>, lines };
  };

  it('seeds the demo readers, ingests and sends one digest to each, with a JSON summary as the last line', async () => {
    const { summary, lines } = await once();

    expect(summary).toMatchObject({ digestsSent: 4, failures: 0 });
    expect(summary.articlesIngested).toBeGreaterThan(10);
    const { emails } = JSON.parse(await readFile(path.join(dataDir, 'ses-mail.json'), 'utf8')) as {
      emails: { destination: { to: string[] }; body: { text: string; html: string } }[];
    };
    expect(emails.map((email) => email.destination.to[0]).sort()).toEqual([
      'ana.demo@example.org',
      'ben.demo@example.org',
      'chloe.demo@example.org',
      'dev.demo@example.org',
    ]);
    const chloe = emails.find((email) => email.destination.to[0] === 'chloe.demo@example.org')!;
    const sections = [...chloe.body.text.matchAll(/^== (.+) ==$/gm)].map((match) => match[1]);
    expect(sections.every((section) => ['Autoimmune disease', 'Vaccines & mRNA'].includes(section!))).toBe(
      true,
    );
    // The API sources are in the demo: a trial card with its phase and status, where it recruits and,
    // for Ana in France, that it recruits in her country; a PubMed article badged by its publication type.
    const ana = emails.find((email) => email.destination.to[0] === 'ana.demo@example.org')!;
    expect(ana.body.text).toMatch(
      /\[Trial registration · Phase 1\/2\]\nAutologous Anti-CD19\/CD20 Bispecific CAR T Cells[^\n]*\nClinicalTrials\.gov[^\n]*\nRecruiting · Phase 1\/2 · sites recruiting in France and United States\n>> Recruiting in your country\nhttps:\/\/clinicaltrials\.gov\/study\/NCT07012345\n/,
    );
    expect(ana.body.text).toMatch(
      /\[Randomised trial · Phase 3\]\nCiltacabtagene autoleucel[^\n]*\nPubMed[^\n]*\nhttps:\/\/pubmed\.ncbi\.nlm\.nih\.gov\/41301234\/\n/,
    );
    expect(ana.body.html).toContain('Recruiting in your country');
    // Chloe is in France too, but her lupus trial recruits only in Germany: no such line.
    expect(chloe.body.text).toContain(
      'Recruiting · Phase 1/2 · sites recruiting in Germany\nhttps://clinicaltrials.gov/study/NCT07010555',
    );
    expect(chloe.body.text).not.toContain('Recruiting in your country');
    // What the run did is a timeline: each of those lines starts with the time it happened.
    const event = /^(?:\S+ )?(Seeded|Ingest:|Digest:|Sent) /;
    const events = lines.filter((line) => event.test(line));
    expect(events.map((line) => event.exec(line)![1])).toEqual(['Seeded', 'Ingest:', 'Digest:', 'Sent']);
    for (const line of events) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /);
    // --once reads every reader: the four demo readers, all due.
    expect(events[2]).toMatch(
      / Digest: 4 readers read, 4 due → 4 planned in \d+ groups \(\d+ send jobs\), 0 with nothing new$/,
    );
    // The mail viewer has stopped with the run: the last line says where the emails are kept instead.
    expect(events.at(-1)).toContain(`The emails are kept in ${path.join(dataDir, 'ses-mail.json')}`);
    expect(lines.join('\n')).not.toMatch(/See them at/);
  });

  it('sends nothing new when run again right after', async () => {
    const { summary } = await once();

    expect(summary).toMatchObject({ articlesIngested: 0, digestsSent: 0, failures: 0 });
  });

  it('names the port when one is taken by another program', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.SQS_PORT), '127.0.0.1', resolve));
    try {
      await expect(run('node', [CLI, 'start', '--once'], { env, timeout: 60_000 })).rejects.toMatchObject({
        stderr: expect.stringMatching(new RegExp(`port ${env.SQS_PORT} is already in use.*SQS_PORT`)),
      });
    } finally {
      blocker.close();
    }
  });
});
