import { Command, Option } from 'commander';
import { ConfigError, DigestError, ValidationError } from '../core/errors.ts';
import { runStart } from './start.ts';
import { digestCommand, ingestCommand, tagCommand } from './commands.ts';
import { checkCommand } from './check-command.ts';
import { SOURCE_VIAS, type SourceVia } from '../model/sources.ts';
import { cloudCheckCommand } from './cloud-check.ts';
import { dlqRedriveCommand, dlqShowCommand } from './dlq-command.ts';
import { previewCommand } from './preview-command.ts';
import { sendCommand, type SendCommandOptions } from './send-command.ts';
import { registerScheduleCommands } from './schedule-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { revokeSessionsCommand } from './admin-command.ts';
import { registerEditorialCommands } from './editorial-command.ts';
import { subscribersCommands } from './subscribers-cli.ts';
import { registerListHealthCommands } from './list-health-commands.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { loadLocalSettings } from './local-settings.ts';

/**
 * `immuno-digest <command>`: the local runtime and the operator's tools. Every command works on
 * its own against .data/ (starting the stand-ins it needs) and beside a running `npm start`
 * (using its stand-ins).
 */
const program = new Command()
  .name('immuno-digest')
  .description('Immunotherapy Digest: pull immunotherapy feeds, tag them by topic, send weekly digests.')
  .showHelpAfterError()
  // A usage error (unknown option, missing value) is bad input, like a bad value: exit 2. Set
  // before the commands are added, which inherit it.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.badInput));

const local = settingsInEffect();
program.addHelpText(
  'after',
  "\nBeside a running `npm start` (found through the data folder's runtime.json) every command uses its " +
    'stand-ins, site URL and ports. Exit codes: 0 done, 1 failure, 2 bad input or usage, 3 stopped with work left queued.',
);

program
  .command('start')
  .description(
    `Run the whole pipeline locally: stand-ins, HTTP API on :${local.api}, mail viewer on :${local.ses}, ingest and digest on their schedules`,
  )
  .addHelpText('after', `\n${local.summary}`)
  .option('--once', 'run one ingest and one digest cycle, print a JSON summary as the last line, and exit')
  .option('--no-demo', 'do not seed demo subscribers into an empty database')
  .option('--live', 'fetch the real feed URLs instead of the offline snapshots in content/snapshots')
  .action(async (options: { once?: boolean; demo: boolean; live?: boolean }) => {
    const demoFromEnv = !/^(false|0)$/i.test(process.env.DEMO_SUBSCRIBERS ?? 'true');
    const summary = await runStart({
      once: options.once === true,
      demo: options.demo && demoFromEnv,
      live: options.live === true,
    });
    if (summary) console.log(JSON.stringify(summary));
  });

program
  .command('ingest')
  .description('Run one ingest over every enabled source and the site articles; print the summary as JSON')
  .option('--live', 'fetch the real feed URLs instead of the offline snapshots')
  .action((options: { live?: boolean }) => ingestCommand({ live: options.live === true }));

program
  .command('digest')
  .description(
    'Run one digest planning + send cycle (readers whose weekly slot has passed). Beside a running `npm start`, ' +
      'that instance sends: the command waits for it and reports what it sent',
  )
  .addOption(
    new Option('--now <iso>', 'pretend the current time is this ISO instant (e.g. 2026-11-30T09:00:00Z)'),
  )
  .option('--dry-run', 'plan and report only: enqueue nothing, send nothing, record nothing')
  .option(
    '--ignore-slot',
    "treat every confirmed reader without this week's digest as due, whatever their slot",
  )
  .action((options: { now?: string; dryRun?: boolean; ignoreSlot?: boolean }) =>
    digestCommand({
      ...(options.now ? { now: options.now } : {}),
      dryRun: options.dryRun === true,
      ignoreSlot: options.ignoreSlot === true,
    }),
  );

program
  .command('preview')
  .description(
    'Write one digest for the given topics from the stored articles: the HTML, or the whole MIME message SES would send',
  )
  .requiredOption('--topics <ids>', 'comma-separated topic ids, e.g. car-t,leukemia')
  .requiredOption('--out <file>', 'where to write it')
  .addOption(
    new Option(
      '--format <format>',
      'html (the HTML part) or eml (the whole message with its headers)',
    ).choices(['html', 'eml']),
  )
  .option(
    '--to <address>',
    'the reader it is addressed to (their personal links are in it)',
    'reader@example.org',
  )
  .option('--days <n>', 'articles first seen in the last n days, as a first digest holds', '7')
  .addOption(new Option('--now <iso>', 'pretend the current time is this ISO instant'))
  .action(
    (options: { topics: string; out: string; format?: string; to: string; days: string; now?: string }) =>
      previewCommand(options),
  );

program
  .command('send')
  .description(
    'Send a one-off announcement to every confirmed reader, or to the followers of some topics, through the digest’s queue, sender and ledger',
  )
  // Required for a send, checked in the action: as required options, `send list` and `send cancel` would need them too.
  .option('--subject <text>', 'the subject line (required)')
  .option(
    '--body-file <file>',
    'the body: Markdown (rendered in the announcement template), or a whole MJML document if the file ends in .mjml (required)',
  )
  .option('--topics <ids>', 'the readers who follow any of these topics, comma-separated')
  .option('--everyone', 'every confirmed reader (the audience is always named: --topics or --everyone)')
  .option(
    '--dry-run',
    'print the audience, in all and per topic, and write the preview; send and record nothing',
  )
  .option(
    '--test-to <address>',
    'send to this address only, subject marked [TEST]; the real send is untouched',
  )
  .option(
    '--id <id>',
    'the send id (default: made from the subject and content); a send id never mails anyone twice',
  )
  .option(
    '--preview-out <file>',
    'where --dry-run writes the HTML preview (default: .data/previews/<id>.html)',
  )
  .option(
    '--yes',
    'send for real without asking (needed where there is no terminal to type "send" on: scripts, pipes)',
  )
  .option(
    '--at <time>',
    'schedule the send for this time, ISO 8601 with its zone (2026-12-10T09:00:00Z); a running `npm start` sends it then',
  )
  .action((options: Partial<SendCommandOptions>, command: Command) => {
    for (const [flag, value] of [
      ['--subject <text>', options.subject],
      ['--body-file <file>', options.bodyFile],
    ] as const) {
      if (value === undefined) command.error(`error: required option '${flag}' not specified`);
    }
    return sendCommand(options as SendCommandOptions);
  });
registerScheduleCommands(program);

const dlq = program
  .command('dlq')
  .description(
    'The send queue’s dead-letter queue: the jobs that failed five times. Look at them, fix the cause, move them back',
  );
dlq
  .command('show')
  .description(
    'Print how many jobs the dead-letter queue holds and a look at up to ten; the last line is JSON',
  )
  .action(() => dlqShowCommand());
dlq
  .command('redrive')
  .description(
    'Move every send job of the dead-letter queue back to the send queue (poison stays) and send it; ' +
      'the ledger skips whoever already got it, so a redrive is always safe',
  )
  .option('--max <n>', 'move at most this many messages')
  .action((options: { max?: string }) => dlqRedriveCommand(options));

program
  .command('admin')
  .description('Admin housekeeping (token mode, locally)')
  .command('revoke-sessions')
  .description(
    'Sign out every admin page session, everywhere, at once (the admin token itself still works: change ADMIN_TOKEN to revoke it)',
  )
  .action(() => revokeSessionsCommand());

registerEditorialCommands(program);
subscribersCommands(program);
registerListHealthCommands(program);

program
  .command('tag')
  .description(
    'Tag titles: JSON lines {"title","summary"?} on stdin → {"topics":[...],"relevant":bool} per line on stdout; ' +
      'a bad line gets {"error"} and the rest carry on, then the command exits 2',
  )
  .action(() => tagCommand());

program
  .command('check')
  .description(
    'Parse feeds (files or URLs) as ingest would, store nothing, and print one JSON line per input: ' +
      '{"input","format","items","articles","relevant","errors","sample"}. A feed that fails is a line with its error ' +
      '(exit 0); an input that cannot be read at all is bad input (exit 2, after every line).',
  )
  .argument('<inputs...>', 'feed files or http(s) URLs')
  .addOption(
    new Option(
      '--kind <kind>',
      'how to read the inputs: feed (RSS, Atom, RDF), pubmed (an efetch PubmedArticleSet or esearch JSON) or clinicaltrials (a v2 studies page)',
    )
      .choices(SOURCE_VIAS)
      .default('feed'),
  )
  .option('--focused', 'read the inputs as a focused source (every item relevant), not a broad one')
  .option('--base-url <url>', 'base for relative links in a file')
  .option(
    '--allow-loopback-port <port...>',
    'let URLs reach these loopback ports (to check a feed served on this machine)',
  )
  .action(
    (
      inputs: string[],
      options: { kind: SourceVia; focused?: boolean; baseUrl?: string; allowLoopbackPort?: string[] },
    ) =>
      checkCommand(inputs, {
        kind: options.kind,
        focused: options.focused === true,
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        allowLoopbackPorts: (options.allowLoopbackPort ?? []).map(Number).filter(Number.isInteger),
      }),
  );

const cloud = program
  .command('cloud')
  .description('Commands against a deployment in AWS (your AWS credentials)');
cloud
  .command('check')
  .description(
    'After a deploy: read the stack outputs, check the domain serves the site, the SES identity, DKIM, MAIL FROM and quota, and send one test email. Exits 1 when a check fails.',
  )
  .option('--to <address>', 'send the test email here (a verified address while SES is in the sandbox)')
  .option('--stack-prefix <prefix>', 'the stackPrefix setting of the deployment', 'ImmunoDigest')
  .option('--region <region>', 'the region deployed to (default: AWS_REGION or your AWS profile)')
  .action((options: { to?: string; stackPrefix: string; region?: string }) =>
    cloudCheckCommand({
      stackPrefix: options.stackPrefix,
      ...(options.to ? { to: options.to } : {}),
      ...(options.region ? { region: options.region } : {}),
    }),
  );

program
  .command('migrate')
  .description(
    "Convert stored data to the current format: `subscriber-ids` keys the ids of addresses written before they were keyed; `next-slots` files every reader in the planner's next-slot index (each idempotent; run it again after an interruption)",
  )
  .argument('<migration>', 'which migration: subscriber-ids or next-slots')
  .option('--dry-run', 'count what would change; write nothing')
  .option(
    '--cloud',
    "migrate a deployment's tables (SUBSCRIBERS_TABLE, DELIVERIES_TABLE, STATE_TABLE, IDENTITY_SECRET_ARN, AWS_REGION)",
  )
  .action((migration: string, options: { dryRun?: boolean; cloud?: boolean }) =>
    migrateCommand(migration, { dryRun: options.dryRun === true, cloud: options.cloud === true }),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Our own errors already say what and where; anything else keeps its stack for a bug report.
  if (error instanceof DigestError) console.error(`immuno-digest: ${error.message}`);
  else console.error(error);
  process.exitCode =
    error instanceof ValidationError || error instanceof ConfigError
      ? EXIT_CODES.badInput
      : EXIT_CODES.failure;
}

/**
 * The ports and data folder the environment sets (or their defaults), for the help texts: so
 * `start --help` says the port `start` will really use. A bad setting is shown, not thrown: help
 * must always work, and `start` itself then names the setting.
 */
function settingsInEffect(): { api: string; ses: string; summary: string } {
  try {
    const settings = loadLocalSettings(process.env);
    const from = (name: string) => (process.env[name]?.trim() ? `${name}` : `${name}, default`);
    return {
      api: String(settings.ports.api),
      ses: String(settings.ports.ses),
      summary: [
        'In effect (from the environment, or the defaults):',
        `  HTTP API and pages    http://localhost:${settings.ports.api}  (${from('API_PORT')})`,
        `  Mail viewer (SES)     http://localhost:${settings.ports.ses}  (${from('SES_PORT')})`,
        `  DynamoDB, SQS         :${settings.ports.dynamodb}, :${settings.ports.sqs}  (DYNAMODB_PORT, SQS_PORT)`,
        `  Data folder           ${settings.dataDir}  (${from('DATA_DIR')})`,
      ].join('\n'),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { api: '$API_PORT', ses: '$SES_PORT', summary: `Settings in effect: ${message}` };
  }
}
