import { listDeadLetters, redriveDeadLetters } from '../core/delivery/dead-letters.ts';
import { ValidationError } from '../core/errors.ts';
import { openLocalEnvironment, type LocalEnvironment } from './environment.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { createLocalSender, type DrainEnding } from './local-sender.ts';

/** How long `dlq redrive` alone waits for the jobs it moved back to be sent. */
const SEND_TIMEOUT_MS = 120_000;

/** The local queues live in the SQS stand-in's memory: only a running `npm start` has them. */
function warnIfAlone(environment: LocalEnvironment): void {
  if (environment.attachedTo) return;
  console.error(
    'immuno-digest: no `npm start` is running with this data folder. The local queues live only while it runs ' +
      '(the SQS stand-in keeps nothing on disk): run this command beside it. In AWS, use the admin page or API.',
  );
}

/**
 * `immuno-digest dlq show`: how many jobs the send queue's dead-letter queue holds, and a look at
 * up to ten of them. The last line is one JSON object.
 */
export async function dlqShowCommand(): Promise<void> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    warnIfAlone(environment);
    const listing = await listDeadLetters(environment.context);
    console.log(`Dead-letter queue: ${listing.depth} message${listing.depth === 1 ? '' : 's'}.`);
    for (const letter of listing.letters) {
      const readers =
        letter.kind === 'poison' ? '' : `, ${letter.recipients} reader${letter.recipients === 1 ? '' : 's'}`;
      console.log(`  ${letter.kind} ${letter.about}${readers} (received ${letter.receiveCount} times)`);
    }
    console.log(JSON.stringify(listing));
  } finally {
    await environment.stop();
  }
}

/**
 * `immuno-digest dlq redrive`: moves every send job of the dead-letter queue back to the send
 * queue (poison stays), once the cause is fixed. Beside a running `npm start` that instance sends
 * them; alone, this command sends them with its own sender and waits for the queue to drain. The
 * ledger makes it safe to run at any time, and twice: nobody already mailed is mailed again.
 */
export async function dlqRedriveCommand(options: { max?: string }): Promise<void> {
  const max = options.max === undefined ? undefined : Number(options.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    throw new ValidationError(`--max: "${options.max}" is not a whole number above 0`);
  }
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  const sender = createLocalSender(environment, { waitTimeSeconds: 1 });
  try {
    warnIfAlone(environment);
    const report = await redriveDeadLetters(environment.context, max === undefined ? {} : { max });
    console.log(
      `Moved ${report.moved} job${report.moved === 1 ? '' : 's'} back to the send queue` +
        (report.poison > 0
          ? `; ${report.poison} poison message${report.poison === 1 ? '' : 's'} left in the DLQ`
          : '') +
        '.',
    );
    let ending: DrainEnding | 'not-sent' = 'not-sent';
    if (report.moved > 0 && !environment.attachedTo) {
      sender.start();
      ending = await sender.drain(SEND_TIMEOUT_MS);
      await sender.stop();
    }
    console.log(
      JSON.stringify({
        ...report,
        sentBy: environment.attachedTo
          ? `running instance (pid ${environment.attachedTo.pid})`
          : 'this command',
        sent: sender.totals.sent,
        skipped: sender.totals.skipped,
        failed: sender.totals.failed,
        drained: ending === 'drained' || ending === 'not-sent',
      }),
    );
    // SES stopped the sending (quota, setup) or it did not finish: the rest stays queued.
    if (ending !== 'drained' && ending !== 'not-sent') process.exitCode = EXIT_CODES.stoppedEarly;
  } finally {
    await sender.stop();
    await environment.stop();
  }
}
