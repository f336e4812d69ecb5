/**
 * `npm run bench:import [-- --rows 100000]`
 *
 * `subscribers import` of a generated CSV of N rows (default 100,000, in the columns of a
 * Mailchimp export) into the DynamoDB stand-in (dynalite, with the SQS stand-in, in a process of
 * their own so their memory is not counted as the importer's): the real use case, streamed from
 * the generator as a file would be read. Of the rows, 1 in 20 has no consent time (a pending
 * reader asked by email: a job on the send queue), 1 in 50 is invalid, 1 in 50 repeats an earlier
 * address. A second, dry run then checks that nothing is left to add.
 * Target: peak RSS of the importer < 512 MB. The last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { subscriberImportDependencies } from '../functions/app/subscriber-import.ts';
import { importSubscribers } from '../functions/core/subscribers/import/import-subscribers.ts';
import { createWorld } from '../testkit/test-world.ts';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rowCount = Number(args.rows);
const RSS_LIMIT_MB = 512;
const TOPICS = [
  '"car-t"',
  '"melanoma","Lung cancer"',
  '"Checkpoint inhibitors"',
  '"leukemia","side-effects"',
];

/** The CSV, 1,000 rows a chunk, never whole in memory. */
async function* generatedCsv(rows: number): AsyncGenerator<string> {
  yield '"Email Address","First Name","OPTIN_TIME","CONFIRM_TIME","CONFIRM_IP","TIMEZONE","LEID","TAGS"\n';
  let chunk = '';
  for (let index = 1; index <= rows; index += 1) {
    const email =
      index % 50 === 0
        ? `not-an-address-${index}`
        : index % 50 === 1 && index > 1
          ? `reader-${index - 25}@bench.example.org`
          : `reader-${index}@bench.example.org`;
    const confirmed = index % 20 === 0 ? '' : '2025-03-14 09:12:44';
    const tags = TOPICS[index % TOPICS.length]!.replaceAll('"', '""');
    chunk += `"${email}","Reader ${index}","2025-03-14 09:10:00","${confirmed}","203.0.113.7","Europe/Madrid","${index}","${tags}"\n`;
    if (index % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, 'stand-ins-process.ts')],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
const endpoints = JSON.parse(String(firstLine.value)) as { dynamodb: string; ses: string; sqs: string };
try {
  const world = await createWorld(endpoints, { mjmlValidation: 'soft' });
  const deps = subscriberImportDependencies(world.context);
  const started = performance.now();
  let lastLog = started;
  const report = await importSubscribers(
    generatedCsv(rowCount),
    {
      dryRun: false,
      consented: true,
      importId: 'bench',
      by: 'bench',
      via: 'cli',
      onProgress: (progress) => {
        const now = performance.now();
        if (now - lastLog < 10_000) return;
        lastLog = now;
        const rss = Math.round(process.memoryUsage.rss() / 1e6);
        console.log(`  ${progress.rows} rows in ${((now - started) / 1000).toFixed(0)} s, RSS ${rss} MB`);
      },
    },
    deps,
  );
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const again = await importSubscribers(
    generatedCsv(rowCount),
    { dryRun: true, consented: true, importId: 'bench-again', by: 'bench', via: 'cli' },
    deps,
  );
  world.stop();
  const result = {
    rows: report.rows,
    seconds: Number(seconds.toFixed(1)),
    rowsPerSecond: Math.round(report.rows / seconds),
    peakRssMb,
    rssLimitMb: RSS_LIMIT_MB,
    new: report.new,
    confirmed: report.confirmed,
    pending: report.pending,
    invalid: report.invalid,
    duplicates: report.duplicates,
    secondRunNew: again.new,
    cpus: cpus().length,
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    ok: peakRssMb < RSS_LIMIT_MB && again.new === 0 && report.rows === rowCount,
  };
  console.log(
    `Imported ${result.rows} rows in ${result.seconds} s (${result.rowsPerSecond} rows/s), ` +
      `peak RSS ${peakRssMb} MB (limit ${RSS_LIMIT_MB}); a second run would add ${again.new}.`,
  );
  console.log(JSON.stringify(result));
  if (!result.ok) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
