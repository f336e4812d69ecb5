import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { subscriberImportDependencies } from '../app/subscriber-import.ts';
import { exportConfirmedSubscribers } from '../core/subscribers/import/export-subscribers.ts';
import {
  importSubscribers,
  parseDefaultTopics,
  type ImportReport,
} from '../core/subscribers/import/import-subscribers.ts';
import { operator } from './admin-command.ts';
import { openLocalEnvironment } from './environment.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { createLocalSender } from './local-sender.ts';

/** How long an import alone waits for its confirmation emails to be sent. */
const SEND_TIMEOUT_MS = 300_000;

/**
 * `immuno-digest subscribers export --out F.csv`: the confirmed readers as CSV, written a page at
 * a time. The last line is JSON.
 */
export async function subscribersExportCommand(options: { out: string }): Promise<void> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    let rows = -1; // the header is the first chunk's first line
    const counted = async function* (chunks: AsyncIterable<string>) {
      for await (const chunk of chunks) {
        rows += chunk.split('\n').length - 1;
        yield chunk;
      }
    };
    await pipeline(
      Readable.from(counted(exportConfirmedSubscribers(environment.context.subscriberImports))),
      createWriteStream(options.out, { mode: 0o600 }),
    );
    console.log(`Exported ${rows} confirmed reader${rows === 1 ? '' : 's'} to ${options.out}.`);
    console.log(JSON.stringify({ exported: rows, out: options.out }));
  } finally {
    await environment.stop();
  }
}

export interface SubscribersImportOptions {
  readonly dryRun?: boolean;
  readonly consented?: boolean;
  readonly topics?: string;
  readonly id?: string;
}

/**
 * `immuno-digest subscribers import F.csv [--dry-run] [--consented] [--topics a,b]`. Alone, it
 * sends the confirmation emails itself (through the sender and its rate limiter) and waits;
 * beside `npm start`, that instance sends them. The last line is the report as JSON.
 */
export async function subscribersImportCommand(
  file: string,
  options: SubscribersImportOptions,
): Promise<void> {
  const defaultTopics = parseDefaultTopics(options.topics);
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  const sender = createLocalSender(environment, { waitTimeSeconds: 1 });
  try {
    const importId =
      options.id ??
      `import-${environment.context.clock.now().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
    const report = await importSubscribers(
      createReadStream(file),
      {
        dryRun: options.dryRun === true,
        consented: options.consented === true,
        importId,
        by: `${operator()} (CLI)`,
        via: 'cli',
        ...(defaultTopics ? { defaultTopics } : {}),
      },
      subscriberImportDependencies(environment.context),
    );
    for (const line of describeImport(report)) console.log(line);
    if (!report.dryRun && report.pending > 0 && !environment.attachedTo) {
      sender.start();
      const ending = await sender.drain(SEND_TIMEOUT_MS);
      await sender.stop();
      if (ending !== 'drained') {
        console.error(
          'immuno-digest: not every confirmation email could be sent yet (see above); run the import again to ask the rest.',
        );
        process.exitCode = EXIT_CODES.stoppedEarly;
      }
    }
    console.log(JSON.stringify(report));
  } finally {
    await sender.stop();
    await environment.stop();
  }
}

/** The report in words: the counts, then each problem and each warning by line. */
export function describeImport(report: ImportReport): string[] {
  const lines = [
    `${report.dryRun ? 'Dry run of import' : 'Import'} ${report.importId} (${report.sourceTool ?? 'csv'} export, ${report.rows} rows):`,
    `  new            ${report.new} (${report.confirmed} confirmed with their consent, ${report.pending} asked to confirm)`,
    `  already here   ${report.alreadyHere}`,
    `  suppressed     ${report.suppressed}${
      Object.keys(report.suppressedBy).length > 0
        ? ` (${Object.entries(report.suppressedBy)
            .map(([why, n]) => `${why} ${n}`)
            .join(', ')})`
        : ''
    }`,
    `  invalid        ${report.invalid}`,
    `  duplicates     ${report.duplicates} (later rows of an address already in the file)`,
  ];
  for (const [topic, count] of Object.entries(report.perTopic))
    lines.push(`    ${topic.padEnd(24)} ${count}`);
  const unknown = Object.entries(report.unknownTopics);
  if (unknown.length > 0)
    lines.push(`  unknown topics: ${unknown.map(([name, n]) => `"${name}" (${n})`).join(', ')}`);
  for (const { line, problem } of report.problems) lines.push(`  line ${line}: ${problem}`);
  for (const { line, problem } of report.warnings) lines.push(`  line ${line} (imported): ${problem}`);
  return lines;
}
