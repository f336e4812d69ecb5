import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { loadConfig, prefixedResourceSettings } from '../../functions/config/config.ts';
import { createAppContext } from '../../functions/app/context.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { ensureTables } from '../../functions/adapters/dynamodb/create-tables.ts';
import { ensureQueues } from '../../functions/adapters/sqs/create-queues.ts';
import { startStandIns } from '../../functions/local/stand-ins.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { METRIC } from '../../functions/handlers/metric-names.ts';
import type { HandlerName } from '../../infra/constructs/digest-function.ts';
import {
  bundleBytes,
  invokeBundle,
  publishedMetrics,
  readSynthesizedFunctions,
  resolveEnvironment,
  stageBundle,
  type Invocation,
  type SynthesizedFunction,
} from './lambda-bundles.ts';
import { adminHttpEvent, bounceEvent, httpEvent, scheduledEvent } from './lambda-events.ts';

/**
 * `npm run verify:bundles`: synth catches nothing that breaks when an ESM bundle loads (a
 * dynamic require, a missing file, __dirname in a CommonJS dependency). This takes the bundles
 * of the synthesized app (cdk.out, after `npm run synth`), stages each alone in a temporary
 * folder, and runs every handler in its own Node process, with the environment the stack sets,
 * against the local stand-ins: a reader subscribes and confirms through the api bundle, ingest
 * and plan-digest run, the send bundle mails the digest, ses-events suppresses a bounce. The last
 * line is one JSON object with the figures.
 */

const EXPECTED: readonly HandlerName[] = ['ingest', 'plan-digest', 'send', 'api', 'ses-events'];
const SITE_URL = 'https://digest.verify.example';
const CONFIGURATION_SET = 'immuno-digest-verify';
const TOKEN_SECRET = randomBytes(32).toString('hex');

interface StoredEmail {
  readonly destination: { to: string[] };
  readonly subject: string;
  readonly body: { text?: string; html?: string };
  readonly headers?: { name: string; value: string }[];
}

async function main(): Promise<void> {
  const assemblyDir = path.resolve(process.argv[2] ?? 'cdk.out');
  const functions = new Map((await readSynthesizedFunctions(assemblyDir)).map((fn) => [fn.name, fn]));
  const missing = EXPECTED.filter((name) => !functions.has(name));
  if (missing.length > 0) throw new Error(`${assemblyDir} has no bundle for ${missing.join(', ')}`);

  const stagingRoot = await mkdtemp(path.join(os.tmpdir(), 'immuno-digest-bundles-'));
  const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
  const prefix = `verify${randomBytes(3).toString('hex')}`;
  const config = loadConfig(
    {
      TOKEN_SECRET,
      ...prefixedResourceSettings(prefix),
      SITE_URL,
      DYNAMODB_ENDPOINT: standIns.endpoints.dynamodb,
      SES_ENDPOINT: standIns.endpoints.ses,
      SQS_ENDPOINT: standIns.endpoints.sqs,
    },
    'local',
  );
  const clients = createAwsClients(config);
  await ensureTables(clients.dynamo, config.tables);
  const queues = await ensureQueues(clients.sqs, config.queues);
  const local = await createAppContext(
    { ...config, queues: { ...config.queues, sendUrl: queues.sendUrl } },
    { logger: silentLogger, clients },
  );

  // The stand-ins answer for every resource the stack hands its functions.
  const stackResources: Record<string, string> = {
    ARTICLES_TABLE: config.tables.articles,
    SUBSCRIBERS_TABLE: config.tables.subscribers,
    DELIVERIES_TABLE: config.tables.deliveries,
    STATE_TABLE: config.tables.state,
    SEND_QUEUE_URL: queues.sendUrl,
    SEND_QUEUE_NAME: config.queues.sendName,
    SEND_DLQ_NAME: config.queues.deadLetterName,
    SES_CONFIGURATION_SET: CONFIGURATION_SET,
    SITE_URL,
    // There is no Secrets Manager stand-in: the secret is given directly (TOKEN_SECRET below).
    TOKEN_SECRET_ARN: '',
  };
  const figures: { name: HandlerName; bundleMb: number; importMs: number }[] = [];
  const staged = new Map<
    HandlerName,
    { fn: SynthesizedFunction; taskRoot: string; env: Record<string, string> }
  >();
  for (const name of EXPECTED) {
    const fn = functions.get(name)!;
    const taskRoot = await stageBundle(fn, stagingRoot);
    const env = {
      ...resolveEnvironment(fn, taskRoot, (variable) => stackResources[variable]),
      TOKEN_SECRET,
      DYNAMODB_ENDPOINT: standIns.endpoints.dynamodb,
      SES_ENDPOINT: standIns.endpoints.ses,
      SQS_ENDPOINT: standIns.endpoints.sqs,
      // What the Lambda runtime sets.
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'verify',
      AWS_SECRET_ACCESS_KEY: 'verify',
      AWS_LAMBDA_FUNCTION_NAME: `immuno-digest-${name}`,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: taskRoot,
      TZ: ':UTC',
    };
    staged.set(name, { fn, taskRoot, env });
    figures.push({ name, bundleMb: (await bundleBytes(taskRoot, fn.handler)) / 1024 / 1024, importMs: 0 });
  }

  const invoke = async (name: HandlerName, event: unknown, what: string): Promise<Invocation> => {
    const { fn, taskRoot, env } = staged.get(name)!;
    const invocation = await invokeBundle(fn, taskRoot, env, event);
    const figure = figures.find((f) => f.name === name)!;
    figure.importMs = Math.max(figure.importMs, invocation.importMs);
    console.log(`✓ ${name.padEnd(11)} ${what} (bundle loaded in ${Math.round(invocation.importMs)} ms)`);
    return invocation;
  };
  const mailbox = async (to: string): Promise<StoredEmail[]> => {
    const response = await fetch(`${standIns.endpoints.ses}/store`);
    const { emails } = (await response.json()) as { emails: StoredEmail[] };
    return emails.filter((email) => email.destination.to.includes(to));
  };

  try {
    const reader = `reader.${prefix}@example.org`;
    const page = await invoke('api', httpEvent(SITE_URL, 'GET', '/'), 'GET / serves the subscribe page');
    expectHttp(page, 200, '<form');

    const topics = Object.keys(local.topicLabels);
    const form = new URLSearchParams([
      ['email', reader],
      ...topics.map((id): [string, string] => ['topics', id]),
    ]);
    const subscribed = await invoke(
      'api',
      httpEvent(SITE_URL, 'POST', '/subscribe', form.toString(), 'application/x-www-form-urlencoded'),
      'POST /subscribe mails a confirmation',
    );
    expectHttp(subscribed, 202);
    const confirmation = (await mailbox(reader))[0];
    const token = /\/confirm\?token=([^\s"&<]+)/.exec(confirmation?.body.text ?? '')?.[1];
    if (!confirmation || !token) throw new Error(`no confirmation email with a link reached ${reader}`);
    expectHttp(
      await invoke(
        'api',
        httpEvent(SITE_URL, 'GET', '/confirm', undefined, undefined, `token=${token}`),
        'GET /confirm',
      ),
      200,
    );

    // The admin routes in the bundle: Markdown, sanitiser and MJML load, and IAM decides who may.
    const dryRun = JSON.stringify({
      subject: 'Verify',
      body: 'A **dry** run.',
      audience: 'everyone',
      dryRun: true,
    });
    expectHttp(
      await invoke(
        'api',
        adminHttpEvent(SITE_URL, 'POST', '/admin/sends', dryRun, 'arn:aws:iam::000000000000:user/verify'),
        'POST /admin/sends dry run, IAM caller',
      ),
      200,
      '"total":1',
    );
    expectHttp(
      await invoke(
        'api',
        adminHttpEvent(SITE_URL, 'POST', '/admin/sends', dryRun, undefined),
        'POST /admin/sends, no caller',
      ),
      401,
    );

    const ingest = await invoke('ingest', scheduledEvent(), 'one run (the outside feeds fail offline)');
    const ingestSummary = ingest.result as { articlesCreated?: unknown; failures?: unknown };
    if (typeof ingestSummary.articlesCreated !== 'number' || !Array.isArray(ingestSummary.failures)) {
      throw new Error(`ingest returned no run summary: ${JSON.stringify(ingest.result)}`);
    }
    expectMetrics('ingest', ingest, [METRIC.sourceFailures, METRIC.articlesCreated]);

    const planned = await invoke('plan-digest', scheduledEvent(), 'one planning run');
    expectMetrics('plan-digest', planned, [METRIC.readersPlanned, METRIC.sendJobsEnqueued]);
    // The reader's weekly slot may not have come yet: then plan as `digest --ignore-slot` does.
    if ((planned.result as { jobs?: number }).jobs === 0) await planDigestOnce(local, { ignoreSlot: true });

    const batch = await receiveSendJobs(local, queues.sendUrl);
    if (batch.Records.length === 0) throw new Error('no send job was queued for the confirmed reader');
    const sent = await invoke('send', batch, `${batch.Records.length} send job(s)`);
    const failures = (sent.result as { batchItemFailures?: unknown[] }).batchItemFailures;
    if (!Array.isArray(failures) || failures.length > 0) {
      throw new Error(`send reported failures: ${JSON.stringify(sent.result)}`);
    }
    expectMetrics('send', sent, [METRIC.emailsSent, METRIC.emailsFailed]);
    // The digest is the email with the one-click unsubscribe header; the confirmation has none.
    const digest = (await mailbox(reader)).find((email) =>
      email.headers?.some((header) => header.name.toLowerCase() === 'list-unsubscribe'),
    );
    if (!digest?.body.html?.includes('<table')) throw new Error(`no digest email reached ${reader}`);
    console.log(`  digest "${digest.subject}" delivered to the SES stand-in`);
    for (const record of batch.Records) {
      await local.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.sendUrl, ReceiptHandle: record.receiptHandle }),
      );
    }

    const bounce = await invoke(
      'ses-events',
      bounceEvent(reader, CONFIGURATION_SET),
      'a hard bounce suppresses the reader',
    );
    if ((bounce.result as { suppressed?: number }).suppressed !== 1) {
      throw new Error(`ses-events did not suppress the reader: ${JSON.stringify(bounce.result)}`);
    }
  } finally {
    local.clients.dynamo.destroy();
    local.clients.ses.destroy();
    local.clients.sqs.destroy();
    await standIns.stop();
    await rm(stagingRoot, { recursive: true, force: true });
  }

  console.log(
    figures
      .map((f) => `  ${f.name.padEnd(11)} ${f.bundleMb.toFixed(1)} MB, loads in ${Math.round(f.importMs)} ms`)
      .join('\n'),
  );
  console.log(
    JSON.stringify({
      bundles: figures.length,
      maxBundleMb: Number(Math.max(...figures.map((f) => f.bundleMb)).toFixed(2)),
      maxImportMs: Math.round(Math.max(...figures.map((f) => f.importMs))),
      ok: true,
    }),
  );
}

function expectHttp(invocation: Invocation, status: number, bodyIncludes?: string): void {
  const response = invocation.result as APIGatewayProxyStructuredResultV2;
  const body = response.isBase64Encoded
    ? Buffer.from(response.body ?? '', 'base64').toString()
    : response.body;
  if (response.statusCode !== status || (bodyIncludes && !body?.includes(bodyIncludes))) {
    throw new Error(`api answered ${response.statusCode}, expected ${status}: ${body?.slice(0, 500)}`);
  }
}

function expectMetrics(name: string, invocation: Invocation, metrics: readonly string[]): void {
  const published = publishedMetrics(invocation.output);
  const absent = metrics.filter((metric) => !(metric in published));
  if (absent.length > 0) throw new Error(`${name} published no ${absent.join(', ')} metric`);
}

async function receiveSendJobs(
  local: Awaited<ReturnType<typeof createAppContext>>,
  queueUrl: string,
): Promise<SQSEvent> {
  const { Attributes } = await local.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const { Messages = [] } = await local.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 5, WaitTimeSeconds: 1 }),
  );
  return {
    Records: Messages.map((message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body!,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'verify',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: Attributes?.QueueArn ?? '',
      awsRegion: 'us-east-1',
    })),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
