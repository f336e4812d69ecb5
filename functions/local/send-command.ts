import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { adminSendDependencies } from '../app/admin.ts';
import type { AdminSendDependencies, ComposedSend } from '../core/announcements/admin-send.ts';
import { composeSend } from '../core/announcements/compose-send.ts';
import { sendStatus, type SendStatus } from '../core/announcements/send-status.ts';
import { startSend } from '../core/announcements/start-send.ts';
import { parseSendAt, scheduleSend } from '../core/announcements/schedule-send.ts';
import { sendTest } from '../core/announcements/test-send.ts';
import { parseDraft } from '../core/announcements/announcement.ts';
import type { AudienceSummary } from '../model/announcements.ts';
import { ValidationError } from '../core/errors.ts';
import type { TopicId } from '../model/topics.ts';
import type { AdminActor } from '../model/announcements.ts';
import { openLocalEnvironment, type LocalEnvironment } from './environment.ts';
import { createLocalSender } from './local-sender.ts';
import { createProgressReporter } from './send-progress.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { cannotRead } from './file-errors.ts';

export interface SendCommandOptions {
  readonly subject: string;
  readonly bodyFile: string;
  readonly topics?: string;
  /** Every confirmed reader: the audience must be named, `--topics` or this. */
  readonly everyone?: boolean;
  readonly dryRun?: boolean;
  readonly testTo?: string;
  readonly id?: string;
  readonly previewOut?: string;
  readonly yes?: boolean;
  /** Schedule the send for this time (ISO 8601 with its zone) instead of sending now. */
  readonly at?: string;
}

/** A send whose counts do not move for this long is left to finish (or be resumed) later. */
const STALL_MS = 60_000;
const POLL_MS = 500;

/**
 * `immuno-digest send`: an admin's one-off announcement from the command line. The audience is
 * always named (`--topics`, or `--everyone`). `--dry-run` prints the audience and writes the
 * preview; `--test-to` mails that address only; otherwise, once confirmed (typing "send" on a
 * terminal, or `--yes`), it records the send, sends it through the queue, sender, rate limiter and
 * ledger the digest uses (its own sender, or the one of a running `npm start`), shows the progress
 * and ends with a report. The last line is always one JSON object.
 */
export async function sendCommand(options: SendCommandOptions): Promise<void> {
  if (options.dryRun && options.testTo) {
    throw new ValidationError('--dry-run sends nothing: leave out --test-to, or --dry-run');
  }
  if (options.at !== undefined && (options.dryRun || options.testTo)) {
    throw new ValidationError('--at schedules the real send: leave it out of a --dry-run or --test-to');
  }
  // Checked before anything starts: a time in the past is refused at once.
  if (options.at !== undefined) parseSendAt(options.at, new Date());
  const draft = draftOf(options, await readBody(options.bodyFile));
  // Scripts and pipes have no one to ask, so they say --yes: a real send is never a default.
  if (!options.dryRun && !options.testTo && !options.yes && !onTerminal()) {
    throw new ValidationError(
      'not sending: without a terminal to confirm on, a real send needs --yes (try --dry-run or --test-to first)',
    );
  }
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  const deps = adminSendDependencies(environment.context);
  try {
    const composed = await composeSend(draft, options.id, deps);
    const labels = environment.context.topicLabels;
    console.log(`Send id: ${composed.sendId}`);
    console.log(`Subject: ${composed.draft.content.subject}`);
    for (const line of audienceLines(composed.audience, draft.topics, labels)) console.log(line);
    for (const removed of composed.removed) console.log(`Removed before sending: ${removed}`);

    if (options.dryRun) return await dryRun(composed, options, environment);
    const actor = cliActor();
    if (options.testTo) {
      const test = await sendTest(composed, options.testTo, actor, deps);
      console.log(`Test sent to ${test.to} ("${test.subject}"), message id ${test.messageId}.`);
      console.log(JSON.stringify({ sendId: composed.sendId, test }));
      return;
    }
    const sendAt =
      options.at === undefined ? undefined : parseSendAt(options.at, environment.context.clock.now());
    if (!(await confirmed(composed, options, sendAt))) {
      console.log('Not sent.');
      console.log(JSON.stringify({ sendId: composed.sendId, sent: false }));
      return;
    }
    if (sendAt) {
      const scheduled = await scheduleSend(composed, sendAt, actor, deps);
      console.log(
        scheduled.outcome === 'scheduled'
          ? `Scheduled for ${scheduled.sendAt}: a running \`npm start\` sends it then. Cancel it before with \`immuno-digest send cancel ${scheduled.sendId}\`.`
          : `Already scheduled for ${scheduled.sendAt}: nothing changed.`,
      );
      console.log(JSON.stringify({ ...scheduled, audience: composed.audience.total }));
      return;
    }
    await sendForReal(composed, actor, deps, environment);
  } finally {
    await environment.stop();
  }
}

/** The draft of the options, its audience problems said in the options' words. */
function draftOf(options: SendCommandOptions, body: string) {
  try {
    return parseDraft({
      subject: options.subject,
      body,
      format: path.extname(options.bodyFile).toLowerCase() === '.mjml' ? 'mjml' : 'markdown',
      topics: options.topics,
      ...(options.everyone ? { audience: 'everyone' } : {}),
    });
  } catch (error) {
    if (
      !(error instanceof ValidationError) ||
      !error.issues.some((issue) => /^(audience|topics):/.test(issue))
    )
      throw error;
    throw new ValidationError(
      `${error.message} (name the audience with --topics a,b or --everyone)`,
      error.issues,
      {
        cause: error,
      },
    );
  }
}

async function dryRun(composed: ComposedSend, options: SendCommandOptions, environment: LocalEnvironment) {
  const htmlFile = path.resolve(
    options.previewOut ?? path.join(environment.settings.dataDir, 'previews', `${composed.sendId}.html`),
  );
  const textFile = htmlFile.replace(/(\.html?)?$/i, '.txt');
  await mkdir(path.dirname(htmlFile), { recursive: true });
  await writeFile(htmlFile, composed.preview.html);
  await writeFile(textFile, composed.preview.text);
  console.log(`Preview: ${htmlFile} (text part: ${textFile})`);
  console.log('Dry run: nothing was sent or recorded.');
  console.log(
    JSON.stringify({
      sendId: composed.sendId,
      dryRun: true,
      audience: composed.audience,
      alreadySent: composed.existing?.status === 'queued',
      removed: composed.removed,
      preview: { html: htmlFile, text: textFile },
    }),
  );
}

async function sendForReal(
  composed: ComposedSend,
  actor: AdminActor,
  deps: AdminSendDependencies,
  environment: LocalEnvironment,
) {
  const started = await startSend(composed, actor, deps);
  if (started.outcome === 'already-sent') {
    console.log(`Send ${started.sendId} already went out to everyone in it: nothing more to send.`);
    report(started.outcome, (await sendStatus(started.sendId, deps))!, true);
    return;
  }
  if (started.outcome === 'resumed')
    console.log(`Resuming send ${started.sendId}: whoever has it is skipped.`);
  const sender = environment.attachedTo ? undefined : createLocalSender(environment, { waitTimeSeconds: 1 });
  if (environment.attachedTo)
    console.log(`The running instance (pid ${environment.attachedTo.pid}) sends it.`);
  sender?.start();
  const progress = createProgressReporter();
  let status: SendStatus = (await sendStatus(started.sendId, deps))!;
  try {
    let lastChange = Date.now();
    let lastDone = -1;
    for (;;) {
      const done = status.counts.sent + status.counts.skipped + status.counts.failed;
      progress.update({
        ...status.counts,
        total: status.audience?.total ?? composed.audience.total,
      });
      if (status.state === 'sent') break;
      if (done !== lastDone) [lastDone, lastChange] = [done, Date.now()];
      else if (Date.now() - lastChange > STALL_MS) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      status = (await sendStatus(started.sendId, deps))!;
    }
  } finally {
    progress.stop();
    await sender?.stop();
  }
  const finished = status.state === 'sent';
  if (!finished) {
    console.error(
      `immuno-digest: ${status.pending} readers are still to send after ${STALL_MS / 1000} s without progress; ` +
        'run the same command again to resume (nobody gets it twice).',
    );
    process.exitCode = EXIT_CODES.stoppedEarly;
  }
  report(started.outcome, status, finished);
}

function report(outcome: string, status: SendStatus, finished: boolean) {
  const { sent, skipped, failed } = status.counts;
  console.log(
    `Send ${status.sendId}: ${sent} sent, ${skipped} skipped, ${failed} failed of ${readers(status.audience?.total ?? 0)}.`,
  );
  console.log(
    JSON.stringify({
      sendId: status.sendId,
      outcome,
      audience: status.audience?.total ?? 0,
      sent,
      skipped,
      failed,
      pending: status.pending,
      finished,
    }),
  );
}

function audienceLines(
  audience: AudienceSummary,
  topics: readonly TopicId[],
  labels: Readonly<Record<TopicId, string>>,
): string[] {
  const who = topics.length > 0 ? `followers of ${topics.join(', ')}` : 'every confirmed reader';
  const lines = [`Audience: ${readers(audience.total)} (${who}); ${audience.pausedLeftOut} paused left out`];
  const perTopic = Object.entries(audience.byTopic).filter(
    ([, count]) => topics.length > 0 || (count ?? 0) > 0,
  );
  const width = Math.max(0, ...perTopic.map(([topic]) => labels[topic as TopicId].length));
  for (const [topic, count] of perTopic) lines.push(`  ${labels[topic as TopicId].padEnd(width)}  ${count}`);
  return lines;
}

async function confirmed(
  composed: ComposedSend,
  options: SendCommandOptions,
  sendAt: Date | undefined,
): Promise<boolean> {
  if (options.yes) return true;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const when = sendAt ? `at ${sendAt.toISOString()}` : 'now';
    const answer = await prompt.question(
      `Send "${composed.draft.content.subject}" to ${readers(composed.audience.total)} ${when}? Type "send" to confirm: `,
    );
    return answer.trim().toLowerCase() === 'send';
  } finally {
    prompt.close();
  }
}

function onTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

async function readBody(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw cannotRead(file, error, '--body-file');
  }
}

/** Who the audit names for a command-line send: the OS user on this machine. */
export function cliActor(): AdminActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the user: the host still says something.
  }
  return { principal: `${user}@${hostname()}`, via: 'cli' };
}

function readers(count: number): string {
  return `${count.toLocaleString('en')} ${count === 1 ? 'reader' : 'readers'}`;
}
