import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { harmfulBidiControlsIn } from '../core/text/text-safety.ts';
import { TOPIC_IDS } from '../model/topics.ts';

/**
 * The one place settings are read. `loadConfig` validates the environment once, at start (cold
 * start in Lambda, process start locally), and fails with a message naming every missing or bad
 * setting. Locally every setting has a default, so `npm start` needs no configuration; in the
 * cloud the deployment-specific ones (site URL, sender, postal address, names) are required.
 */

export type RuntimeMode = 'local' | 'cloud';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where content/ is when CONTENT_DIR is not set: for tools that need the content and nothing else. */
export const DEFAULT_CONTENT_DIR = path.join(PROJECT_ROOT, 'content');

const LOCAL_DEFAULTS = {
  SITE_URL: 'http://localhost:3000',
  MAIL_FROM: 'Immunotherapy Digest <digest@immunotherapy-digest.example.org>',
  MAIL_REPLY_TO: 'editors@immunotherapy-digest.example.org',
  UNSUBSCRIBE_MAILTO: 'unsubscribe@immunotherapy-digest.example.org',
  POSTAL_ADDRESS: 'Immunotherapy Digest, 100 Example Avenue, Suite 4, Springfield, MA 01101, USA',
  ARTICLES_TABLE: 'immuno-digest-articles',
  SUBSCRIBERS_TABLE: 'immuno-digest-subscribers',
  DELIVERIES_TABLE: 'immuno-digest-deliveries',
  STATE_TABLE: 'immuno-digest-state',
  SEND_QUEUE_NAME: 'immuno-digest-send',
  SEND_DLQ_NAME: 'immuno-digest-send-dlq',
  ADMIN_TOKEN: undefined,
} as const;

const cronPattern = z.string().refine(
  (value) => {
    try {
      new Cron(value, { paused: true }).stop();
      return value.trim().split(/\s+/).length === 5;
    } catch {
      return false;
    }
  },
  { message: 'must be a 5-field cron pattern such as "0 */6 * * *"' },
);

const httpUrl = z
  .string()
  .url({ message: 'must be an absolute URL' })
  .refine((value) => /^https?:\/\//.test(value), { message: 'must start with http:// or https://' });

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().positive().max(max).default(fallback);

// A mailbox, optionally with a display name: `Name <a@b.example>` or `a@b.example`.
const mailbox = z
  .string()
  .refine((value) => /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value.trim()), {
    message: 'must be an email address, optionally with a display name ("Name <a@b.example>")',
  })
  // The display name is the first thing a reader sees of every email (text-safety.ts).
  .refine((value) => harmfulBidiControlsIn(value).length === 0, {
    message: 'must not hold invisible direction controls (U+202A–U+202E, U+2066–U+2069, stray marks)',
  });

const envSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  SITE_URL: httpUrl,
  ARTICLES_BASE_URL: httpUrl.optional(),
  MAIL_FROM: mailbox,
  MAIL_REPLY_TO: mailbox,
  UNSUBSCRIBE_MAILTO: z.string().email({ message: 'must be an email address' }),
  POSTAL_ADDRESS: z
    .string()
    .min(10, { message: 'must be a full postal address (anti-spam law requires one)' }),
  TOKEN_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  TOKEN_SECRET_PREVIOUS: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  TOKEN_SECRET_ARN: z.string().startsWith('arn:', { message: 'must be a Secrets Manager ARN' }).optional(),
  IDENTITY_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  IDENTITY_SECRET_ARN: z.string().startsWith('arn:', { message: 'must be a Secrets Manager ARN' }).optional(),
  ADMIN_TOKEN: z.string().min(24, { message: 'must be at least 24 characters' }).optional(),
  ARTICLES_TABLE: z.string().min(3),
  SUBSCRIBERS_TABLE: z.string().min(3),
  DELIVERIES_TABLE: z.string().min(3),
  STATE_TABLE: z.string().min(3),
  SEND_QUEUE_NAME: z.string().min(1),
  SEND_DLQ_NAME: z.string().min(1),
  SEND_QUEUE_URL: httpUrl.optional(),
  // The cloud's timer of sends scheduled for later (EventBridge Scheduler): the api function only.
  SEND_SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9A-Za-z_.-]{1,64}$/, {
      message: 'must be a schedule group name (1 to 64 of A-Z a-z 0-9 _ . -)',
    })
    .optional(),
  SEND_SCHEDULER_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, { message: 'must be an IAM role ARN' })
    .optional(),
  SEND_QUEUE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:\S+$/, { message: 'must be an SQS queue ARN' })
    .optional(),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  SES_MAX_SEND_RATE: z.coerce.number().positive().max(10_000).default(14),
  INGEST_SCHEDULE: cronPattern.default('0 */6 * * *'),
  DIGEST_SCHEDULE: cronPattern.default('0 * * * *'),
  DYNAMODB_ENDPOINT: httpUrl.optional(),
  SES_ENDPOINT: httpUrl.optional(),
  SQS_ENDPOINT: httpUrl.optional(),
  DIGEST_MAX_PER_TOPIC: positiveInt(5, 50),
  // Every topic a reader can choose must be able to have a section (docs/digests.md).
  DIGEST_MAX_ARTICLES: positiveInt(25, 200).refine((value) => value >= TOPIC_IDS.length, {
    message: `must be at least ${TOPIC_IDS.length}, the number of topics, so that every chosen topic can have a section`,
  }),
  DIGEST_FIRST_WINDOW_DAYS: positiveInt(7, 60),
  DIGEST_MAX_ARTICLE_AGE_DAYS: positiveInt(60, 3650),
  RECIPIENTS_PER_JOB: positiveInt(50, 500),
  FETCH_TIMEOUT_MS: positiveInt(15_000, 120_000),
  FETCH_MAX_BYTES: positiveInt(5 * 1024 * 1024),
  FETCH_CONCURRENCY: positiveInt(8, 64),
  // The parser's DEFAULT_MAX_ITEMS (a literal here: config must not pull the XML parser into every bundle).
  FEED_MAX_ITEMS: positiveInt(5000, 100_000),
  NCBI_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{16,64}$/, { message: 'must be an NCBI API key (letters and digits)' })
    .optional(),
  NCBI_API_KEY_ARN: z.string().startsWith('arn:', { message: 'must be a Secrets Manager ARN' }).optional(),
  NCBI_EMAIL: z.string().email({ message: 'must be an email address' }).optional(),
  API_LOOKBACK_DAYS: positiveInt(7, 90),
  API_MAX_RECORDS_PER_RUN: positiveInt(500, 5000),
  API_RATE_LIMIT_PER_IP: positiveInt(20, 1_000_000),
  API_RATE_LIMIT_WINDOW_SECONDS: positiveInt(600, 86_400),
  CONTENT_DIR: z.string().min(1).default(DEFAULT_CONTENT_DIR),
  TEMPLATES_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, 'templates')),
});

export interface Config {
  readonly mode: RuntimeMode;
  readonly region: string;
  /** Base of every link we put in an email or a page, without a trailing slash. */
  readonly siteUrl: string;
  /**
   * Where the site publishes its own articles (content/articles/<slug>.md is read at
   * `<articlesBaseUrl>/<slug>`), without a trailing slash. By default the app serves them itself,
   * at `<siteUrl>/articles`.
   */
  readonly articlesBaseUrl: string;
  readonly postalAddress: string;
  readonly mail: {
    readonly from: string;
    readonly replyTo: string;
    readonly unsubscribeMailto: string;
    readonly configurationSet: string | undefined;
    /** Emails per second the account may send (SES max send rate); the cloud reads it from GetAccount. */
    readonly maxSendRate: number;
  };
  /**
   * The link secret (signs links, seals queued and pending addresses; CSRF and IP-hash keys are
   * derived from it), given directly or as a Secrets Manager secret whose AWSPREVIOUS version is
   * still accepted after a rotation (see docs/deploying.md).
   */
  readonly tokenSecret: string | undefined;
  /** The link secret's version before the last rotation, when given directly. */
  readonly tokenSecretPrevious: string | undefined;
  readonly tokenSecretArn: string | undefined;
  /** Keys the ids of addresses; never rotated (core/tokens/keys.ts says why). Required in the cloud. */
  readonly identitySecret: string | undefined;
  readonly identitySecretArn: string | undefined;
  readonly adminToken: string | undefined;
  readonly tables: {
    readonly articles: string;
    readonly subscribers: string;
    readonly deliveries: string;
    readonly state: string;
  };
  readonly queues: {
    readonly sendName: string;
    readonly deadLetterName: string;
    readonly sendUrl: string | undefined;
  };
  /**
   * Where the cloud arms the timers of sends scheduled for later: the schedule group, the role
   * EventBridge Scheduler assumes to put a send's plan job on the send queue, and that queue's
   * ARN. Unset locally (the local runtime polls instead) and in every function but the api.
   */
  readonly sendSchedules:
    { readonly group: string; readonly roleArn: string; readonly queueArn: string } | undefined;
  readonly schedules: { readonly ingest: string; readonly digest: string };
  readonly endpoints: {
    readonly dynamodb: string | undefined;
    readonly ses: string | undefined;
    readonly sqs: string | undefined;
  };
  readonly digest: {
    readonly maxPerTopic: number;
    readonly maxArticles: number;
    readonly firstWindowDays: number;
    /**
     * An item published more than this many days before ingest first sees it is not stored: a
     * new source's back catalogue, or a feed that re-lists old work, is not news to a reader.
     */
    readonly maxArticleAgeDays: number;
    readonly recipientsPerJob: number;
  };
  readonly fetch: {
    readonly timeoutMs: number;
    readonly maxBytes: number;
    readonly concurrency: number;
    readonly userAgent: string;
    /** Most items a feed may hold; a feed with more fails as 'too-many-items'. */
    readonly maxItems: number;
  };
  /** The API sources (PubMed's E-utilities, ClinicalTrials.gov). */
  readonly apiSources: {
    /** An NCBI API key (10 requests a second instead of 3), or the secret holding one. */
    readonly ncbiApiKey: string | undefined;
    readonly ncbiApiKeyArn: string | undefined;
    /** NCBI's `tool` and `email` parameters: who to write to before blocking us. */
    readonly ncbiTool: string;
    readonly ncbiEmail: string;
    /** How far back a source's first run looks. */
    readonly lookbackDays: number;
    /** Records taken per source and run; the rest wait for the next run. */
    readonly maxRecordsPerRun: number;
    /** Largest API answer accepted (an efetch batch of 200 records with their references). */
    readonly maxBytes: number;
  };
  readonly api: {
    /** Requests that can send an email (subscribe, "email me a link") one IP may make per window. */
    readonly rateLimitPerIp: number;
    readonly rateLimitWindowSeconds: number;
  };
  readonly contentDir: string;
  readonly templatesDir: string;
}

/** NCBI's `tool` parameter: the software's name, one word. */
export const NCBI_TOOL = 'immunotherapy-digest';

/** An efetch batch of 200 records with their reference lists runs to a few megabytes. */
const API_MAX_BYTES = 32 * 1024 * 1024;

export const USER_AGENT =
  'ImmunotherapyDigest/0.1 (+https://github.com/immunotherapy-digest/immunotherapy-digest; feed reader)';

/**
 * Validates the environment and returns the typed configuration.
 *
 * @throws ConfigError naming every missing or invalid setting.
 * @example loadConfig(process.env, 'cloud')
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, mode: RuntimeMode): Config {
  const source: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const raw = env[key];
    // An empty variable is the same as an unset one: `FOO= npm start` should not mean "FOO is ''".
    source[key] = raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }
  if (mode === 'local') {
    for (const [key, value] of Object.entries(LOCAL_DEFAULTS)) source[key] ??= value;
  }

  const parsed = envSchema.safeParse(source);
  const problems = (parsed.error?.issues ?? []).map((issue) => {
    const name = issue.path.join('.') || 'environment';
    const got = source[name];
    const shown = got === undefined ? 'it is not set' : `got ${JSON.stringify(got)}`;
    const message = issue.code === 'invalid_type' && got === undefined ? 'is required' : issue.message;
    return `${name} ${message} (${shown})`;
  });
  if (source.TOKEN_SECRET === undefined && source.TOKEN_SECRET_ARN === undefined) {
    problems.push(
      'TOKEN_SECRET or TOKEN_SECRET_ARN is required: links in emails are signed with it (neither is set)',
    );
  }
  if (source.TOKEN_SECRET_PREVIOUS !== undefined && source.TOKEN_SECRET === undefined) {
    problems.push(
      'TOKEN_SECRET_PREVIOUS needs TOKEN_SECRET: it is the version before it (with TOKEN_SECRET_ARN, Secrets Manager keeps the previous version itself)',
    );
  }
  if (mode === 'cloud' && source.IDENTITY_SECRET === undefined && source.IDENTITY_SECRET_ARN === undefined) {
    problems.push(
      'IDENTITY_SECRET or IDENTITY_SECRET_ARN is required: subscriber ids are keyed with it (neither is set)',
    );
  }
  const scheduleSettings = ['SEND_SCHEDULE_GROUP', 'SEND_SCHEDULER_ROLE_ARN', 'SEND_QUEUE_ARN'];
  const scheduleSet = scheduleSettings.filter((key) => source[key] !== undefined);
  if (scheduleSet.length > 0 && scheduleSet.length < scheduleSettings.length) {
    problems.push(
      `${scheduleSettings.filter((key) => source[key] === undefined).join(' and ')} must be set with ${scheduleSet.join(' and ')}: scheduled sends need all three`,
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`Invalid configuration (${mode}):\n  - ${problems.join('\n  - ')}`);
  }
  const e = parsed.data;
  return {
    mode,
    region: e.AWS_REGION,
    siteUrl: e.SITE_URL.replace(/\/+$/, ''),
    articlesBaseUrl: (e.ARTICLES_BASE_URL ?? `${e.SITE_URL.replace(/\/+$/, '')}/articles`).replace(
      /\/+$/,
      '',
    ),
    postalAddress: e.POSTAL_ADDRESS,
    mail: {
      from: e.MAIL_FROM,
      replyTo: e.MAIL_REPLY_TO,
      unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
      configurationSet: e.SES_CONFIGURATION_SET,
      maxSendRate: e.SES_MAX_SEND_RATE,
    },
    tokenSecret: e.TOKEN_SECRET,
    tokenSecretPrevious: e.TOKEN_SECRET_PREVIOUS,
    tokenSecretArn: e.TOKEN_SECRET_ARN,
    identitySecret: e.IDENTITY_SECRET,
    identitySecretArn: e.IDENTITY_SECRET_ARN,
    adminToken: e.ADMIN_TOKEN,
    tables: {
      articles: e.ARTICLES_TABLE,
      subscribers: e.SUBSCRIBERS_TABLE,
      deliveries: e.DELIVERIES_TABLE,
      state: e.STATE_TABLE,
    },
    queues: { sendName: e.SEND_QUEUE_NAME, deadLetterName: e.SEND_DLQ_NAME, sendUrl: e.SEND_QUEUE_URL },
    sendSchedules:
      e.SEND_SCHEDULE_GROUP && e.SEND_SCHEDULER_ROLE_ARN && e.SEND_QUEUE_ARN
        ? { group: e.SEND_SCHEDULE_GROUP, roleArn: e.SEND_SCHEDULER_ROLE_ARN, queueArn: e.SEND_QUEUE_ARN }
        : undefined,
    schedules: { ingest: e.INGEST_SCHEDULE, digest: e.DIGEST_SCHEDULE },
    endpoints: { dynamodb: e.DYNAMODB_ENDPOINT, ses: e.SES_ENDPOINT, sqs: e.SQS_ENDPOINT },
    digest: {
      maxPerTopic: e.DIGEST_MAX_PER_TOPIC,
      maxArticles: e.DIGEST_MAX_ARTICLES,
      firstWindowDays: e.DIGEST_FIRST_WINDOW_DAYS,
      maxArticleAgeDays: e.DIGEST_MAX_ARTICLE_AGE_DAYS,
      recipientsPerJob: e.RECIPIENTS_PER_JOB,
    },
    fetch: {
      timeoutMs: e.FETCH_TIMEOUT_MS,
      maxBytes: e.FETCH_MAX_BYTES,
      concurrency: e.FETCH_CONCURRENCY,
      userAgent: USER_AGENT,
      maxItems: e.FEED_MAX_ITEMS,
    },
    apiSources: {
      ncbiApiKey: e.NCBI_API_KEY,
      ncbiApiKeyArn: e.NCBI_API_KEY_ARN,
      ncbiTool: NCBI_TOOL,
      // The editors' mailbox unless another is given: NCBI writes there before blocking the tool.
      ncbiEmail: e.NCBI_EMAIL ?? bareAddress(e.MAIL_REPLY_TO),
      lookbackDays: e.API_LOOKBACK_DAYS,
      maxRecordsPerRun: e.API_MAX_RECORDS_PER_RUN,
      maxBytes: Math.max(API_MAX_BYTES, e.FETCH_MAX_BYTES),
    },
    api: { rateLimitPerIp: e.API_RATE_LIMIT_PER_IP, rateLimitWindowSeconds: e.API_RATE_LIMIT_WINDOW_SECONDS },
    contentDir: e.CONTENT_DIR,
    templatesDir: e.TEMPLATES_DIR,
  };
}

/** "Name <a@b.example>" → "a@b.example". */
function bareAddress(mailbox: string): string {
  return /<([^<>]+)>/.exec(mailbox)?.[1]?.trim() ?? mailbox.trim();
}

/**
 * Table and queue settings for a set of resources of its own, named with a prefix: what tests,
 * the bundle check and the soak use to share the stand-ins without seeing each other's data.
 */
export function prefixedResourceSettings(prefix: string): Record<string, string> {
  return {
    ARTICLES_TABLE: `${prefix}-articles`,
    SUBSCRIBERS_TABLE: `${prefix}-subscribers`,
    DELIVERIES_TABLE: `${prefix}-deliveries`,
    STATE_TABLE: `${prefix}-state`,
    SEND_QUEUE_NAME: `${prefix}-send`,
    SEND_DLQ_NAME: `${prefix}-send-dlq`,
  };
}
