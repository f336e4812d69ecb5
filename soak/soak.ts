import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { createAwsClients } from '../functions/adapters/aws-clients.ts';
import { DynamoArticleStore } from '../functions/adapters/dynamodb/article-store.ts';
import { ensureTables } from '../functions/adapters/dynamodb/create-tables.ts';
import { DynamoDeliveryLedger } from '../functions/adapters/dynamodb/delivery-ledger.ts';
import { SEND_QUEUE } from '../functions/adapters/dynamodb/tables.ts';
import { HttpFeedFetcher } from '../functions/adapters/http/feed-fetcher.ts';
import { parseSesEvent } from '../functions/adapters/ses/ses-event.ts';
import { ensureQueues } from '../functions/adapters/sqs/create-queues.ts';
import { createApi } from '../functions/api/app.ts';
import { formatLogFields } from '../functions/app/console-logger.ts';
import { createAppContext, type AppContext } from '../functions/app/context.ts';
import { ingestOnce, planDigestOnce } from '../functions/app/jobs.ts';
import { loadConfig, prefixedResourceSettings } from '../functions/config/config.ts';
import { describeError } from '../functions/core/errors.ts';
import { applyMailEvent } from '../functions/core/subscribers/mail-events.ts';
import type { Logger } from '../functions/ports/logger.ts';
import type { SendQueue } from '../functions/ports/send-queue.ts';
import type { SendJob } from '../functions/core/delivery/send-job.ts';
import { startStandIns } from '../functions/local/stand-ins.ts';
import { EventQueue } from './event-queue.ts';
import {
  checkArticlesStoredOnce,
  checkDeadLetters,
  checkNoMailToInactive,
  checkNoWorkTwice,
  checkOneDigestPerDueReader,
  checkSummariesMatchLedger,
  digestEmailsByPair,
  explainedPairs,
  type CheckResult,
  type LedgerRecord,
} from './invariants.ts';
import { weekLabel } from './model/calendar.ts';
import { WorldModel } from './model/world-model.ts';
import { startDynamoThrottlingProxy } from './outside/dynamodb-throttling-proxy.ts';
import { FAILURE_KIND_OF, startFeedHost, type FeedFault } from './outside/feed-host.ts';
import { startSesGateway, type DeliveredEmail } from './outside/ses-gateway.ts';
import { Seeded } from './random.ts';
import { SimClock } from './sim-clock.ts';
import { compressRetries } from './system/compressed-retries.ts';
import { SenderFleet, TIME_COMPRESSION } from './system/sender-fleet.ts';
import { drawOtherTopics, drawPopulation, type Person } from './world/population.ts';
import { generatePublications } from './world/publications.ts';

/**
 * The chaos soak: weeks of simulated time in minutes. The real use cases (ingestOnce,
 * planDigestOnce, handleSendBatch behind the local SQS poller, the Hono API, the SES events
 * path) run against the real stand-ins (dynalite, aws-ses-v2-local, fauxqs) with an injected
 * clock, while the simulated world (readers, publishers) acts on a timeline and faults drawn from
 * the seed hit every boundary. After every week the promises are checked against an independent
 * model of what should have happened.
 */

export interface SoakOptions {
  readonly seed: number;
  readonly weeks: number;
  readonly people: number;
  readonly sources: number;
  /** New works per source per day (Poisson mean). */
  readonly worksPerSourcePerDay: number;
  /** One line of the report (the CLI prints it; the test collects it). */
  readonly print: (line: string) => void;
  /** Real-time limit for one send phase to drain. */
  readonly drainTimeoutMs?: number;
}

export interface FaultRates {
  readonly sesThrottle: number;
  readonly sesServerError: number;
  /** Chance that a send phase meets a regional SES outage (503 until the clock moves). */
  readonly sesOutagePerPhase: number;
  /** Chance that a send phase kills one sender after a random number of sends. */
  readonly killPerPhase: number;
  /** Chance that one planned job is delivered twice by SQS. */
  readonly duplicateDelivery: number;
  /** Chance that one source fails in one ingest run (timeout, 503, truncated, HTML). */
  readonly feedFailure: number;
  readonly dynamoThrottle: number;
  readonly dynamoPartialBatch: number;
  /** Chance that a send invocation runs with Lambda's deadline close (the handler hands on). */
  readonly senderDeadline: number;
  /** Poison messages (unparseable jobs) put on the send queue per simulated week. */
  readonly poisonPerWeek: number;
}

export const FAULT_RATES: FaultRates = {
  sesThrottle: 0.2,
  sesServerError: 0.02,
  sesOutagePerPhase: 0.02,
  killPerPhase: 0.15,
  duplicateDelivery: 0.1,
  feedFailure: 0.04,
  dynamoThrottle: 0.004,
  dynamoPartialBatch: 0.05,
  senderDeadline: 0.03,
  poisonPerWeek: 1,
};

export interface WeekReport {
  readonly week: number;
  readonly label: string;
  readonly checks: readonly CheckResult[];
  readonly violations: number;
}

export interface SoakResult {
  readonly seed: number;
  readonly weeks: number;
  readonly subscribers: number;
  readonly sources: number;
  readonly articles: number;
  readonly emails: number;
  readonly digests: number;
  readonly faultsInjected: { readonly total: number } & Record<string, number>;
  readonly violations: number;
  readonly seconds: number;
}

/** Monday 2 March 2026, 00:00 UTC: ten weeks from here cross both the US and the EU clock change. */
export const SOAK_START = Date.UTC(2026, 2, 2);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
const INGEST_EVERY_HOURS = 6;
/** Every zone's ISO week is over by Tuesday 00:00 UTC of the next one (UTC−8 ends Monday 08:00 UTC). */
const CHECK_AFTER_WEEK_MS = DAY_MS;
const SUBSCRIBE_RETRIES = 4;
const TOKEN_SECRET = 'soak-token-secret-soak-token-secret-0123456789';

export async function runSoak(options: SoakOptions, rates: FaultRates = FAULT_RATES): Promise<SoakResult> {
  const startedAt = Date.now();
  const { print } = options;
  const seeded = new Seeded(options.seed);
  const clock = new SimClock(new Date(SOAK_START));
  const end = SOAK_START + options.weeks * WEEK_MS;
  const errors: string[] = [];
  const logger: Logger = {
    info: () => undefined,
    warn: () => undefined,
    error: (message, extra) => {
      if (errors.length < 2000) errors.push(`${message} ${formatLogFields(extra ?? {})}`);
    },
  };

  const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
  const closers: (() => Promise<void> | void)[] = [() => standIns.stop()];
  try {
    // ---- the outside world and the faults at its boundaries ----------------------------------
    const ses = await startSesGateway(standIns.endpoints.ses, clock, seeded, {
      throttle: rates.sesThrottle,
      serverError: rates.sesServerError,
    });
    closers.push(() => ses.close());
    const dynamo = await startDynamoThrottlingProxy(standIns.endpoints.dynamodb, seeded.stream('dynamodb'), {
      throttle: rates.dynamoThrottle,
      partialBatch: rates.dynamoPartialBatch,
    });
    closers.push(() => dynamo.close());

    const config = loadConfig(
      {
        TOKEN_SECRET,
        ...prefixedResourceSettings(`soak${options.seed}`),
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        SES_ENDPOINT: ses.endpoint,
        SQS_ENDPOINT: standIns.endpoints.sqs,
        SES_MAX_SEND_RATE: '1000',
      },
      'local',
    );
    // The soak's own eyes and hands: straight to the stand-ins, no faults.
    const direct = createAwsClients({
      ...config,
      endpoints: { ...config.endpoints, dynamodb: standIns.endpoints.dynamodb, ses: standIns.endpoints.ses },
    });
    closers.push(() => {
      direct.dynamo.destroy();
      direct.sqs.destroy();
      direct.ses.destroy();
    });
    await ensureTables(direct.dynamo, config.tables);
    // Nothing comes back by itself: the fleet lets messages back when simulated time has passed.
    const queues = await ensureQueues(direct.sqs, config.queues, { visibilityTimeoutSeconds: 3600 });
    const { Attributes } = await direct.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.sendUrl, AttributeNames: ['QueueArn'] }),
    );
    const soakConfig = { ...config, queues: { ...config.queues, sendUrl: queues.sendUrl } };

    const clients = createAwsClients(soakConfig);
    compressRetries(clients, TIME_COMPRESSION);
    closers.push(() => {
      clients.dynamo.destroy();
      clients.sqs.destroy();
      clients.ses.destroy();
    });
    const base = await createAppContext(soakConfig, { clients, clock, logger, mjmlValidation: 'strict' });
    const publications = generatePublications(
      {
        sourceCount: options.sources,
        worksPerSourcePerDay: options.worksPerSourcePerDay,
        crossPostShare: 0.33,
        from: SOAK_START - 3 * DAY_MS,
        to: end + 2 * DAY_MS,
      },
      seeded.stream('works'),
      base.tagger,
    );
    const feeds = await startFeedHost(publications, clock, seeded, { perFetch: rates.feedFailure });
    closers.push(() => feeds.close());
    const fetcher = new HttpFeedFetcher({
      // Loopback answers in milliseconds; a hung feed should not cost the simulation real seconds.
      timeoutMs: 1000,
      maxBytes: config.fetch.maxBytes,
      userAgent: config.fetch.userAgent,
      allowedLoopbackPorts: [feeds.port],
    });
    closers.push(() => fetcher.close());

    const people = drawPopulation(
      { people: options.people, from: SOAK_START, weeks: options.weeks, addressTag: `s${options.seed}` },
      seeded.stream('population'),
    );
    const model = new WorldModel(people, publications);
    const byEmail = new Map(people.map((person) => [person.email, person]));

    // SQS delivers at least once: some planned jobs arrive twice.
    let duplicateDeliveries = 0;
    let enqueueCalls = 0;
    const duplicatingQueue: SendQueue<SendJob> = {
      async enqueue(jobs, enqueueOptions) {
        await base.queue.enqueue(jobs, enqueueOptions);
        enqueueCalls += 1;
        const twice = jobs.filter((_, index) =>
          seeded.chance(`duplicate:${enqueueCalls}:${index}`, rates.duplicateDelivery),
        );
        if (twice.length === 0) return;
        duplicateDeliveries += twice.length;
        await base.queue.enqueue(twice, enqueueOptions);
      },
    };
    const context: AppContext = {
      ...base,
      fetcher,
      sources: publications.sources,
      siteArticles: [],
      queue: duplicatingQueue,
    };
    const api = createApi(context, { clientIp: (c) => c.req.header('x-soak-client-ip') ?? '127.0.0.1' });
    const hands = (await import('./readers.ts')).readerActions(api, model);

    const fleet = new SenderFleet({
      config: soakConfig,
      clock,
      logger,
      seeded,
      queue: { client: direct.sqs, url: queues.sendUrl, arn: Attributes!.QueueArn! },
      pollers: 2,
      visibilityTimeoutMs: SEND_QUEUE.visibilityTimeoutSeconds * 1000,
      deadlineChance: rates.senderDeadline,
    });
    fleet.useOutageSwitch({ start: () => ses.startOutage(), end: () => ses.endOutage() });
    closers.push(() => fleet.close());

    // ---- the timeline ---------------------------------------------------------------------------
    const timeline = new EventQueue();
    /** Real time spent per kind of event (SOAK_TRACE=1 prints it): where a slow soak goes. */
    const timeByLabel = new Map<string, [number, number]>();
    const counts = {
      ingestRuns: 0,
      ingestFailures: 0,
      plannerRuns: 0,
      plannerFailures: 0,
      plannerSkipped: 0,
      sendPhases: 0,
      undrained: 0,
      hardBounces: 0,
      softBounces: 0,
      complaints: 0,
      unsubscribes: 0,
      topicChanges: 0,
      mailEventFailures: 0,
      slowFeeds: 0,
    };
    const feedFailureMismatches: string[] = [];
    const poisonSent: string[] = [];
    const deadLetters: string[] = [];
    const reactions = seeded.stream('reactions');
    const plans = seeded.stream('send-phases');
    let readUpTo = 0;

    const latestConfirmation = new Map<string, DeliveredEmail>();

    const ingest = async () => {
      counts.ingestRuns += 1;
      feeds.beginRun(counts.ingestRuns);
      const at = clock.ms;
      try {
        const summary = await ingestOnce(context, { fetchUrlFor: (source) => feeds.url(source.id) });
        const served = new Map(feeds.endRun().map((feed) => [feed.sourceId, feed]));
        for (const report of summary.sources) {
          const feed = served.get(report.sourceId);
          if (report.status === 'fetched' && feed?.outcome === 'ok')
            model.stored(report.sourceId, feed.workKeys, at);
        }
        for (const failure of summary.failures) {
          const outcome = served.get(failure.sourceId)?.outcome;
          const wanted =
            outcome && outcome in FAILURE_KIND_OF ? FAILURE_KIND_OF[outcome as FeedFault] : undefined;
          // A healthy feed that answered too late for the fetcher's deadline is the loaded machine
          // (real time), not a fault the system misread: counted, not a violation.
          if (failure.kind === 'timeout' && wanted !== 'timeout') {
            counts.slowFeeds += 1;
            continue;
          }
          if (wanted !== failure.kind && feedFailureMismatches.length < 10)
            feedFailureMismatches.push(
              `${failure.sourceId} failed as ${failure.kind} (${failure.message}); served ${outcome}`,
            );
        }
      } catch (error) {
        feeds.endRun();
        counts.ingestFailures += 1;
        logger.error('ingest run failed', { error: describeError(error) });
      }
    };

    const plan = async () => {
      counts.plannerRuns += 1;
      model.plan(clock.ms);
      const planBegan = Date.now();
      try {
        const summary = await planDigestOnce(context);
        timeByLabel.set('planner only', [
          (timeByLabel.get('planner only')?.[0] ?? 0) + 1,
          (timeByLabel.get('planner only')?.[1] ?? 0) + Date.now() - planBegan,
        ]);
        counts.plannerSkipped += summary.skippedNoArticles;
        if (summary.jobs === 0 && poisonSent.length === deadLetters.length) {
          model.sendPhaseDone();
          return;
        }
      } catch (error) {
        counts.plannerFailures += 1;
        logger.error('planner run failed', { error: describeError(error) });
      }
      counts.sendPhases += 1;
      const label = `phase-${counts.sendPhases}`;
      const drained = await fleet.drain(
        {
          label,
          killAtSends: plans.chance(rates.killPerPhase) ? [plans.int(1, 60)] : [],
          outageAtSend: plans.chance(rates.sesOutagePerPhase) ? plans.int(1, 60) : undefined,
        },
        options.drainTimeoutMs ?? 180_000,
      );
      if (!drained) counts.undrained += 1;
      model.sendPhaseDone();
      await collectDeadLetters();
      readMail();
    };

    const collectDeadLetters = async () => {
      for (;;) {
        const { Messages = [] } = await direct.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.deadLetterUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.length === 0) return;
        for (const message of Messages) {
          deadLetters.push(message.Body ?? '');
          await direct.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: queues.deadLetterUrl,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
        }
      }
    };

    /** What the readers do with the mail that reached them since the last look. */
    const readMail = () => {
      for (; readUpTo < ses.delivered.length; readUpTo += 1) {
        const email = ses.delivered[readUpTo]!;
        const person = byEmail.get(email.to);
        if (!person) continue;
        if (person.mailboxGoneAt !== undefined && email.at >= person.mailboxGoneAt) {
          timeline.schedule(email.at + 10 * 60_000, 'hard bounce', () => mailEvent(person, 'hard'));
          continue;
        }
        if (person.mailboxFull && email.at >= person.mailboxFull.from && email.at < person.mailboxFull.to) {
          timeline.schedule(email.at + 30 * 60_000, 'soft bounce', () => mailEvent(person, 'soft'));
          continue;
        }
        if (email.kind === 'confirmation') {
          latestConfirmation.set(person.email, email);
          continue;
        }
        if (email.kind !== 'digest') continue;
        const later = email.at + reactions.between(0.5, 72) * HOUR_MS;
        const reaction = reactions.weighted<'none' | 'leave' | 'topics' | 'complain'>([
          ['none', 950],
          ['leave', 20],
          ['topics', 27],
          ['complain', 3],
        ]);
        if (reaction === 'leave') {
          timeline.schedule(later, 'unsubscribe', async () => {
            counts.unsubscribes += 1;
            await hands.unsubscribe(person, email, clock.ms);
          });
        } else if (reaction === 'topics') {
          const topics = drawOtherTopics(model.reader(person.email).topics, reactions);
          timeline.schedule(later, 'change topics', async () => {
            counts.topicChanges += 1;
            await hands.changeTopics(person, email, topics);
          });
        } else if (reaction === 'complain') {
          timeline.schedule(later, 'complaint', () => mailEvent(person, 'complaint'));
        }
      }
    };

    /** SES publishes a bounce or complaint; the ses-events handler's use case applies it. */
    const mailEvent = async (person: Person, kind: 'hard' | 'soft' | 'complaint') => {
      const at = clock.now();
      const recipients = [{ emailAddress: person.email }];
      const detail =
        kind === 'complaint'
          ? {
              eventType: 'Complaint',
              complaint: { complainedRecipients: recipients, timestamp: at.toISOString() },
            }
          : {
              eventType: 'Bounce',
              bounce: {
                bounceType: kind === 'hard' ? 'Permanent' : 'Transient',
                bouncedRecipients: recipients,
                timestamp: at.toISOString(),
              },
            };
      const event = {
        source: 'aws.ses',
        'detail-type': kind === 'complaint' ? 'Email Complained' : 'Email Bounced',
        time: at.toISOString(),
        detail,
      };
      try {
        await applyMailEvent(parseSesEvent(event, at), context);
        model.mailEvent(person.email, kind, at.getTime());
        if (kind === 'hard') counts.hardBounces += 1;
        else if (kind === 'soft') counts.softBounces += 1;
        else counts.complaints += 1;
      } catch (error) {
        // EventBridge retries a failed target: so does the soak, a minute later.
        counts.mailEventFailures += 1;
        timeline.schedule(clock.ms + 60_000, 'mail event retry', () => mailEvent(person, kind));
        logger.error('mail event failed', { error: describeError(error) });
      }
    };

    const subscribe = async (person: Person, attempt: number) => {
      const ok = await hands.subscribe(person, person.topics, clock.ms);
      if (!ok) {
        if (attempt < SUBSCRIBE_RETRIES)
          timeline.schedule(clock.ms + HOUR_MS, 'subscribe again', () => subscribe(person, attempt + 1));
        return;
      }
      if (person.confirmAfterMs === undefined) return;
      timeline.schedule(clock.ms + person.confirmAfterMs, 'confirm', async () => {
        readMail();
        const confirmation = latestConfirmation.get(person.email);
        if (confirmation) return hands.confirm(person, confirmation, clock.ms);
        // No confirmation came (SES refused it): the next day they fill in the form again.
        if (attempt < SUBSCRIBE_RETRIES)
          timeline.schedule(clock.ms + DAY_MS + HOUR_MS, 'subscribe again', () =>
            subscribe(person, attempt + 1),
          );
      });
    };

    const reports: WeekReport[] = [];
    const inspect = {
      articles: new DynamoArticleStore(direct.documents, config.tables.articles),
      ledger: new DynamoDeliveryLedger(direct.documents, config.tables.deliveries),
    };
    const checkWeek = async (week: number) => {
      const label = weekLabel(SOAK_START + (week - 1) * WEEK_MS);
      readMail();
      const byPair = digestEmailsByPair(ses.delivered);
      const explained = explainedPairs(fleet.totals);
      const digestIds = new Set<string>();
      for (const reader of model.readers.values())
        for (const id of reader.expectations.keys()) digestIds.add(id);
      const ledger: LedgerRecord[] = [];
      for (const id of digestIds) ledger.push(...(await inspect.ledger.listForDigest(id)));
      const articles = await inspect.articles.listFirstSeenBetween(
        new Date(SOAK_START - WEEK_MS),
        clock.now(),
      );
      const checks: CheckResult[] = [
        checkOneDigestPerDueReader(model, label, byPair, explained, ledger),
        checkNoWorkTwice(byPair),
        checkNoMailToInactive(model, ses.delivered),
        checkArticlesStoredOnce(
          model,
          articles.map((article) => ({
            id: article.id,
            url: article.url,
            firstSeenAt: article.firstSeenAt,
            sourceIds: new Set(article.sources.map((source) => source.sourceId)),
          })),
        ),
        checkDeadLetters(deadLetters, poisonSent),
        checkSummariesMatchLedger(model, ledger, counts.plannerSkipped, fleet.totals),
        systemHealth(),
      ];
      const violations = checks.reduce((sum, check) => sum + check.violations, 0);
      reports.push({ week, label, checks, violations });
      print(
        `week ${week} (${label}) — ${violations === 0 ? 'all promises kept' : `${violations} VIOLATIONS`}`,
      );
      for (const check of checks) {
        print(
          `  ${check.violations === 0 ? 'ok  ' : 'FAIL'} ${check.name}: ${check.summary} [${check.checked} checked, ${check.violations} violations]`,
        );
        for (const example of check.examples) print(`         ${example}`);
      }
      print(
        `  world: ${countStatuses(model)}; ${ses.delivered.length} emails so far; faults ${JSON.stringify(faultTotals())}`,
      );
      // The stand-in keeps every body in memory; the gateway's log is what the checks read.
      await ses.clearUpstreamStore();
    };

    /** The run itself finished what it started: send phases drained, the API and ingest never crashed. */
    const systemHealth = (): CheckResult => {
      const problems = [
        ...(counts.undrained > 0 ? [`${counts.undrained} send phases did not drain`] : []),
        ...(counts.plannerFailures > 0 ? [`${counts.plannerFailures} planner runs failed`] : []),
        ...(counts.ingestFailures > 0 ? [`${counts.ingestFailures} ingest runs failed`] : []),
        ...fleet.totals.handlerCrashes.slice(0, 3).map((crash) => `the send handler threw: ${crash}`),
        ...feedFailureMismatches,
        ...hands.failures,
      ];
      return {
        name: 'runs completed',
        summary: `${counts.ingestRuns} ingest runs, ${counts.plannerRuns} planner runs, ${counts.sendPhases} send phases, ${fleet.totals.invocations} send invocations; ${counts.slowFeeds} healthy feeds too slow for the deadline on this machine`,
        checked: counts.ingestRuns + counts.plannerRuns + counts.sendPhases,
        violations: problems.length,
        examples: problems.slice(0, 5),
      };
    };

    const faultTotals = () => {
      const kinds: Record<string, number> = {
        sesThrottled: ses.faults.throttled,
        sesServerErrors: ses.faults.serverErrors,
        sesOutageRefusals: ses.faults.outageRefusals,
        senderKills: fleet.totals.kills,
        senderDeadlines: fleet.totals.deadlines,
        duplicateDeliveries,
        poisonMessages: poisonSent.length,
        feedTimeouts: feeds.faults.timeout,
        feedHttp503: feeds.faults['http-503'],
        feedTruncated: feeds.faults.truncated,
        feedHtmlPages: feeds.faults['html-page'],
        dynamoThrottled: dynamo.faults.throttled,
        dynamoPartialBatches: dynamo.faults.partialBatches,
      };
      return { total: Object.values(kinds).reduce((sum, value) => sum + value, 0), ...kinds };
    };

    for (const person of people) timeline.schedule(person.joinAt, 'subscribe', () => subscribe(person, 0));
    const lastHour = end + CHECK_AFTER_WEEK_MS;
    for (let at = SOAK_START; at < lastHour; at += HOUR_MS) {
      if ((at - SOAK_START) % (INGEST_EVERY_HOURS * HOUR_MS) === 0) timeline.schedule(at, 'ingest', ingest);
      timeline.schedule(at + 10 * 60_000, 'plan digests', plan);
    }
    for (let week = 1; week <= options.weeks; week += 1) {
      const weekStart = SOAK_START + (week - 1) * WEEK_MS;
      for (let index = 0; index < rates.poisonPerWeek; index += 1) {
        const at = weekStart + plans.int(0, 7 * 24 - 1) * HOUR_MS + 5 * 60_000;
        timeline.schedule(at, 'poison', async () => {
          const marker = `soak-poison-${poisonSent.length + 1}`;
          poisonSent.push(marker);
          await direct.sqs.send(
            new SendMessageCommand({
              QueueUrl: queues.sendUrl,
              MessageBody: JSON.stringify({ kind: 'digest', version: 1, note: marker }),
            }),
          );
        });
      }
      timeline.schedule(weekStart + WEEK_MS + CHECK_AFTER_WEEK_MS - 1, `check week ${week}`, () =>
        checkWeek(week),
      );
    }

    print(
      `soak seed ${options.seed}: ${options.weeks} weeks from ${new Date(SOAK_START).toISOString().slice(0, 10)}, ` +
        `${people.length} people, ${publications.sources.length} sources, ${publications.works.size} works`,
    );
    const trace = process.env.SOAK_TRACE === '1';
    const profile = setInterval(() => {
      if (trace)
        process.stderr.write(
          `[profile] ${new Date(clock.ms).toISOString()} ${JSON.stringify(Object.fromEntries(timeByLabel))}\n`,
        );
    }, 15_000);
    profile.unref();
    for (let event = timeline.pop(); event; event = timeline.pop()) {
      clock.advanceTo(event.at);
      const began = Date.now();
      if (process.env.SOAK_TRACE === '2')
        process.stderr.write(`[start] ${new Date(clock.ms).toISOString()} ${event.label}\n`);
      await event.run();
      const spent = Date.now() - began;
      const label = event.label.replace(/ \d+$/, '');
      timeByLabel.set(label, [
        (timeByLabel.get(label)?.[0] ?? 0) + 1,
        (timeByLabel.get(label)?.[1] ?? 0) + spent,
      ]);
      if (trace && spent > 2000 && Date.now() % 1 === 0)
        process.stderr.write(
          `[trace] ${new Date(clock.ms).toISOString()} ${event.label}: ${Date.now() - began} ms\n`,
        );
    }

    // The first check is about one week's digests; the others look at everything so far, so
    // their last reading counts once (summing them over weeks would count one breach each week).
    const violations =
      reports.reduce((sum, report) => sum + report.checks[0]!.violations, 0) +
      (reports
        .at(-1)
        ?.checks.slice(1)
        .reduce((sum, check) => sum + check.violations, 0) ?? 0);
    if (violations > 0 && errors.length > 0) {
      print(`first logged errors (${errors.length}):`);
      for (const line of errors.slice(0, 10)) print(`  ${line.slice(0, 400)}`);
    }
    const digests = ses.delivered.filter((email) => email.kind === 'digest').length;
    const articles = await inspect.articles.listFirstSeenBetween(new Date(SOAK_START - WEEK_MS), clock.now());
    return {
      seed: options.seed,
      weeks: options.weeks,
      subscribers: people.length,
      sources: publications.sources.length,
      articles: articles.length,
      emails: ses.delivered.length,
      digests,
      faultsInjected: faultTotals(),
      violations,
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

function countStatuses(model: WorldModel): string {
  const counts = new Map<string, number>();
  for (const reader of model.readers.values())
    counts.set(reader.status, (counts.get(reader.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}
