import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { loadConfig, prefixedResourceSettings } from '../../functions/config/config.ts';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { ensureTables } from '../../functions/adapters/dynamodb/create-tables.ts';
import { ensureQueues } from '../../functions/adapters/sqs/create-queues.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import type { HandlerName } from '../../infra/constructs/digest-function.ts';
import { defineImmunoDigest } from '../../infra/immuno-digest-app.ts';
import { TABLE_ENV } from '../../infra/function-plans.ts';
import { startIamProxy, type IamProxy, type ObservedCall } from '../../testkit/iam/iam-proxy.ts';
import {
  bindFromEnvironment,
  functionRoles,
  LOCAL_ACCOUNT,
  readAssemblyStacks,
  TemplateResolver,
} from '../../testkit/iam/synthesized-roles.ts';
import { startThrottlingSesProxy, type ThrottlingSesProxy } from '../../testkit/throttling-ses-proxy.ts';
import {
  bundleBytes,
  invokeBundle,
  readSynthesizedFunctions,
  resolveEnvironment,
  stageBundle,
  type Invocation,
  type InvokeOptions,
  type SynthesizedFunction,
} from './lambda-bundles.ts';

/**
 * The synthesized app's Lambda bundles, each staged alone and run in its own Node process, against
 * the stand-ins **through IAM**: every DynamoDB, SQS, SES and Secrets Manager call a bundle makes
 * goes through a proxy that evaluates that function's role policy as synthesized in cdk.out, and
 * is refused as AWS refuses it when the role does not allow it. SES sits behind a throttling
 * proxy, so a scenario can make SES throttle or report the daily quota.
 */

export const HANDLERS: readonly HandlerName[] = ['ingest', 'plan-digest', 'send', 'api', 'ses-events'];
export const SITE_URL = 'https://digest.verify.example';
export const CONFIGURATION_SET = 'immuno-digest-verify';
/** The IAM caller API Gateway's authorizer names on an admin request. */
export const ADMIN_CALLER = 'arn:aws:iam::000000000000:user/verify-admin';

export interface StandInEndpoints {
  readonly dynamodb: string;
  readonly ses: string;
  readonly sqs: string;
}

export interface StoredEmail {
  readonly destination: { to: string[] };
  readonly subject: string;
  readonly body: { text?: string; html?: string };
  readonly headers?: { name: string; value: string }[];
}

export interface BundleWorld {
  /** A context on the same tables and queue, straight to the stand-ins (no IAM): to seed and inspect. */
  readonly local: AppContext;
  readonly prefix: string;
  readonly sendQueueUrl: string;
  readonly iam: IamProxy;
  readonly ses: ThrottlingSesProxy;
  readonly functions: ReadonlyMap<HandlerName, SynthesizedFunction>;
  /** Runs one handler's bundle once with `event`; `what` is printed when `log` is on. */
  invoke(name: HandlerName, event: unknown, what: string, options?: InvokeOptions): Promise<Invocation>;
  /** Emails the SES stand-in holds for `to`. */
  mailbox(to: string): Promise<StoredEmail[]>;
  /** Receives up to `max` visible send jobs as the SQS event Lambda would hand the sender. */
  receiveSendJobs(max?: number): Promise<SQSEvent>;
  /** Deletes handled jobs, as Lambda does for a batch item that did not fail. */
  acknowledge(event: SQSEvent): Promise<void>;
  /** Deletes every visible send job: each scenario starts on an empty queue. */
  drainSendQueue(): Promise<void>;
  /** The calls the proxy saw, in the vocabulary of infra/function-calls.ts (`table/articles`). */
  observedCalls(): ObservedCall[];
  /** A local resource ARN in that vocabulary. */
  describeResource(arn: string): string;
  /** The largest bundle size (MB) and import time (ms) seen, per function. */
  readonly figures: { name: HandlerName; bundleMb: number; importMs: number }[];
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The settings of cdk.json: what `npm run synth` deploys. */
export function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
  ).context;
}

/**
 * Synthesizes the app with its bundles into `outdir`, in this process (no CDK CLI): cdk.json's
 * settings, cdk-nag included, CloudFormation schema validation left to `npm run synth`.
 */
export function synthesizeWithBundles(
  outdir: string,
  context: Record<string, unknown> = cdkJsonContext(),
): string {
  const app = new App({
    outdir,
    // What the CDK CLI adds: each resource's construct path and each function's asset folder.
    context: { ...context, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
    builtinCloudFormationValidation: false,
  });
  defineImmunoDigest(app);
  app.synth();
  return outdir;
}

export async function startBundleWorld(
  assemblyDir: string,
  standIns: StandInEndpoints,
  options: { log?: boolean } = {},
): Promise<BundleWorld> {
  const functions = new Map((await readSynthesizedFunctions(assemblyDir)).map((fn) => [fn.name, fn]));
  const missing = HANDLERS.filter((name) => !functions.has(name));
  if (missing.length > 0) throw new Error(`${assemblyDir} has no bundle for ${missing.join(', ')}`);

  const prefix = `verify${randomBytes(3).toString('hex')}`;
  const tokenSecret = randomBytes(32).toString('hex');
  const identitySecret = randomBytes(32).toString('hex');
  const config = loadConfig(
    {
      TOKEN_SECRET: tokenSecret,
      IDENTITY_SECRET: identitySecret,
      ...prefixedResourceSettings(prefix),
      SITE_URL,
      DYNAMODB_ENDPOINT: standIns.dynamodb,
      SES_ENDPOINT: standIns.ses,
      SQS_ENDPOINT: standIns.sqs,
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
  const secretArn = `arn:aws:secretsmanager:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.account}:secret:${prefix}-token-AbCdEf`;
  const identitySecretArn = `arn:aws:secretsmanager:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.account}:secret:${prefix}-identity-AbCdEf`;
  const ncbiKeyArn = `arn:aws:secretsmanager:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.account}:secret:${prefix}-ncbi-api-key-AbCdEf`;
  // Scheduler has no stand-in: the IAM proxy keeps the schedules (as it answers Secrets Manager).
  const schedulerRoleArn = `arn:aws:iam::${LOCAL_ACCOUNT.account}:role/${prefix}-send-scheduler`;

  // The local value of every variable the stack fills from a resource.
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
    TOKEN_SECRET_ARN: secretArn,
    IDENTITY_SECRET_ARN: identitySecretArn,
    NCBI_API_KEY_ARN: ncbiKeyArn,
    SEND_SCHEDULER_ROLE_ARN: schedulerRoleArn,
    SEND_QUEUE_ARN: `arn:aws:sqs:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.account}:${config.queues.sendName}`,
  };
  const resolver = new TemplateResolver(readAssemblyStacks(assemblyDir));
  bindFromEnvironment(resolver, stackResources);
  const roles = functionRoles(resolver);

  const ses = await startThrottlingSesProxy(standIns.ses, 1_000);
  const accessKeyOf = (name: HandlerName) => `verify-${name}`;
  const iam = await startIamProxy({
    principals: Object.fromEntries(
      roles.map((role) => [
        accessKeyOf(role.name as HandlerName),
        { name: role.name, statements: role.statements },
      ]),
    ),
    upstreams: { dynamodb: standIns.dynamodb, sqs: standIns.sqs, ses: ses.endpoint },
    // As the stack creates it: no NCBI API key.
    secrets: { [secretArn]: tokenSecret, [identitySecretArn]: identitySecret, [ncbiKeyArn]: 'none' },
  });

  const stagingRoot = await mkdtemp(path.join(os.tmpdir(), 'immuno-digest-bundles-'));
  const figures: BundleWorld['figures'] = [];
  const staged = new Map<
    HandlerName,
    { fn: SynthesizedFunction; taskRoot: string; env: Record<string, string> }
  >();
  for (const name of HANDLERS) {
    const fn = functions.get(name)!;
    const taskRoot = await stageBundle(fn, stagingRoot);
    const env = {
      ...resolveEnvironment(fn, taskRoot, (variable) => stackResources[variable]),
      // Every AWS call of the bundle goes through IAM, signed as this function's role.
      DYNAMODB_ENDPOINT: iam.endpoint,
      SES_ENDPOINT: iam.endpoint,
      SQS_ENDPOINT: iam.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: iam.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: iam.endpoint,
      AWS_ACCESS_KEY_ID: accessKeyOf(name),
      AWS_SECRET_ACCESS_KEY: 'verify',
      AWS_SESSION_TOKEN: 'verify',
      // What the Lambda runtime sets.
      AWS_REGION: LOCAL_ACCOUNT.region,
      AWS_DEFAULT_REGION: LOCAL_ACCOUNT.region,
      AWS_LAMBDA_FUNCTION_NAME: `immuno-digest-${name}`,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: taskRoot,
      TZ: ':UTC',
    };
    staged.set(name, { fn, taskRoot, env });
    figures.push({ name, bundleMb: (await bundleBytes(taskRoot, fn.handler)) / 1024 / 1024, importMs: 0 });
  }

  // Local names back to the vocabulary of the declared calls.
  const symbols = new Map<string, string>();
  for (const [table, variable] of Object.entries(TABLE_ENV))
    symbols.set(`table/${stackResources[variable]}`, `table/${table}`);
  const { region, account } = LOCAL_ACCOUNT;
  const describeResource = (arn: string): string => {
    if (arn === '*') return '*';
    if (arn === secretArn) return 'secret/token';
    if (arn === identitySecretArn) return 'secret/identity';
    if (arn === ncbiKeyArn) return 'secret/ncbi-api-key';
    if (arn === schedulerRoleArn) return 'role/send-scheduler';
    if (arn.startsWith(`arn:aws:scheduler:${region}:${account}:schedule/`)) return 'schedule/send';
    const rest = arn.split(':').slice(5).join(':');
    if (arn.startsWith(`arn:aws:dynamodb:${region}:${account}:`)) {
      const [, tableName, ...index] = rest.split('/');
      const table = symbols.get(`table/${tableName}`) ?? `table/${tableName}`;
      return index.length > 0 ? `${table}/${index.join('/')}` : table;
    }
    if (arn.startsWith(`arn:aws:sqs:${region}:${account}:`)) {
      if (rest === config.queues.sendName) return 'queue/send';
      if (rest === config.queues.deadLetterName) return 'queue/send-dlq';
      return `queue/${rest}`;
    }
    if (arn.startsWith(`arn:aws:ses:${region}:${account}:`)) {
      if (rest === `configuration-set/${CONFIGURATION_SET}`) return 'ses/configuration-set';
      if (rest.startsWith('identity/')) return 'ses/identity';
    }
    return arn;
  };

  const receive = async (max: number): Promise<Message[]> => {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.sendUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 1 }),
    );
    return Messages;
  };
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.sendUrl, AttributeNames: ['QueueArn'] }),
  );

  return {
    local,
    prefix,
    sendQueueUrl: queues.sendUrl,
    iam,
    ses,
    functions,
    figures,
    async invoke(name, event, what, invokeOptions = {}) {
      const { fn, taskRoot, env } = staged.get(name)!;
      const invocation = await invokeBundle(fn, taskRoot, env, event, invokeOptions);
      const figure = figures.find((f) => f.name === name)!;
      figure.importMs = Math.max(figure.importMs, invocation.importMs);
      if (options.log) {
        console.log(`✓ ${name.padEnd(11)} ${what} (bundle loaded in ${Math.round(invocation.importMs)} ms)`);
      }
      return invocation;
    },
    async mailbox(to) {
      const response = await fetch(`${standIns.ses}/store`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      return emails.filter((email) => email.destination.to.includes(to));
    },
    async receiveSendJobs(max = 10) {
      const messages = await receive(max);
      return {
        Records: messages.map((message) => ({
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
          awsRegion: region,
        })),
      };
    },
    async acknowledge(event) {
      for (const record of event.Records) {
        await clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: queues.sendUrl, ReceiptHandle: record.receiptHandle }),
        );
      }
    },
    async drainSendQueue() {
      for (let messages = await receive(10); messages.length > 0; messages = await receive(10)) {
        for (const message of messages) {
          await clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queues.sendUrl, ReceiptHandle: message.ReceiptHandle! }),
          );
        }
      }
    },
    observedCalls: () => iam.calls.map((call) => ({ ...call, resource: describeResource(call.resource) })),
    describeResource,
    async stop() {
      await iam.stop();
      await ses.stop();
      local.clients.dynamo.destroy();
      local.clients.ses.destroy();
      local.clients.sqs.destroy();
      await rm(stagingRoot, { recursive: true, force: true });
    },
  };
}
