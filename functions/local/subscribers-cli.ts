import type { Command } from 'commander';
import {
  subscribersExportCommand,
  subscribersImportCommand,
  type SubscribersImportOptions,
} from './subscribers-command.ts';

/** `immuno-digest subscribers export|import`: readers out to CSV, and in from another tool's CSV. */
export function subscribersCommands(program: Command): void {
  const subscribers = program
    .command('subscribers')
    .description(
      'Readers out (CSV of the confirmed) and in (a CSV export of Mailchimp, Buttondown, listmonk, …)',
    );
  subscribers
    .command('export')
    .description(
      'Write the confirmed readers as CSV: email, topics, slot, zone, created, consent time, wording version and source; the last line is JSON',
    )
    .requiredOption('--out <file>', 'the CSV file to write')
    .action((options: { out: string }) => subscribersExportCommand(options));
  subscribers
    .command('import')
    .description(
      'Import readers from a CSV (columns found by name): new ones are asked to confirm, or, with --consented and a consent time in the file, ' +
        'added as confirmed with that evidence; unsubscribed, bounced, complained and erased addresses are never brought back; a re-run adds nothing. ' +
        'The last line is the report as JSON',
    )
    .argument('<file>', 'the CSV file')
    .option(
      '--dry-run',
      'count what the import would do (new, already here, suppressed, invalid, per topic); change nothing',
    )
    .option(
      '--consented',
      'the consent times in the file are opt-ins to this digest: rows with one come in confirmed, without a confirmation email',
    )
    .option(
      '--topics <ids>',
      'topics for rows that name none, comma-separated (listmonk exports carry no lists)',
    )
    .option('--id <id>', 'the import id recorded with each reader it adds (default: import-<date>-<random>)')
    .action((file: string, options: SubscribersImportOptions) => subscribersImportCommand(file, options));
}
