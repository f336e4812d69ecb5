import { Command, Option } from 'commander';
import { DigestError } from '../core/errors.ts';
import { runStart } from './start.ts';
import { digestCommand, ingestCommand, tagCommand } from './commands.ts';
import { checkCommand } from './check-command.ts';
import { SOURCE_KINDS, type SourceKind } from '../model/sources.ts';
import { previewCommand } from './preview-command.ts';
import { sendCommand, type SendCommandOptions } from './send-command.ts';

/**
 * `immuno-digest <command>`: the local runtime and the operator's tools. Every command works on
 * its own against .data/ (starting the stand-ins it needs) and beside a running `npm start`
 * (using its stand-ins).
 */
const program = new Command()
  .name('immuno-digest')
  .description('Immunotherapy Digest: pull immunotherapy feeds, tag them by topic, send weekly digests.')
  .showHelpAfterError();

program
  .command('start')
  .description(
    'Run the whole pipeline locally: stand-ins, HTTP API on :3000, ingest and digest on their schedules',
  )
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
  .description('Run one digest planning + send cycle (readers whose weekly slot has passed)')
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
  .requiredOption('--subject <text>', 'the subject line')
  .requiredOption(
    '--body-file <file>',
    'the body: Markdown (rendered in the announcement template), or a whole MJML document if the file ends in .mjml',
  )
  .option(
    '--topics <ids>',
    'only readers who follow any of these topics, comma-separated (default: every confirmed reader)',
  )
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
  .option('--yes', 'do not ask for confirmation on a terminal')
  .action((options: SendCommandOptions) => sendCommand(options));

program
  .command('tag')
  .description(
    'Tag titles: JSON lines {"title","summary"?} on stdin → {"topics":[...],"relevant":bool} per line on stdout',
  )
  .action(() => tagCommand());

program
  .command('check')
  .description(
    'Parse feeds (files or URLs) as ingest would, store nothing, and print one JSON line per input: ' +
      '{"input","format","items","articles","relevant","errors","sample"}. Exits 0 even when an input fails.',
  )
  .argument('<inputs...>', 'feed files or http(s) URLs')
  .addOption(
    new Option(
      '--kind <kind>',
      'how to read the inputs: feed (RSS, Atom, RDF), pubmed (an efetch PubmedArticleSet or esearch JSON) or clinicaltrials (a v2 studies page)',
    )
      .choices(SOURCE_KINDS)
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
      options: { kind: SourceKind; focused?: boolean; baseUrl?: string; allowLoopbackPort?: string[] },
    ) =>
      checkCommand(inputs, {
        kind: options.kind,
        focused: options.focused === true,
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        allowLoopbackPorts: (options.allowLoopbackPort ?? []).map(Number).filter(Number.isInteger),
      }),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Our own errors already say what and where; anything else keeps its stack for a bug report.
  if (error instanceof DigestError) console.error(`immuno-digest: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
}
