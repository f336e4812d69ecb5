import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLocalData } from '../helpers/local-data.ts';
import { announcementLedgerId } from '../../functions/core/announcements/announcement.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout, which every send run ends with: one JSON object. */
  readonly result: Record<string, unknown>;
}

interface MailboxEmail {
  readonly destination: { to: string[] };
  readonly subject: string;
}

/**
 * `immuno-digest send` as an admin runs it: the real CLI in its own process, on its own local data
 * folder (stand-ins started by the command, data and mailbox kept in the folder between runs).
 */
describe('`immuno-digest send`', () => {
  let dataDir: string;
  let bodyFile: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DATA_DIR: dataDir, NO_COLOR: '1' });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cli-send-'));
    bodyFile = path.join(dataDir, 'announcement.md');
    await writeFile(bodyFile, '## Approved\n\nA new CAR-T therapy was approved **today**.\n');
    const cast: [string, TopicId[], SubscriberStatus][] = [
      ['ana', ['car-t'], 'confirmed'],
      ['ben', ['car-t', 'melanoma'], 'confirmed'],
      ['cleo', ['melanoma'], 'confirmed'],
      ['dan', ['car-t'], 'pending'],
      ['eve', ['car-t'], 'unsubscribed'],
      ['finn', ['car-t'], 'bounced'],
    ];
    await withLocalData(dataDir, async (context) => {
      for (const [name, topics, status] of cast) {
        await context.subscribers.create(
          newSubscriber(
            { email: `${name}@example.org`, topics, status },
            new Date(Date.now() - 60_000),
            context.subscriberIds,
          ),
        );
      }
    });
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function send(...args: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(
        'node',
        [CLI, 'send', '--body-file', bodyFile, ...args],
        { env: env(), timeout: 90_000 },
        (error, stdout, stderr) => {
          const lines = stdout.trim().split('\n');
          let result: Record<string, unknown> = {};
          try {
            result = JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
          } catch {
            // Left empty: the assertions on the result say what was missing.
          }
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, result });
        },
      );
    });
  }

  async function mailbox(subject: string): Promise<string[][]> {
    const saved = JSON.parse(
      await readFile(path.join(dataDir, 'ses-mail.json'), 'utf8').catch(() => '{}'),
    ) as {
      emails?: MailboxEmail[];
    };
    return (saved.emails ?? [])
      .filter((email) => email.subject.endsWith(subject))
      .map((email) => [email.subject, ...email.destination.to]);
  }

  it('on a dry run prints the audience in all and per topic, writes the preview and sends nothing', async () => {
    const run = await send('--subject', 'Dry CAR-T news', '--topics', 'car-t,melanoma', '--dry-run');

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Audience: 3 readers \(followers of car-t, melanoma\)/);
    expect(run.stdout).toMatch(/CAR-T[^\n]*\s2\n/);
    expect(run.stdout).toMatch(/Melanoma[^\n]*\s2\n/);
    expect(run.result).toMatchObject({
      dryRun: true,
      audience: { total: 3, byTopic: { 'car-t': 2, melanoma: 2 } },
    });
    const preview = await readFile((run.result.preview as { html: string }).html, 'utf8');
    expect(preview).toContain('<strong>today</strong>');
    expect(await mailbox('Dry CAR-T news')).toEqual([]);
  });

  it('with --test-to sends only to that address, subject marked [TEST]', async () => {
    const run = await send(
      '--subject',
      'Tested CAR-T news',
      '--topics',
      'car-t',
      '--test-to',
      'editor@example.org',
    );

    expect(run.code, run.stderr).toBe(0);
    expect(await mailbox('Tested CAR-T news')).toEqual([['[TEST] Tested CAR-T news', 'editor@example.org']]);
  });

  it('sends to the matching confirmed readers with progress and a report, and a second run sends nothing', async () => {
    const first = await send(
      '--subject',
      'CAR-T approved',
      '--topics',
      'car-t',
      '--id',
      'cli-car-t',
      '--yes',
    );
    const second = await send(
      '--subject',
      'CAR-T approved',
      '--topics',
      'car-t',
      '--id',
      'cli-car-t',
      '--yes',
    );

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/sending: 2\/2 readers \(sent 2, skipped 0, failed 0\)/);
    expect(first.stdout).toMatch(/Send cli-car-t: 2 sent, 0 skipped, 0 failed of 2 readers\./);
    expect(first.result).toMatchObject({ sendId: 'cli-car-t', outcome: 'started', sent: 2, finished: true });
    expect(second.code, second.stderr).toBe(0);
    expect(second.result).toMatchObject({ sendId: 'cli-car-t', outcome: 'already-sent', sent: 2 });
    const mail = await mailbox('CAR-T approved');
    expect(mail.map(([, to]) => to).sort()).toEqual(['ana@example.org', 'ben@example.org']);
    // The local runtime published SES's Send event of each email: the ledger knows SES accepted it.
    const ledger = await withLocalData(dataDir, (context) =>
      context.ledger.listForDigest(announcementLedgerId('cli-car-t')),
    );
    expect(ledger).toHaveLength(2);
    for (const record of ledger) {
      expect(record).toMatchObject({ status: 'sent', acceptedMessageId: record.messageId });
    }
  });

  it('refuses a real send from a script without --yes, and one that names no audience, and sends nothing', async () => {
    const unconfirmed = await send('--subject', 'Unconfirmed news', '--topics', 'car-t');
    const noAudience = await send('--subject', 'Audience-less news', '--yes');

    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toMatch(/a real send needs --yes/);
    expect(noAudience.code).not.toBe(0);
    expect(noAudience.stderr).toMatch(/audience: name the readers/);
    expect(await mailbox('Unconfirmed news')).toEqual([]);
    expect(await mailbox('Audience-less news')).toEqual([]);
  });

  it('sends to every confirmed reader with --everyone', async () => {
    const run = await send('--subject', 'News for all', '--everyone', '--id', 'cli-everyone', '--yes');

    expect(run.code, run.stderr).toBe(0);
    expect((await mailbox('News for all')).map(([, to]) => to).sort()).toEqual([
      'ana@example.org',
      'ben@example.org',
      'cleo@example.org',
    ]);
  });

  it('refuses an unknown topic with a message that names it, and sends nothing', async () => {
    const run = await send('--subject', 'Bad topic', '--topics', 'car-t,warts');

    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/topics: "warts" is not a topic/);
    expect(await mailbox('Bad topic')).toEqual([]);
  });
});
