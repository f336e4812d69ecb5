import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { TableV2, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
  type BundlingOptions,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/handlers/metric-names.ts';
import type { MailSending } from './mail-sending.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The handlers under functions/handlers/, one per Lambda. */
export type HandlerName = 'ingest' | 'plan-digest' | 'send' | 'api' | 'ses-events';

/**
 * What a function may do with a table. 'none' still sets the name: the configuration validates
 * every table name at cold start, whether the function touches the table or not.
 */
export type TableAccess = 'none' | 'read' | 'readWrite';

/**
 * What a function may do with the send queue. The send function consumes through its event
 * source; 'send-and-redrive' also reads and deletes the dead-letter queue's messages, to move them
 * back (the admin's redrive).
 */
export type QueueAccess = 'none' | 'send' | 'send-and-redrive';

export interface DigestFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  /** Plain settings every function reads (SITE_URL, MAIL_FROM, …); resources come through bind*. */
  readonly settings: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly reservedConcurrentExecutions?: number;
  /** Where an asynchronous invocation (schedule, event rule) goes after Lambda's own retries fail. */
  readonly asyncFailureQueue?: IQueue;
  /** X-Ray active tracing: a trace of each invocation (the `tracing` setting). */
  readonly tracing?: boolean;
}

/** Where the bundle finds content/ and templates/ in Lambda: copied beside it by the bundling hook. */
export const LAMBDA_TASK_ROOT = '/var/task';

/**
 * How every handler is bundled: one ESM file by the local esbuild (no Docker), everything
 * inlined, including the AWS SDK (the versions we test with, not whatever the runtime carries),
 * and content/ and templates/ copied beside it. `npm run verify:bundles` runs what this produces.
 */
function digestBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    // Inline the SDK too (NodejsFunction leaves @aws-sdk/* out by default on Node 18+ runtimes).
    // Only TypeScript stays out: cosmiconfig (under mjml's htmlnano) requires it lazily, to read
    // a *.ts config file that never exists here, and it would add 3.5 MB to every bundle.
    externalModules: ['typescript'],
    // Stack traces map to our files and lines; the sources themselves need not ship.
    sourcesContent: false,
    mainFields: ['module', 'main'],
    // CommonJS dependencies bundled into ESM still call require() and read __dirname / __filename.
    banner: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      "import { dirname as __pathDirname } from 'node:path';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      'const __dirname = __pathDirname(__filename);',
    ].join(' '),
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cp -r "${inputDir}/content" "${outputDir}/content"`,
        // The offline feed snapshots are for the local runtime only.
        `rm -rf "${outputDir}/content/snapshots"`,
        `cp -r "${inputDir}/templates" "${outputDir}/templates"`,
      ],
    },
  };
}

/**
 * The house defaults for every Lambda, in one place: ARM64, Node.js 22, the bundling above, a
 * log group with bounded retention that only this function's role may write, Powertools logger
 * and metrics settings. Resources are attached with the bind* methods, which set the environment
 * variable and grant the access in the same call: no grant without the name it is for, and the
 * access to every named resource stated where the name is given.
 */
export class DigestFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: DigestFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}-logs`, {
      retention: props.logRetention,
      // Logs hold no state the service needs; they go with the function.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, which may write to every log group.
    const role = new Role(scope, `${id}-role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `The ${props.handler} function: its log group and what its bind* calls granted`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(ROOT, 'functions/handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.asyncFailureQueue ? { deadLetterQueue: props.asyncFailureQueue } : {}),
      ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
      logGroup,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      bundling: digestBundling(),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        CONTENT_DIR: `${LAMBDA_TASK_ROOT}/content`,
        TEMPLATES_DIR: `${LAMBDA_TASK_ROOT}/templates`,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.settings,
      },
    });
  }

  /**
   * Sets the table's name in `envName` and grants exactly `access` to it and to its indexes, by
   * name. (grant* on a table that has indexes would add `table/index/*`; granting through a
   * reference that knows no index keeps grant*'s action lists for the table itself, and each
   * index of the shared table definition is named instead of a wildcard.)
   */
  bindTable(table: ITableV2, envName: string, access: TableAccess, indexNames: readonly string[] = []): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'none') return this;
    const reference = TableV2.fromTableArn(this, `${envName}-grant`, table.tableArn);
    if (access === 'read') reference.grantReadData(this);
    if (access === 'readWrite') reference.grantReadWriteData(this);
    if (indexNames.length > 0) {
      Grant.addToPrincipal({
        grantee: this,
        // Indexes are only ever read; writes go through the table.
        actions: ['dynamodb:Query', 'dynamodb:Scan'],
        resourceArns: indexNames.map((indexName) => `${table.tableArn}/index/${indexName}`),
      });
    }
    return this;
  }

  /**
   * Sets the send queue's URL and name and its DLQ's name (the configuration needs all three),
   * and grants SendMessage when the function enqueues jobs.
   */
  bindSendQueue(queue: IQueue, deadLetterQueue: IQueue, access: QueueAccess): this {
    this.addEnvironment('SEND_QUEUE_URL', queue.queueUrl);
    this.addEnvironment('SEND_QUEUE_NAME', queue.queueName);
    this.addEnvironment('SEND_DLQ_NAME', deadLetterQueue.queueName);
    if (access !== 'none') queue.grantSendMessages(this);
    if (access === 'send-and-redrive') deadLetterQueue.grantConsumeMessages(this);
    return this;
  }

  /** Sets the secret's ARN in `envName` and grants reading its value (read once, at cold start). */
  bindSecret(secret: ISecret, envName: string): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /** Sets the configuration set and the SES rate, and grants ses:SendEmail on our identity and set only. */
  bindMailSending(mail: MailSending, sesMaxSendRate: number): this {
    this.addEnvironment('SES_CONFIGURATION_SET', mail.configurationSetName);
    this.addEnvironment('SES_MAX_SEND_RATE', String(sesMaxSendRate));
    mail.grantSendEmail(this);
    return this;
  }
}
