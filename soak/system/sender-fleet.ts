import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { createAppContext } from '../../functions/app/context.ts';
import { handleSendBatch, type BatchReport } from '../../functions/app/jobs.ts';
import type { Config } from '../../functions/config/config.ts';
import { LocalSqsPoller } from '../../functions/local/sqs-poller.ts';
import { SqsSendQueue } from '../../functions/adapters/sqs/sqs-send-queue.ts';
import type { SendJob } from '../../functions/core/delivery/send-job.ts';
import { SimulatedDelayQueue } from '../../testkit/simulated-delays.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import type { SubscriberIds } from '../../functions/core/subscribers/subscriber-ids.ts';
import { observeMarkSent } from '../../testkit/observed-ledger.ts';
import { compressRetries } from './compressed-retries.ts';
import { createKillSwitch, installKillSwitch, type KillSwitch } from '../faults/kill-switch.ts';
import type { Seeded } from '../random.ts';
import type { SimClock } from '../sim-clock.ts';

/**
 * The send Lambda as SQS and Lambda run it, in this process: `pollers` event source mappings
 * (LocalSqsPoller, batches of 5) each invoking the real `handleSendBatch` in an execution
 * environment of its own (an AppContext with its own clients: a cold start). An environment can
 * be killed mid-batch (see kill-switch.ts); its batch then counts as failed, its claims stay
 * leased, and the next invocation gets a fresh environment.
 *
 * Simulated time stands still while senders work. When nothing can happen until a message's
 * visibility timeout ends (a killed batch, a job that could not be handed on, a poison message),
 * the fleet stops taking batches, waits for the running ones, moves the clock on by the queue's
 * visibility timeout and makes those messages visible: exactly what waiting would have done,
 * without waiting. So a dead sender's leases expire in simulated time, never under a live one.
 * Continuations enqueued with a delay (the send policy's backoff after SES refused) are held in
 * simulated time too (SimulatedDelayQueue): when only they are left, the clock moves to the next
 * one's due time and it goes on the queue.
 */

/** Real waits inside a send (SES backoff) last this many times less than the system asks. */
export const TIME_COMPRESSION = 25;

export interface FleetSettings {
  readonly config: Config;
  /** The system's keyed subscriber ids (the ledger's keys), from the same identity secret. */
  readonly ids: SubscriberIds;
  readonly clock: SimClock;
  readonly logger: Logger;
  readonly seeded: Seeded;
  /** The queue, through a client without faults (the event source mapping is AWS's, not ours). */
  readonly queue: { readonly client: SQSClient; readonly url: string; readonly arn: string };
  readonly pollers: number;
  /** The production queue's visibility timeout: how far the clock moves for a redelivery. */
  readonly visibilityTimeoutMs: number;
  /** Chance that one invocation runs with Lambda's clock nearly out (the handler must hand on). */
  readonly deadlineChance: number;
}

export interface SendPhasePlan {
  /** Kill the environment making the n-th SendEmail call of this phase (n from 1). */
  readonly killAtSends: readonly number[];
  /**
   * Kill the environment making the n-th SendEmail call of this phase the moment SES accepts it,
   * before the answer is heard: the email is out, its claim stays, and only SES's Send event can
   * tell the ledger.
   */
  readonly killAtAnswers?: readonly number[];
  /** Start an SES outage at the n-th SendEmail call; it ends when the clock next moves on. */
  readonly outageAtSend: number | undefined;
  readonly label: string;
}

/**
 * An email whose SendEmail had left, and whose ledger record was not yet written, when its sender
 * died: on the wire, or accepted by SES with the answer still on its way up to the ledger write.
 * SES may have it; the ledger does not, until SES's Send event records the acceptance there: the
 * sender that takes the claim over then records it sent instead of sending it again.
 */
export interface UnrecordedAtDeath {
  readonly to: string;
  readonly digestId: string | undefined;
}

export interface ClockHooks {
  beforeMove(): Promise<void>;
  afterMove(): Promise<void>;
}

export interface FleetTotals {
  invocations: number;
  coldStarts: number;
  kills: number;
  deadlines: number;
  clockSkips: number;
  /** Sums over the reports of invocations that completed. */
  reported: { sent: number; skipped: number; failed: number; poison: number; continued: number };
  /** Ledger `markSent` calls that completed in invocations that were then killed. */
  sentByKilledInvocations: number;
  /** markSent calls on the wire when their process died: written or not, nobody was told. */
  markSentInFlightAtDeaths: number;
  /**
   * Claims of dead senders that the next sender recorded as sent from SES's acceptance (its Send
   * event) rather than sending again: the window the Send events close, met.
   */
  settledFromAcceptance: number;
  /** Invocations whose report disagreed with the ledger writes they made. */
  reportMismatches: string[];
  readonly unrecordedAtDeaths: UnrecordedAtDeath[];
  handlerCrashes: string[];
  drainTimeouts: number;
}

interface Environment {
  readonly killSwitch: KillSwitch;
  readonly handle: (event: SQSEvent, remainingTimeMs?: () => number) => Promise<BatchReport>;
  /** Emails of the current invocation sent or being sent, by ledger key, until the ledger records them. */
  readonly unrecorded: Map<string, UnrecordedAtDeath>;
  /** markSent calls completed during the current invocation, and those still on the wire. */
  recorded: number;
  marking: number;
  readonly destroy: () => void;
}

/** Totals of a fleet that has not run yet. */
export function noFleetTotals(): FleetTotals {
  return {
    invocations: 0,
    coldStarts: 0,
    kills: 0,
    deadlines: 0,
    clockSkips: 0,
    reported: { sent: 0, skipped: 0, failed: 0, poison: 0, continued: 0 },
    sentByKilledInvocations: 0,
    markSentInFlightAtDeaths: 0,
    settledFromAcceptance: 0,
    reportMismatches: [],
    unrecordedAtDeaths: [],
    handlerCrashes: [],
    drainTimeouts: 0,
  };
}

export class SenderFleet {
  readonly totals: FleetTotals = noFleetTotals();
  private readonly environments: (Environment | undefined)[];
  private readonly destroyers: (() => void)[] = [];
  /** Receipt handles of messages that will come back once their visibility timeout ends. */
  private awaiting: string[] = [];
  private busy = 0;
  private gate: Promise<void> | undefined;
  private sendCalls = 0;
  private traceTick = 0;
  private pollers: LocalSqsPoller[] | undefined;
  private phase: SendPhasePlan = { killAtSends: [], outageAtSend: undefined, label: '' };
  private outage: { start(): void; end(): void } | undefined;
  private clockHooks: ClockHooks | undefined;
  /** Delayed continuations, held in simulated time and enqueued through the fault-free client. */
  private readonly delays: SimulatedDelayQueue<SendJob>;

  constructor(private readonly settings: FleetSettings) {
    this.environments = Array.from({ length: settings.pollers }, () => undefined);
    this.delays = new SimulatedDelayQueue(
      new SqsSendQueue(settings.queue.client, settings.queue.url),
      settings.clock,
    );
  }

  /** The SES gateway's outage switch, for the outage fault. */
  useOutageSwitch(outage: { start(): void; end(): void }): void {
    this.outage = outage;
  }

  /**
   * What must happen around each move of the clock the fleet makes: before, the SendEmail calls
   * on the wire land (a dead sender's too: they left before it died); after, SES's Send events
   * due by the new time are published — before the messages they concern come back.
   */
  useClockHooks(hooks: ClockHooks): void {
    this.clockHooks = hooks;
  }

  /**
   * Runs the pollers until the queue is empty — nothing visible, in flight or delayed — moving
   * the clock on whenever only redeliveries are left. Resolves false if it did not drain in time.
   */
  async drain(plan: SendPhasePlan, timeoutMs: number): Promise<boolean> {
    this.phase = plan;
    this.sendCalls = 0;
    const { client, url, arn } = this.settings.queue;
    // The event source mapping runs all along, as on AWS: a poller stopped between phases would
    // abort its long poll, and fauxqs would still hand the next message to that dead request.
    this.pollers ??= this.environments.map((_, slot) => {
      const poller = new LocalSqsPoller(client, (event) => this.invoke(slot, event), {
        queueUrl: url,
        queueArn: arn,
        region: this.settings.config.region,
        batchSize: 5,
        waitTimeSeconds: 1,
        onError: () => undefined,
      });
      poller.start();
      return poller;
    });
    const deadline = Date.now() + timeoutMs;
    let emptyReadings = 0;
    let drained = false;
    try {
      while (Date.now() < deadline) {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
        const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
        if (this.busy === 0 && visible === 0 && delayed === 0) {
          if (inFlight === 0 && this.awaiting.length === 0 && this.delays.pending > 0) {
            await this.skipToDelayedContinuation();
            emptyReadings = 0;
            continue;
          }
          if (inFlight === 0 && this.awaiting.length === 0) {
            emptyReadings += 1;
            if (emptyReadings >= 2) {
              drained = true;
              break;
            }
          } else if (this.awaiting.length > 0) {
            await this.skipToRedelivery();
            emptyReadings = 0;
            continue;
          }
        } else {
          emptyReadings = 0;
        }
        if (process.env.SOAK_TRACE === '2' && this.totals.handlerCrashes.length)
          process.stderr.write(this.totals.handlerCrashes.join('\n') + '\n');
        if (process.env.SOAK_TRACE === '2' && (this.traceTick = (this.traceTick + 1) % 40) === 0)
          process.stderr.write(
            `[fleet] busy ${this.busy} visible ${visible} inFlight ${inFlight} delayed ${delayed} held ${this.delays.pending} awaiting ${this.awaiting.length} invocations ${this.totals.invocations} kills ${this.totals.kills}\n`,
          );
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    } finally {
      this.outage?.end();
    }
    if (!drained) this.totals.drainTimeouts += 1;
    return drained;
  }

  /** Stops the pollers and destroys every environment's clients (the soak is over). */
  async close(): Promise<void> {
    await Promise.all((this.pollers ?? []).map((poller) => poller.stop()));
    for (const destroy of this.destroyers) destroy();
  }

  private async invoke(slot: number, event: SQSEvent): Promise<SQSBatchResponse> {
    while (this.gate) await this.gate;
    this.busy += 1;
    try {
      let environment: Environment;
      try {
        environment = this.environments[slot] ??= await this.coldStart();
      } catch (error) {
        // An environment that cannot start fails its batch, as on Lambda: the batch comes back.
        this.awaiting.push(...event.Records.map((record) => record.receiptHandle));
        this.totals.handlerCrashes.push(
          `cold start failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw error;
      }
      this.totals.invocations += 1;
      environment.recorded = 0;
      const handles = event.Records.map((record) => record.receiptHandle);
      const nearDeadline = this.settings.seeded.chance(
        `deadline:${this.phase.label}:${this.totals.invocations}`,
        this.settings.deadlineChance,
      );
      const startedAt = Date.now();
      // Lambda's remaining time: the handler stops starting sends 10 s before it ends.
      const remainingTimeMs = nearDeadline ? () => 10_400 - (Date.now() - startedAt) : undefined;
      if (nearDeadline) this.totals.deadlines += 1;
      try {
        const report = await Promise.race([
          environment.handle(event, remainingTimeMs),
          environment.killSwitch.death,
        ]);
        this.account(report, environment.recorded, event);
        // The invocation is over alive: an email still unrecorded now (its ledger write failed)
        // is the system's to answer for, never excused by a later death.
        environment.unrecorded.clear();
        const failed = new Set(report.response.batchItemFailures.map((failure) => failure.itemIdentifier));
        this.awaiting.push(
          ...event.Records.filter((record) => failed.has(record.messageId)).map(
            (record) => record.receiptHandle,
          ),
        );
        return report.response;
      } catch (error) {
        // A dead environment, or a handler that threw: as on Lambda, the whole batch comes back.
        this.awaiting.push(...handles);
        if (environment.killSwitch.dead) {
          this.totals.sentByKilledInvocations += environment.recorded;
          this.totals.markSentInFlightAtDeaths += environment.marking;
          this.environments[slot] = undefined;
        } else {
          environment.unrecorded.clear();
          this.totals.handlerCrashes.push(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
    } finally {
      this.busy -= 1;
    }
  }

  private account(report: BatchReport, recorded: number, event: SQSEvent): void {
    const reported = this.totals.reported;
    reported.sent += report.sent;
    reported.skipped += report.skipped;
    reported.failed += report.failed;
    reported.poison += report.poison;
    reported.continued += report.continued;
    if (report.sent !== recorded) {
      this.totals.reportMismatches.push(
        `a batch of ${event.Records.length} reported ${report.sent} sent but recorded ${recorded} in the ledger`,
      );
    }
  }

  /** Nothing to do until a delayed continuation is due: move the clock there and enqueue it. */
  private async skipToDelayedContinuation(): Promise<void> {
    await this.whileGated(async () => {
      await this.clockHooks?.beforeMove();
      this.settings.clock.advanceTo(this.delays.nextDueAt() ?? this.settings.clock.ms);
      await this.clockHooks?.afterMove();
      this.totals.clockSkips += 1;
      this.outage?.end();
      await this.delays.releaseDue();
    });
  }

  /** Holds every poller's next batch while `step` runs on a quiet fleet. */
  private async whileGated(step: () => Promise<void>): Promise<void> {
    let open = () => {};
    this.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    try {
      while (this.busy > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await step();
    } finally {
      this.gate = undefined;
      open();
    }
  }

  /** Nothing to do until a visibility timeout ends: move the clock there and let the messages back. */
  private async skipToRedelivery(): Promise<void> {
    await this.whileGated(async () => {
      await this.clockHooks?.beforeMove();
      this.settings.clock.advanceBy(this.settings.visibilityTimeoutMs);
      await this.clockHooks?.afterMove();
      this.totals.clockSkips += 1;
      this.outage?.end();
      // Continuations due by the new time go on the queue as well, as they would have meanwhile.
      await this.delays.releaseDue();
      const handles = this.awaiting;
      this.awaiting = [];
      for (const handle of handles) {
        await this.settings.queue.client
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: this.settings.queue.url,
              ReceiptHandle: handle,
              VisibilityTimeout: 0,
            }),
          )
          // Already back (a duplicate delivery took it) or gone: nothing to let back.
          .catch(() => undefined);
      }
    });
  }

  /** A new execution environment: its own clients (with the kill switch), context and renderer cache. */
  private async coldStart(): Promise<Environment> {
    this.totals.coldStarts += 1;
    const { config, clock, logger } = this.settings;
    const clients = createAwsClients(config);
    compressRetries(clients, TIME_COMPRESSION);
    const killSwitch = createKillSwitch();
    const unrecorded = new Map<string, UnrecordedAtDeath>();
    const environment = { recorded: 0, marking: 0 };
    installKillSwitch(clients, killSwitch, {
      beforeSend: (email) => {
        this.sendCalls += 1;
        if (this.phase.outageAtSend === this.sendCalls) this.outage?.start();
        const die = () => {
          this.totals.kills += 1;
          this.totals.unrecordedAtDeaths.push(...unrecorded.values());
          killSwitch.kill();
        };
        if (this.phase.killAtSends.includes(this.sendCalls)) return die();
        unrecorded.set(unrecordedKey(email.digestId, this.settings.ids.idFor(email.to)), email);
        if (this.phase.killAtAnswers?.includes(this.sendCalls)) return { dieOnAnswer: die };
      },
      // Refused by SES (or dead before the answer, already counted): nothing for the ledger to know.
      afterSend: (email, accepted) => {
        if (!accepted) unrecorded.delete(unrecordedKey(email.digestId, this.settings.ids.idFor(email.to)));
      },
    });
    const context = await createAppContext(config, { clients, clock, logger, mjmlValidation: 'strict' });
    // Counts the ledger's completed markSent calls, to hold each batch report to what it wrote.
    const observed = observeMarkSent(context.ledger, {
      onMarking: () => (environment.marking += 1),
      onRecorded: (key) => {
        environment.recorded += 1;
        unrecorded.delete(unrecordedKey(key.digestId, key.subscriberId));
      },
      onSettled: () => (environment.marking -= 1),
    });
    // Counts the emails a dead sender left unrecorded that SES's Send event settled instead.
    const ledger: typeof observed = {
      ...observed,
      markAcceptedSent: async (...args) => {
        const recorded = await observed.markAcceptedSent(...args);
        if (recorded) this.totals.settledFromAcceptance += 1;
        return recorded;
      },
    };
    // A continuation with a delay waits in simulated time; one without goes through this
    // environment's own client (and dies with it).
    const queue: typeof context.queue = {
      enqueue: (jobs, options = {}) =>
        (options.delaySeconds ?? 0) > 0
          ? this.delays.enqueue(jobs, options)
          : context.queue.enqueue(jobs, options),
    };
    const instrumented = { ...context, ledger, queue };
    const destroy = () => {
      clients.dynamo.destroy();
      clients.ses.destroy();
      clients.sqs.destroy();
    };
    this.destroyers.push(destroy);
    return Object.assign(environment, {
      killSwitch,
      unrecorded,
      destroy,
      handle: (event: SQSEvent, remainingTimeMs?: () => number) =>
        handleSendBatch(instrumented, event, {
          ...(remainingTimeMs ? { remainingTimeMs } : {}),
          // Backoff between SES retries, compressed like the rest of simulated time.
          sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms / TIME_COMPRESSION)),
        }),
    });
  }
}

function unrecordedKey(digestId: string | undefined, subscriberId: string): string {
  return `${digestId ?? ''}|${subscriberId}`;
}
