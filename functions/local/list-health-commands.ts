import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { handleSesEvent } from '../app/mail-events.ts';
import { loadListStats, type ListStats } from '../core/list-health/dashboard.ts';
import {
  changeReaderByHand,
  findReader,
  type HandAction,
  type ReaderView,
} from '../core/list-health/readers.ts';
import { ValidationError } from '../core/errors.ts';
import type { AdminActor } from '../model/announcements.ts';
import { READER_STATES } from '../model/list-health.ts';
import { openLocalEnvironment, type LocalEnvironment } from './environment.ts';

/**
 * The list's health from the command line: `stats`, readers one at a time (`subscribers show`,
 * `subscribers unsubscribe|suppress`), and `simulate bounce|complaint`, which hands the SES event
 * a real bounce would bring to the same code the ses-events function runs. Each prints a human
 * summary and, with --json (always for the changes), one JSON line last.
 */
export function registerListHealthCommands(program: Command): void {
  program
    .command('stats')
    .description(
      'The dashboard: readers by status and topic, 12 weeks of change, last runs, emails per digest week, ' +
        'bounce and complaint rates beside SES’s thresholds, DLQ depth, feed health',
    )
    .option('--json', 'print one JSON line last')
    .action((options: { json?: boolean }) =>
      withEnvironment((environment) => statsCommand(environment, options)),
    );

  // `subscribers` may already hold other commands (export, import): add to it, never twice.
  const subscribers =
    program.commands.find((command) => command.name() === 'subscribers') ??
    program.command('subscribers').description('Readers: one at a time, by exact address');
  subscribers
    .command('show')
    .argument('<email>', 'the reader’s exact address')
    .description(
      'Where one reader stands: status, topics, slot and zone, last digests, and the audit of changes by hand',
    )
    .option('--json', 'print one JSON line last')
    .action((email: string, options: { json?: boolean }) =>
      withEnvironment(async (environment) => {
        const reader = await findReader(email, environment.context);
        printReader(reader);
        if (options.json) console.log(JSON.stringify(reader));
      }),
    );
  for (const action of ['unsubscribe', 'suppress'] as const) {
    subscribers
      .command(action)
      .argument('<email>', 'the reader’s exact address')
      .requiredOption('--reason <text>', 'why (kept in the audit with who and when)')
      .description(
        action === 'unsubscribe'
          ? 'Unsubscribe a reader by hand (a mailto: request, a support mail); they may subscribe again'
          : 'Suppress an address by hand: never mailed again, not even after a new sign-up',
      )
      .action((email: string, options: { reason: string }) =>
        withEnvironment((environment) => handCommand(environment, email, action, options.reason)),
      );
  }

  program
    .command('simulate')
    .description(
      'Drive the SES-events path locally: the event SES would publish for the address goes through the ' +
        'code the ses-events function runs, so the suppression can be seen without AWS',
    )
    .argument('<event>', 'bounce or complaint')
    .argument('<email>', 'the recipient the event is about')
    .option('--soft', 'a soft (transient) bounce instead of a hard one')
    .action((event: string, email: string, options: { soft?: boolean }) =>
      withEnvironment((environment) => simulateCommand(environment, event, email, options.soft === true)),
    );
}

async function withEnvironment(run: (environment: LocalEnvironment) => Promise<void>): Promise<void> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    await run(environment);
  } finally {
    await environment.stop();
  }
}

const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;

async function statsCommand(environment: LocalEnvironment, options: { json?: boolean }): Promise<void> {
  const stats = await loadListStats(environment.context);
  printStats(stats);
  if (options.json) console.log(JSON.stringify(stats));
}

function printStats(stats: ListStats): void {
  console.log(`Readers (${stats.generatedAt}):`);
  for (const state of READER_STATES) console.log(`  ${state.padEnd(13)} ${stats.readers.byState[state]}`);
  console.log('Confirmed readers by topic:');
  for (const [topic, count] of Object.entries(stats.readers.byTopic))
    console.log(`  ${topic.padEnd(24)} ${count}`);
  const counted = stats.history.filter((week) => week.counts);
  console.log(
    `Confirmed over ${stats.history.length} weeks: ` +
      stats.history.map((week) => (week.counts ? String(week.counts.byState.confirmed) : '–')).join(' ') +
      ` (${counted.length} weeks counted)`,
  );
  for (const [name, runs] of [
    ['ingest', stats.runs.ingest],
    ['planner', stats.runs.planDigest],
  ] as const) {
    const last = runs[0];
    console.log(
      `Last ${name} run: ${last ? `${last.finishedAt} ${JSON.stringify(last.counts)}` : 'none recorded'}`,
    );
  }
  console.log('Emails per digest week (sent / skipped / failed / in flight):');
  for (const week of stats.digestWeeks.filter((w) => w.sent + w.skipped + w.failed + w.inFlight > 0)) {
    console.log(`  ${week.digestId}  ${week.sent} / ${week.skipped} / ${week.failed} / ${week.inFlight}`);
  }
  for (const window of stats.deliverability) {
    console.log(
      `Last ${window.days} days: ${window.sent} sent; bounce ${percent(window.bounce.rate)} (${window.bounce.level}), ` +
        `complaint ${percent(window.complaint.rate)} (${window.complaint.level}); warning above 2.50 % and 0.05 %`,
    );
  }
  console.log(`Dead-letter queue: ${stats.deadLetterDepth}`);
  console.log('Feeds:');
  for (const feed of stats.feeds) {
    console.log(
      `  ${feed.status.padEnd(13)} ${feed.sourceId.padEnd(28)} 7d ${feed.items7d}, 30d ${feed.items30d}` +
        (feed.consecutiveFailures > 0
          ? `, ${feed.consecutiveFailures} failures: ${feed.lastError ?? ''}`
          : ''),
    );
  }
}

function printReader(reader: ReaderView): void {
  console.log(`Reader ${reader.subscriberId} (keyed id): ${reader.state}`);
  if (reader.state === 'unknown') {
    console.log('  Nothing is stored for this address.');
    return;
  }
  if (reader.topics.length > 0) console.log(`  Topics: ${reader.topics.join(', ')}`);
  if (reader.delivery) {
    console.log(
      `  Slot: weekday ${reader.delivery.weekday} at ${reader.delivery.hour}:00, ${reader.delivery.timeZone}`,
    );
  }
  if (reader.confirmedAt) console.log(`  Confirmed: ${reader.confirmedAt}`);
  if (reader.pending) console.log(`  Waiting for confirmation since ${reader.pending.requestedAt}`);
  if (reader.suppressedAt) console.log(`  Suppressed since ${reader.suppressedAt}`);
  for (const digest of reader.lastDigests.slice(0, 5)) {
    console.log(`  ${digest.digestId}: ${digest.status}${digest.at ? ` (${digest.at})` : ''}`);
  }
  for (const entry of reader.audit) {
    console.log(`  ${entry.at} ${entry.action} by ${entry.by.principal} (${entry.by.via}): ${entry.reason}`);
  }
}

async function handCommand(
  environment: LocalEnvironment,
  email: string,
  action: HandAction,
  reason: string,
): Promise<void> {
  const change = await changeReaderByHand(email, action, reason, cliActor(), environment.context);
  console.log(
    change.outcome === 'already'
      ? `Nothing to change: the reader is ${change.reader.state}. The request is in the audit all the same.`
      : `Done: ${change.outcome}. The reader is now ${change.reader.state}.`,
  );
  console.log(
    JSON.stringify({
      outcome: change.outcome,
      state: change.reader.state,
      subscriberId: change.reader.subscriberId,
    }),
  );
}

/** The event SES publishes to EventBridge for one recipient (as docs/operations and the fixtures show). */
export function sesEventFor(kind: 'bounce' | 'complaint', email: string, at: Date, soft = false) {
  const time = at.toISOString();
  const mail = {
    timestamp: time,
    messageId: `simulated-${randomBytes(6).toString('hex')}`,
    destination: [email],
  };
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': kind === 'bounce' ? 'Email Bounced' : 'Email Complained',
    source: 'aws.ses',
    account: '000000000000',
    time,
    region: 'local',
    resources: [],
    detail:
      kind === 'bounce'
        ? {
            eventType: 'Bounce',
            bounce: {
              bounceType: soft ? 'Transient' : 'Permanent',
              bounceSubType: soft ? 'MailboxFull' : 'General',
              bouncedRecipients: [{ emailAddress: email }],
              timestamp: time,
              feedbackId: 'simulated',
            },
            mail,
          }
        : {
            eventType: 'Complaint',
            complaint: {
              complainedRecipients: [{ emailAddress: email }],
              timestamp: time,
              feedbackId: 'simulated',
              complaintFeedbackType: 'abuse',
            },
            mail,
          },
  };
}

async function simulateCommand(
  environment: LocalEnvironment,
  event: string,
  email: string,
  soft: boolean,
): Promise<void> {
  if (event !== 'bounce' && event !== 'complaint') {
    throw new ValidationError(`simulate: "${event}" is not bounce or complaint`);
  }
  const { context } = environment;
  const outcome = await handleSesEvent(context, sesEventFor(event, email, context.clock.now(), soft));
  if (!('suppressed' in outcome)) throw new Error('a bounce or complaint was read as another SES event');
  const reader = await findReader(email, context);
  console.log(
    `Simulated ${soft && event === 'bounce' ? 'a soft bounce' : `a ${event}`}: ` +
      `${outcome.suppressed} suppressed, ${outcome.softBouncesCounted} soft bounces counted. The reader is now ${reader.state}.`,
  );
  console.log(JSON.stringify({ event, soft, ...outcome, state: reader.state }));
}

/** Who the audit names for a change from the command line: the OS user on this machine. */
function cliActor(): AdminActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the user: the host still says something.
  }
  return { principal: `${user}@${hostname()}`, via: 'cli' };
}
