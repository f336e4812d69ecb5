import type { SQSEvent } from 'aws-lambda';
import { SEND_QUEUE } from '../adapters/dynamodb/tables.ts';
import { handleSendBatch } from '../app/jobs.ts';
import type { LocalEnvironment } from './environment.ts';
import { LocalSqsPoller } from './sqs-poller.ts';

/** What the local send handler did since it started. */
export interface SendTotals {
  sent: number;
  skipped: number;
  failed: number;
  poison: number;
  /** Unsent recipients handed on to a new job (deadline, persistent throttling, quota). */
  continued: number;
}

/**
 * How a drain ended: the queue emptied, the time ran out, or SES refused in a way that makes
 * waiting pointless — the daily quota is used up, or its setup must be fixed first (the rest stays
 * queued, delayed, for later).
 */
export type DrainEnding = 'drained' | 'not-drained' | 'quota' | 'ses-configuration';

export interface LocalSender {
  readonly totals: Readonly<SendTotals>;
  start(): void;
  stop(): Promise<void>;
  /** Waits until the send queue is empty, the timeout passes, or SES refuses as DrainEnding says. */
  drain(timeoutMs: number): Promise<DrainEnding>;
}

/**
 * The real send handler behind the local SQS poller, counting what it does: what `npm start`
 * and the CLI commands that send (digest, send) run locally in place of Lambda's event source.
 */
export interface LocalSenderOptions {
  readonly waitTimeSeconds: number;
  /** Told after every batch (`npm start` prints what each one sent). */
  readonly onBatch?: (report: Omit<SendTotals, 'poison'>) => void;
}

export function createLocalSender(environment: LocalEnvironment, options: LocalSenderOptions): LocalSender {
  const { context } = environment;
  const totals: SendTotals = { sent: 0, skipped: 0, failed: 0, poison: 0, continued: 0 };
  let sesStop: (ending: 'quota' | 'ses-configuration') => void = () => undefined;
  const sesStopped = new Promise<'quota' | 'ses-configuration'>((resolve) => (sesStop = resolve));
  const poller = new LocalSqsPoller(
    context.clients.sqs,
    async (event: SQSEvent) => {
      const report = await handleSendBatch(context, event);
      totals.sent += report.sent;
      totals.skipped += report.skipped;
      totals.failed += report.failed;
      totals.poison += report.poison;
      totals.continued += report.continued;
      options.onBatch?.(report);
      if (report.quotaExceeded) sesStop('quota');
      if (report.sesConfigurationProblem) sesStop('ses-configuration');
      return report.response;
    },
    {
      queueUrl: environment.queues.sendUrl,
      queueArn: environment.queues.sendArn,
      region: context.config.region,
      batchSize: SEND_QUEUE.batchSize,
      waitTimeSeconds: options.waitTimeSeconds,
      onError: (error) => context.logger.error('send poller', { error }),
    },
  );
  return {
    totals,
    start: () => poller.start(),
    stop: () => poller.stop(),
    drain: (timeoutMs) =>
      Promise.race([
        poller.drain(timeoutMs).then((drained): DrainEnding => (drained ? 'drained' : 'not-drained')),
        sesStopped,
      ]),
  };
}
