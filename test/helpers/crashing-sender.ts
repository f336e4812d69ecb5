/**
 * A send Lambda that dies: the real send handler behind the local SQS poller, in a process of
 * its own, that kills itself with SIGKILL — no cleanup, no finally — just before its
 * (KILL_AFTER_SENDS + 1)-th email would reach SES. SES calls are made one at a time here, and
 * each waits until every email SES accepted is recorded in the ledger, so at the moment of death
 * no email is half-sent: what the test then checks is recovery, not luck. (An email SES accepted
 * in the last milliseconds before a crash, not yet recorded, is settled by SES's Send event instead:
 * test/integration/ses-acceptance.test.ts.)
 *
 * Env: SENDER_CONFIG (the test world's Config as JSON), KILL_AFTER_SENDS.
 */
import type { Config } from '../../functions/config/config.ts';
import { createAppContext } from '../../functions/app/context.ts';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import type { Mailer } from '../../functions/ports/mailer.ts';
import { drainSendQueue } from './drain.ts';
import { observeMarkSent } from '../../testkit/observed-ledger.ts';

const config = JSON.parse(process.env.SENDER_CONFIG ?? '') as Config;
const killAfter = Number(process.env.KILL_AFTER_SENDS);
const clients = createAwsClients(config);
const ses = new SesMailer(clients.ses, {
  from: config.mail.from,
  replyTo: config.mail.replyTo,
  configurationSet: config.mail.configurationSet,
});

let accepted = 0;
let recorded = 0;
let onRecorded = () => {};
/** Resolves once every email SES accepted has been marked sent in the ledger. */
const allRecorded = () =>
  new Promise<void>((resolve) => {
    if (recorded === accepted) return resolve();
    onRecorded = () => {
      if (recorded === accepted) resolve();
    };
  });
let previous: Promise<unknown> = Promise.resolve();
const mailer: Mailer = {
  send(email) {
    const attempt = previous.then(async () => {
      await allRecorded();
      if (accepted === killAfter) process.kill(process.pid, 'SIGKILL');
      const result = await ses.send(email);
      accepted += 1;
      return result;
    });
    previous = attempt.catch(() => undefined);
    return attempt;
  },
};

const created = await createAppContext(config, {
  clients,
  mailer,
  logger: silentLogger,
  mjmlValidation: 'strict',
});
const ledger = observeMarkSent(created.ledger, {
  onRecorded() {
    recorded += 1;
    onRecorded();
  },
});
await drainSendQueue({ ...created, ledger }, config.queues.sendUrl!, { timeoutMs: 60_000 });
// Reaching this line means the kill never came: the parent test treats that as a failure.
process.exit(3);
