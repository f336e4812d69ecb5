import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { YIELD_MARGIN_MS } from '../../functions/core/delivery/send-policy.ts';
import type { SendJob } from '../../functions/core/delivery/send-job.ts';
import { dueHourOf } from '../../functions/adapters/dynamodb/subscriber-store.ts';
import {
  ADMIN_CALLER,
  CONFIGURATION_SET,
  SITE_URL,
  type BundleWorld,
  type StoredEmail,
} from './bundle-world.ts';
import { adminHttpEvent, bounceEvent, httpEvent, scheduledEvent, sendEvent } from './lambda-events.ts';
import { ledgerTags } from '../../functions/adapters/ses/ses-tags.ts';
import type { Invocation } from './lambda-bundles.ts';

/**
 * Every path of the product that touches AWS, each driven through the bundles of a BundleWorld
 * (so through IAM): what the bundle check runs, and what the IAM integration test asserts on. Each
 * returns what happened; none asserts, so the script and the test judge the same facts in their
 * own way.
 */

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export function httpAnswer(invocation: Invocation): HttpAnswer {
  const response = invocation.result as APIGatewayProxyStructuredResultV2;
  const body = response.isBase64Encoded
    ? Buffer.from(response.body ?? '', 'base64').toString()
    : (response.body ?? '');
  return { status: response.statusCode ?? 0, body };
}

/** A send batch's outcome: the handler's answer, and the jobs the batch was. */
export interface SendRun {
  readonly invocation: Invocation;
  readonly batch: SQSEvent;
  readonly failures: readonly string[];
}

const jobsOf = (batch: SQSEvent) => batch.Records.map((record) => JSON.parse(record.body) as SendJob);

/** Receives what is on the send queue and hands it to the send bundle, acknowledging the batch. */
export async function runSendBatch(
  world: BundleWorld,
  what: string,
  options: { remainingTimeMs?: number; expectJobs?: number } = {},
): Promise<SendRun> {
  const batch = await world.receiveSendJobs(options.expectJobs ?? 10);
  if (batch.Records.length === 0) throw new Error(`${what}: no send job on the queue`);
  const invocation = await world.invoke('send', batch, `${what}: ${batch.Records.length} job(s)`, {
    ...(options.remainingTimeMs !== undefined ? { remainingTimeMs: options.remainingTimeMs } : {}),
  });
  const failures = ((invocation.result as SQSBatchResponse | null)?.batchItemFailures ?? []).map(
    (failure) => failure.itemIdentifier,
  );
  // Lambda deletes what did not fail; what failed comes back after the visibility timeout.
  await world.acknowledge({
    Records: batch.Records.filter((record) => !failures.includes(record.messageId)),
  });
  return { invocation, batch, failures };
}

export interface Subscription {
  readonly page: HttpAnswer;
  readonly subscribed: HttpAnswer;
  /** The sender's run of the request (an account-email job): it mails the confirmation. */
  readonly request: SendRun;
  readonly confirmation: StoredEmail | undefined;
  /** What the link opens: the page with the button (it confirms nothing). */
  readonly opened: HttpAnswer | undefined;
  /** The press of the button. */
  readonly confirmed: HttpAnswer | undefined;
}

/**
 * A reader subscribes (to every topic by default) and confirms from the email: the api queues the
 * request, the sender mails the confirmation, the link opens a page and the reader presses its
 * button (a POST with the page's form proof).
 */
export async function subscribeAndConfirm(
  world: BundleWorld,
  reader: string,
  topics: readonly string[] = Object.keys(world.local.topicLabels),
): Promise<Subscription> {
  const page = httpAnswer(
    await world.invoke('api', httpEvent(SITE_URL, 'GET', '/'), 'GET / serves the subscribe page'),
  );
  const form = new URLSearchParams([
    ['email', reader],
    ...topics.map((id): [string, string] => ['topics', id]),
  ]);
  const subscribed = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(SITE_URL, 'POST', '/subscribe', form.toString(), 'application/x-www-form-urlencoded'),
      'POST /subscribe queues the request',
    ),
  );
  const request = await runSendBatch(world, 'the subscription request (mails the confirmation)', {
    expectJobs: 1,
  });
  const confirmation = (await world.mailbox(reader))[0];
  const token = /\/confirm\?token=([^\s"&<]+)/.exec(confirmation?.body.text ?? '')?.[1];
  if (!token) return { page, subscribed, request, confirmation, opened: undefined, confirmed: undefined };
  const opened = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(SITE_URL, 'GET', '/confirm', undefined, undefined, `token=${token}`),
      'GET /confirm shows the button',
    ),
  );
  const csrf = /name="csrf" value="([^"]+)"/.exec(opened.body)?.[1] ?? '';
  const confirmed = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(
        SITE_URL,
        'POST',
        '/confirm',
        new URLSearchParams({ csrf }).toString(),
        'application/x-www-form-urlencoded',
        `token=${token}`,
      ),
      'POST /confirm records the consent',
    ),
  );
  return { page, subscribed, request, confirmation, opened, confirmed };
}

export interface Erasure {
  readonly asked: HttpAnswer;
  /** The sender's run of the "email me a link" request. */
  readonly request: SendRun;
  readonly manageLink: StoredEmail | undefined;
  /** The reader pauses their digest first (a change of their record). */
  readonly paused: HttpAnswer | undefined;
  readonly exported: HttpAnswer | undefined;
  readonly erased: HttpAnswer | undefined;
}

/**
 * A reader asks for a manage link by typing their address, pauses their digest, downloads their
 * data (their ledger rows and admin test sends included) and has it erased (the ledger rows
 * anonymised).
 */
export async function manageLinkExportAndErase(world: BundleWorld, reader: string): Promise<Erasure> {
  await world.drainSendQueue();
  const asked = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(
        SITE_URL,
        'POST',
        '/manage',
        new URLSearchParams({ email: reader }).toString(),
        'application/x-www-form-urlencoded',
      ),
      'POST /manage queues the request',
    ),
  );
  const request = await runSendBatch(world, 'the manage-link request', { expectJobs: 1 });
  const manageLink = (await world.mailbox(reader)).find((email) => /manage link/i.test(email.subject));
  const token = /\/preferences\?token=([^\s"&<]+)/.exec(manageLink?.body.text ?? '')?.[1];
  if (!token)
    return { asked, request, manageLink, paused: undefined, exported: undefined, erased: undefined };
  const paused = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(
        SITE_URL,
        'POST',
        '/preferences/pause',
        '',
        'application/x-www-form-urlencoded',
        `token=${token}`,
      ),
      'POST /preferences/pause',
    ),
  );
  const exported = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(SITE_URL, 'GET', '/preferences/data', undefined, undefined, `token=${token}`),
      "GET /preferences/data exports the reader's data",
    ),
  );
  const erased = httpAnswer(
    await world.invoke(
      'api',
      httpEvent(
        SITE_URL,
        'POST',
        '/preferences/delete',
        'confirm=yes',
        'application/x-www-form-urlencoded',
        `token=${token}`,
      ),
      'POST /preferences/delete erases the reader',
    ),
  );
  return { asked, request, manageLink, paused, exported, erased };
}

/** A GET of a public page, or (with `caller`) of an admin page. */
export async function get(world: BundleWorld, rawPath: string, caller?: string): Promise<HttpAnswer> {
  const event = caller
    ? adminHttpEvent(SITE_URL, 'GET', rawPath, undefined, caller)
    : httpEvent(SITE_URL, 'GET', rawPath);
  return httpAnswer(await world.invoke('api', event, `GET ${rawPath}`));
}

/**
 * A POST to the admin API as the IAM caller API Gateway authorised, or (`caller` null) unsigned.
 * Null, not undefined: an explicit undefined would take the default and sign the request.
 */
export async function adminPost(
  world: BundleWorld,
  body: Record<string, unknown>,
  what: string,
  caller: string | null = ADMIN_CALLER,
): Promise<HttpAnswer> {
  return httpAnswer(
    await world.invoke(
      'api',
      adminHttpEvent(SITE_URL, 'POST', '/admin/sends', JSON.stringify(body), caller ?? undefined),
      what,
    ),
  );
}

export interface WeeklyDigest {
  readonly ingest: Invocation;
  /** The quiet reader's subscription: one topic no stored article has. */
  readonly quiet: Subscription;
  readonly plan: Invocation;
  readonly send: SendRun;
  readonly digest: StoredEmail | undefined;
  readonly archive: HttpAnswer;
}

/**
 * Ingest runs; a quiet reader subscribes to a topic none of the stored articles has (the planner
 * records their "nothing new" in the ledger); plan-digest plans (or, before the reader's slot,
 * the slot is ignored as `digest --ignore-slot` does); send mails; the archive page lists the week.
 */
export async function weeklyDigest(
  world: BundleWorld,
  reader: string,
  quietReader: string,
): Promise<WeeklyDigest> {
  await world.drainSendQueue();
  const ingest = await world.invoke('ingest', scheduledEvent(), 'one run (the outside feeds fail offline)');
  // The window is read a day at a time: the last two days hold everything this run stored.
  const stored = await world.local.articles.listFirstSeenBetween(
    new Date(Date.now() - 2 * 86_400_000),
    new Date(Date.now() + 60_000),
  );
  const covered = new Set(stored.flatMap((article) => Object.keys(article.topics)));
  const uncovered = Object.keys(world.local.topicLabels).find((topic) => !covered.has(topic));
  if (!uncovered) throw new Error('every topic has an article: no topic is left for the quiet reader');
  const quiet = await subscribeAndConfirm(world, quietReader, [uncovered]);
  await owedThisWeeksSlot(world, [reader, quietReader]);
  const plan = await world.invoke('plan-digest', scheduledEvent(), 'one planning run');
  const send = await runSendBatch(world, 'the weekly digest');
  const digest = (await world.mailbox(reader)).find((email) =>
    email.headers?.some((header) => header.name.toLowerCase() === 'list-unsubscribe'),
  );
  const archive = await get(world, '/archive');
  return { ingest, quiet, plan, send, digest, archive };
}

/**
 * A reader confirmed a moment ago is owed no digest before their next slot (the first digest comes
 * at the first slot after confirmation). The planning run stands in for one a week on: each
 * reader's slot becomes today at midnight UTC, which has always begun, and their confirmation
 * moves a week back, straight in the table, as time would have moved it.
 */
async function owedThisWeeksSlot(world: BundleWorld, emails: readonly string[]): Promise<void> {
  const now = new Date();
  const aWeekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString();
  const readers = (await world.local.subscribers.listConfirmed()).filter((subscriber) =>
    emails.includes(subscriber.email),
  );
  if (readers.length !== emails.length)
    throw new Error(`not every reader is confirmed: ${emails.join(', ')}`);
  for (const reader of readers) {
    await world.local.clients.documents.send(
      new UpdateCommand({
        TableName: world.local.config.tables.subscribers,
        Key: { subscriberId: reader.subscriberId },
        // Owed now: the next-slot index files them under this hour, as time would have.
        UpdateExpression:
          'SET consent.#at = :aWeekAgo, delivery = :today, nextSlotAt = :nextSlotAt, dueHour = :dueHour REMOVE scheduleFrom',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: {
          ':aWeekAgo': aWeekAgo,
          ':today': { weekday: now.getUTCDay() === 0 ? 7 : now.getUTCDay(), hour: 0, timeZone: 'UTC' },
          ':nextSlotAt': now.toISOString(),
          ':dueHour': dueHourOf(reader.subscriberId, now),
        },
      }),
    );
  }
}

export interface Announcement {
  readonly started: HttpAnswer;
  /** The sender's run of the plan job: it fans the send out into announcement jobs. */
  readonly fanOut: SendRun;
  readonly announcementJobs: number;
  /** The sender's run of the announcement jobs. */
  readonly delivery: SendRun | undefined;
  readonly received: StoredEmail | undefined;
  /** The send's status page once it went out (the api counts the ledger). */
  readonly status: HttpAnswer;
}

/** An admin announcement end to end: the api starts it, the sender fans it out, then mails it. */
export async function adminAnnouncement(
  world: BundleWorld,
  reader: string,
  sendId: string,
): Promise<Announcement> {
  await world.drainSendQueue();
  const subject = `Announcement ${sendId}`;
  const started = await adminPost(
    world,
    { subject, body: 'A **short** announcement.', id: sendId, audience: 'everyone', send: true },
    'POST /admin/sends starts an announcement',
  );
  const fanOut = await runSendBatch(world, 'the announcement plan job', { expectJobs: 1 });
  const queued = await world.receiveSendJobs(10);
  const announcementJobs = jobsOf(queued).filter((job) => job.kind === 'announcement').length;
  let delivery: SendRun | undefined;
  if (queued.Records.length > 0) {
    const invocation = await world.invoke(
      'send',
      queued,
      `the announcement: ${queued.Records.length} job(s)`,
    );
    const failures = ((invocation.result as SQSBatchResponse).batchItemFailures ?? []).map(
      (f) => f.itemIdentifier,
    );
    await world.acknowledge(queued);
    delivery = { invocation, batch: queued, failures };
  }
  const received = (await world.mailbox(reader)).find((email) => email.subject === subject);
  const status = await get(world, `/admin/sends/${sendId}`, ADMIN_CALLER);
  return { started, fanOut, announcementJobs, delivery, received, status };
}

export interface HandOn {
  /** The run that was cut short and handed its recipients on. */
  readonly interrupted: SendRun;
  /** The continuation job as the sender enqueued it, and its delay (seconds) when it asked for one. */
  readonly continuation: SendJob | undefined;
  readonly delaySeconds: number | undefined;
}

/**
 * An announcement job cut short, and what the sender enqueues for its unsent recipients: the job
 * reaches its deadline ('deadline'), SES throttles every attempt ('throttled'), or SES reports
 * the daily quota ('quota').
 */
export async function handOn(
  world: BundleWorld,
  sendId: string,
  cause: 'deadline' | 'throttled' | 'quota',
): Promise<HandOn> {
  await world.drainSendQueue();
  const started = await adminPost(
    world,
    { subject: `Hand-on ${sendId}`, body: 'Cut short.', id: sendId, audience: 'everyone', send: true },
    `POST /admin/sends (${cause})`,
  );
  if (started.status !== 202)
    throw new Error(`${cause}: the announcement did not start: ${started.status} ${started.body}`);
  await runSendBatch(world, `the ${cause} plan job`, { expectJobs: 1 });
  const before = world.iam.calls.length;
  if (cause === 'throttled') world.ses.ratePerSecond = 0;
  if (cause === 'quota') world.ses.quotaExceeded = true;
  let interrupted: SendRun;
  try {
    interrupted = await runSendBatch(world, `the announcement (${cause})`, {
      ...(cause === 'deadline' ? { remainingTimeMs: YIELD_MARGIN_MS - 1_000 } : {}),
    });
  } finally {
    world.ses.ratePerSecond = 1_000;
    world.ses.quotaExceeded = false;
  }
  const enqueued = world.iam.calls
    .slice(before)
    .find(
      (call) =>
        call.principal === 'send' && call.operation.startsWith('SendMessage') && call.decision === 'allowed',
    );
  const entry = (
    enqueued?.input.Entries as { MessageBody: string; DelaySeconds?: number }[] | undefined
  )?.[0] ?? {
    MessageBody: (enqueued?.input.MessageBody as string | undefined) ?? '',
    DelaySeconds: enqueued?.input.DelaySeconds as number | undefined,
  };
  return {
    interrupted,
    continuation: entry.MessageBody ? (JSON.parse(entry.MessageBody) as SendJob) : undefined,
    delaySeconds: entry.DelaySeconds,
  };
}

export interface TestSend {
  readonly answer: HttpAnswer;
  readonly received: StoredEmail | undefined;
  /** The api's log lines about the SES account (a warning when GetAccount failed). */
  readonly accountWarnings: readonly string[];
}

/** An admin test send: one address, subject marked [TEST], through the api's limiter (GetAccount). */
export async function adminTestSend(world: BundleWorld, to: string, sendId: string): Promise<TestSend> {
  const invocation = await world.invoke(
    'api',
    adminHttpEvent(
      SITE_URL,
      'POST',
      '/admin/sends',
      JSON.stringify({
        subject: `Test ${sendId}`,
        body: 'A test.',
        id: sendId,
        audience: 'everyone',
        testTo: to,
      }),
      ADMIN_CALLER,
    ),
    'POST /admin/sends test send',
  );
  const received = (await world.mailbox(to)).find((email) => email.subject === `[TEST] Test ${sendId}`);
  const accountWarnings = `${invocation.output}\n${invocation.errorOutput}`
    .split('\n')
    .filter((line) => line.includes('GetAccount'));
  return { answer: httpAnswer(invocation), received, accountWarnings };
}

/** The editors' dashboard as JSON: a census of readers, the ledger, the run log, the DLQ's depth. */
export function adminStats(world: BundleWorld): Promise<HttpAnswer> {
  return get(world, '/admin/stats', ADMIN_CALLER);
}

export interface SesAcceptance {
  readonly invocation: Invocation;
  /** The SES message id of the reader's latest digest, as its sender recorded it. */
  readonly messageId: string | undefined;
  /** What the ledger item holds after ses-events ran. */
  readonly acceptedMessageId: string | undefined;
}

/**
 * SES's Send event for the reader's latest digest (its tags naming the ledger item, as SesMailer
 * wrote them): ses-events records the acceptance on that item.
 */
export async function sesAccepted(world: BundleWorld, reader: string): Promise<SesAcceptance> {
  const subscriberId = world.local.subscriberIds.idFor(reader);
  const digestId = (await world.local.subscribers.get(subscriberId))?.lastDigestId;
  if (!digestId) throw new Error(`${reader} has been sent no digest yet`);
  const key = { digestId, subscriberId };
  const recordOf = async () => (await world.local.ledger.listForReader(subscriberId, [digestId]))[0];
  const messageId = (await recordOf())?.messageId;
  const invocation = await world.invoke(
    'ses-events',
    sendEvent(reader, messageId ?? 'unknown', ledgerTags(key), CONFIGURATION_SET),
    "SES's Send event of the reader's digest",
  );
  return { invocation, messageId, acceptedMessageId: (await recordOf())?.acceptedMessageId };
}

/** SES reports a hard bounce of the reader: ses-events suppresses them. */
export async function hardBounce(world: BundleWorld, reader: string): Promise<Invocation> {
  return world.invoke(
    'ses-events',
    bounceEvent(reader, CONFIGURATION_SET),
    'a hard bounce suppresses the reader',
  );
}

export interface DeadLetterRedrive {
  /** The admin's look at the dead-letter queue (the page). */
  readonly listing: HttpAnswer;
  /** The redrive, asked for as JSON: how many moved back, how many left as poison. */
  readonly redrive: HttpAnswer;
  /** The send jobs on the send queue after the redrive. */
  readonly requeued: readonly SendJob[];
}

/**
 * An operator redrives the send queue's dead letters through the admin API: a send job (an
 * announcement plan to resume) and a poison message sit in the DLQ; the api lists them and moves
 * the job back to the send queue, leaving the poison. The requeued job is taken off again
 * unhandled, so the next scenario starts on an empty queue.
 */
export async function deadLetterRedrive(world: BundleWorld, sendId: string): Promise<DeadLetterRedrive> {
  await world.drainSendQueue();
  const { sqs } = world.local.clients;
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: world.local.config.queues.deadLetterName }),
  );
  const job: SendJob = { kind: 'announcement-plan', version: 1, sendId, resume: true };
  for (const body of [JSON.stringify(job), '{"kind":"digest","version":1}']) {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
  }
  const listing = await get(world, '/admin/dead-letters', ADMIN_CALLER);
  const redrive = httpAnswer(
    await world.invoke(
      'api',
      adminHttpEvent(SITE_URL, 'POST', '/admin/dead-letters/redrive', '{}', ADMIN_CALLER),
      'POST /admin/dead-letters/redrive',
    ),
  );
  const requeued = await world.receiveSendJobs(10);
  await world.acknowledge(requeued);
  return { listing, redrive, requeued: jobsOf(requeued) };
}

export interface EditorsDesk {
  /** The desk page of this week's articles. */
  readonly listing: HttpAnswer;
  /** The pin and unpin of the first article listed: the editors' marks are updates of the article. */
  readonly pin: HttpAnswer | undefined;
  readonly unpin: HttpAnswer | undefined;
  /** The week's editor's note, set as JSON. */
  readonly note: HttpAnswer;
}

/**
 * An editor on the desk (after weeklyDigest stored this week's articles): the api lists the
 * week's articles, pins and unpins the first (UpdateItem on articles) and sets the week's note.
 */
export async function editorsDesk(world: BundleWorld, weekId: string): Promise<EditorsDesk> {
  const listing = await get(world, '/admin/articles', ADMIN_CALLER);
  const articleId = /id="article-([^"]+)"/.exec(listing.body)?.[1];
  const post = async (verb: string) =>
    httpAnswer(
      await world.invoke(
        'api',
        adminHttpEvent(SITE_URL, 'POST', `/admin/articles/${articleId}/${verb}`, '{}', ADMIN_CALLER),
        `POST /admin/articles/{id}/${verb}`,
      ),
    );
  const pin = articleId ? await post('pin') : undefined;
  const unpin = articleId ? await post('unpin') : undefined;
  const note = httpAnswer(
    await world.invoke(
      'api',
      adminHttpEvent(
        SITE_URL,
        'PUT',
        `/admin/notes/${weekId}`,
        JSON.stringify({ body: 'A word from the editors.' }),
        ADMIN_CALLER,
      ),
      'PUT /admin/notes/{week}',
    ),
  );
  return { listing, pin, unpin, note };
}

export interface ReaderImport {
  /** A one-row CSV imported through the admin API: the reader is asked to confirm. */
  readonly imported: HttpAnswer;
  /** The confirmed readers, a page of them, through the admin API. */
  readonly exported: HttpAnswer;
}

/**
 * An admin imports a reader from a CSV (a confirmation request queued, the address marked as
 * asked, the run recorded) and exports the confirmed readers, through the admin API. The queued
 * request is taken off again unhandled, so the next scenario starts on an empty queue.
 */
export async function readersImportAndExport(world: BundleWorld, reader: string): Promise<ReaderImport> {
  const csv = `email,tags\n${reader},car-t\n`;
  const imported = httpAnswer(
    await world.invoke(
      'api',
      adminHttpEvent(SITE_URL, 'POST', '/admin/subscribers/import', csv, ADMIN_CALLER),
      'POST /admin/subscribers/import',
    ),
  );
  const exported = await get(world, '/admin/subscribers.csv?limit=100', ADMIN_CALLER);
  await world.drainSendQueue();
  return { imported, exported };
}

export interface ScheduledSendPath {
  /** POST /admin/sends with `sendAt`: 202, the schedule created. */
  readonly scheduled: HttpAnswer;
  /** The same request again: 200 already-scheduled (Scheduler answered ConflictException). */
  readonly again: HttpAnswer;
  /** The schedule as the api created it (its CreateSchedule input), before the cancel. */
  readonly schedule: Readonly<Record<string, unknown>> | undefined;
  /** The schedule's target input put on the send queue early, as Scheduler would at the time. */
  readonly firedEarly: SendRun;
  /** POST /admin/sends/{id}/cancel: 200, the schedule deleted. */
  readonly cancelled: HttpAnswer;
  /** Whether a schedule of the send is left after the cancel. */
  readonly scheduleLeft: boolean;
  readonly status: HttpAnswer;
}

/**
 * An admin schedules an announcement for two days ahead through the api bundle (its EventBridge
 * Scheduler schedule created, its role passed: Scheduler has no stand-in, so the IAM proxy keeps
 * the schedules, as it answers Secrets Manager), asks again (already scheduled), then cancels it
 * (the schedule deleted). In between, the schedule's target input is put on the send queue as
 * Scheduler would put it, two days early: the sender reads it as the send's plan job and, the
 * send not being due, leaves it scheduled.
 */
export async function scheduleAndCancel(world: BundleWorld, sendId: string): Promise<ScheduledSendPath> {
  await world.drainSendQueue();
  const sendAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * 24 * 3600 * 1000).toISOString();
  const request = {
    subject: `Later ${sendId}`,
    body: 'An announcement for later.',
    id: sendId,
    audience: 'everyone',
    send: true,
    sendAt,
  };
  const scheduled = await adminPost(world, request, 'POST /admin/sends with sendAt schedules a send');
  const again = await adminPost(world, request, 'POST /admin/sends with sendAt again');
  const schedule = [...world.iam.schedules.entries()].find(([key]) => key.endsWith(`/${sendId}`))?.[1];
  const input = (schedule?.Target as { Input?: string } | undefined)?.Input;
  if (input === undefined) throw new Error(`no schedule was created for ${sendId}`);
  // Scheduler puts the input on the queue with its own role: straight to the stand-in here.
  await world.local.clients.sqs.send(
    new SendMessageCommand({ QueueUrl: world.sendQueueUrl, MessageBody: input }),
  );
  const firedEarly = await runSendBatch(world, 'the scheduled plan job, fired early', { expectJobs: 1 });
  const cancelled = httpAnswer(
    await world.invoke(
      'api',
      adminHttpEvent(SITE_URL, 'POST', `/admin/sends/${sendId}/cancel`, '{}', ADMIN_CALLER),
      `POST /admin/sends/${sendId}/cancel`,
    ),
  );
  const scheduleLeft = [...world.iam.schedules.keys()].some((key) => key.endsWith(`/${sendId}`));
  const status = await get(world, `/admin/sends/${sendId}`, ADMIN_CALLER);
  return { scheduled, again, schedule, firedEarly, cancelled, scheduleLeft, status };
}
