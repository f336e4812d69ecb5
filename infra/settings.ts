import { z } from 'zod';
import { ConfigError } from '../functions/core/errors.ts';
import { senderSizing, type SenderSizing } from '../functions/core/delivery/send-policy.ts';

/**
 * The deployment settings: read once from the CDK context (`cdk.json` "context", or
 * `-c key=value` on the command line, which wins), validated, and turned into the few derived
 * values the stacks need (schedules, sender concurrency). A bad setting stops the synth with a
 * message that names it, before any resource is built.
 */

/** Hours that divide a day evenly, so "every N hours" runs at the same clock times each day. */
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12, 24] as const;
/** Minute steps that divide an hour evenly: the planner runs at the same minutes each hour. */
const MINUTE_STEPS = [10, 15, 20, 30, 60] as const;
/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731] as const;

// `-c key=value` always gives strings; cdk.json gives JSON values. Accept both.
const flag = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === 'true' ? true : value === 'false' ? false : value),
    z.boolean({ message: 'must be true or false' }).default(fallback),
  );
const number = () => z.coerce.number({ message: 'must be a number' });
const oneOf = <T extends readonly number[]>(allowed: T, fallback: T[number]) =>
  number()
    .refine((value) => allowed.includes(value), { message: `must be one of ${allowed.join(', ')}` })
    .default(fallback);
const list = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().email({ message: 'must be a list of email addresses' })).default([]),
);

const MAILBOX = /^(?:[^<>]*<)?([^\s@<>]+@([^\s@<>]+\.[^\s@<>]+))>?$/;

/**
 * Domains reserved for documentation and tests (RFC 2606, RFC 6761): the placeholders of
 * cdk.json. Mail to them goes nowhere, and links on them lead nowhere.
 */
const PLACEHOLDER_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;
/** The placeholder postal address of cdk.json ("100 Example Avenue, Springfield"). */
const PLACEHOLDER_ADDRESS = /\bexample\b/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const base = z.object({
  siteUrl: z
    .string()
    .url({ message: 'must be an absolute https:// URL' })
    .refine((value) => value.startsWith('https://'), { message: 'must start with https://' })
    .optional(),
  articlesBaseUrl: z
    .string()
    .url({ message: 'must be an absolute https:// URL' })
    .refine((value) => value.startsWith('https://'), { message: 'must start with https://' })
    .optional(),
  apiDomainName: z.string().regex(DOMAIN, { message: 'must be a domain name' }).optional(),
  apiCertificateArn: z
    .string()
    .startsWith('arn:aws:acm:', { message: 'must be an ACM certificate ARN' })
    .optional(),
  mailFrom: z.string().regex(MAILBOX, {
    message: 'must be an email address, optionally with a display name ("Name <a@b.example>")',
  }),
  senderDomain: z.string().regex(DOMAIN, { message: 'must be a domain name' }).optional(),
  /**
   * The custom MAIL FROM (envelope sender, Return-Path) domain: a subdomain of senderDomain, so
   * SPF passes for a domain aligned with the From address and DMARC can rely on it as well as on
   * DKIM. Default `mail.<senderDomain>`; "none" keeps SES's own (amazonses.com, not aligned).
   */
  mailFromDomain: z
    .string()
    .refine((value) => value === 'none' || DOMAIN.test(value), { message: 'must be a domain name or "none"' })
    .optional(),
  mailReplyTo: z.string().regex(MAILBOX, { message: 'must be an email address' }).optional(),
  unsubscribeMailto: z.string().email({ message: 'must be an email address someone reads' }),
  postalAddress: z
    .string()
    .min(10, { message: 'must be a full postal address (anti-spam law requires one in every email)' }),
  manageSesIdentity: flag(true),
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{4,}$/, { message: 'must be a Route 53 hosted zone id' })
    .optional(),
  hostedZoneName: z.string().regex(DOMAIN, { message: 'must be a domain name' }).optional(),
  sesMaxSendRate: number()
    .positive({ message: 'must be greater than 0 (emails per second)' })
    .max(10_000)
    .default(14),
  sesSandboxRecipients: list,
  ingestEveryHours: oneOf(HOUR_STEPS, 6),
  planDigestEveryMinutes: oneOf(MINUTE_STEPS, 60),
  apiRateLimit: number().int().positive().max(10_000).default(50),
  apiBurstLimit: number().int().positive().max(5_000).default(100),
  alarmEmail: z.string().email({ message: 'must be an email address' }).optional(),
  logRetentionDays: oneOf(LOG_RETENTION_DAYS, 30),
  deletionProtection: flag(true),
  production: flag(true),
  tracing: flag(false),
  stackPrefix: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/, { message: 'must be letters, digits and dashes' })
    .default('ImmunoDigest'),
});

const schema = base.superRefine((value, ctx) => {
  if ((value.apiDomainName === undefined) !== (value.apiCertificateArn === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [value.apiDomainName ? 'apiCertificateArn' : 'apiDomainName'],
      message: 'apiDomainName and apiCertificateArn go together (a custom domain needs its certificate)',
    });
  }
  const fromDomain = MAILBOX.exec(value.mailFrom)?.[2]?.toLowerCase();
  const domain = value.senderDomain?.toLowerCase();
  if (fromDomain && domain && fromDomain !== domain && !fromDomain.endsWith(`.${domain}`)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mailFrom'],
      message: `must be an address at senderDomain ${domain} (SES sends only from verified identities)`,
    });
  }
  const identityDomain = domain ?? fromDomain;
  const mailFromDomain = value.mailFromDomain?.toLowerCase();
  if (
    mailFromDomain &&
    mailFromDomain !== 'none' &&
    identityDomain &&
    !mailFromDomain.endsWith(`.${identityDomain}`)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['mailFromDomain'],
      message: `must be a subdomain of the sender domain ${identityDomain} (SES requires it, and only then is SPF aligned for DMARC), or "none"`,
    });
  }
  if (value.hostedZoneName && !value.hostedZoneId) {
    ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'is required with hostedZoneName' });
  }
  if (value.production) refuseWhatBreaksProduction(value, ctx);
});

/**
 * What a deployment readers get must not have: links on the API's own execute-api URL, which a
 * re-created API changes (and every link already mailed breaks), and the placeholders of
 * cdk.json (mail from and to domains that do not exist, an address that is not yours).
 */
function refuseWhatBreaksProduction(value: z.infer<typeof base>, ctx: z.RefinementCtx): void {
  const trial = 'or set production=false for a trial deployment';
  if (!value.apiDomainName) {
    ctx.addIssue({
      code: 'custom',
      path: ['apiDomainName'],
      message: `is required for a production deployment: every emailed link must outlive a redeploy of the API (docs/deploying.md, step 3), ${trial}`,
    });
  }
  const domainOf = (text: string) =>
    (MAILBOX.exec(text)?.[2] ?? (text.includes('://') ? new URL(text).hostname : text)).toLowerCase();
  const placeholders: [keyof typeof value, string | undefined][] = [
    ['mailFrom', value.mailFrom],
    ['mailReplyTo', value.mailReplyTo],
    ['unsubscribeMailto', value.unsubscribeMailto],
    ['senderDomain', value.senderDomain],
    ['apiDomainName', value.apiDomainName],
    ['siteUrl', value.siteUrl],
    ['articlesBaseUrl', value.articlesBaseUrl],
    ['hostedZoneName', value.hostedZoneName],
    ['alarmEmail', value.alarmEmail],
    ...value.sesSandboxRecipients.map((address): [keyof typeof value, string] => [
      'sesSandboxRecipients',
      address,
    ]),
  ];
  for (const [key, text] of placeholders) {
    if (text !== undefined && PLACEHOLDER_DOMAIN.test(domainOf(text))) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `uses the placeholder domain ${domainOf(text)}, which is refused for a production deployment: put your own, ${trial}`,
      });
    }
  }
  if (PLACEHOLDER_ADDRESS.test(value.postalAddress)) {
    ctx.addIssue({
      code: 'custom',
      path: ['postalAddress'],
      message: `is the placeholder address of cdk.json, which is refused for a production deployment: put your own, ${trial}`,
    });
  }
}

type Parsed = z.infer<typeof schema>;

export interface DeploymentSettings extends Omit<
  Parsed,
  'senderDomain' | 'mailReplyTo' | 'hostedZoneName' | 'mailFromDomain'
> {
  /** The custom MAIL FROM domain (mailFromDomain, default `mail.<senderDomain>`); undefined for "none". */
  readonly mailFromDomain: string | undefined;
  /** The SES domain identity: senderDomain, or the domain of mailFrom. */
  readonly senderDomain: string;
  /** The bare address of mailFrom (no display name): the identity SES checks. */
  readonly fromAddress: string;
  readonly mailReplyTo: string;
  readonly hostedZoneName: string | undefined;
  readonly schedules: Schedules;
  /** How many senders the SES rate needs: the send policy's rule (core/delivery/send-policy.ts). */
  readonly sender: SenderSizing;
}

/** Every setting a deployment reads, in the order the README documents them. */
export const SETTING_KEYS = Object.keys(base.shape) as readonly (keyof Parsed)[];

/**
 * Validates the deployment settings.
 *
 * @param context looks a setting up by name (`(key) => app.node.tryGetContext(key)`).
 * @throws ConfigError naming every missing or bad setting.
 */
export function loadDeploymentSettings(context: (key: string) => unknown): DeploymentSettings {
  const source: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const raw = context(key);
    source[key] = typeof raw === 'string' && raw.trim() === '' ? undefined : raw;
  }
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') || 'settings';
      const got = source[key];
      const shown = got === undefined ? 'it is not set' : `got ${JSON.stringify(got)}`;
      const message = issue.code === 'invalid_type' && got === undefined ? 'is required' : issue.message;
      return `${key} ${message} (${shown})`;
    });
    throw new ConfigError(
      `Invalid deployment settings (cdk.json "context", or -c key=value):\n  - ${problems.join('\n  - ')}`,
    );
  }
  const settings = parsed.data;
  const [, fromAddress = '', fromDomain = ''] = MAILBOX.exec(settings.mailFrom) ?? [];
  const senderDomain = (settings.senderDomain ?? fromDomain).toLowerCase();
  return {
    ...settings,
    senderDomain,
    mailFromDomain:
      settings.mailFromDomain?.toLowerCase() === 'none'
        ? undefined
        : (settings.mailFromDomain?.toLowerCase() ?? `mail.${senderDomain}`),
    fromAddress,
    mailReplyTo: settings.mailReplyTo ?? fromAddress,
    hostedZoneName: settings.hostedZoneId ? (settings.hostedZoneName ?? senderDomain) : undefined,
    schedules: schedulesFor(settings.ingestEveryHours, settings.planDigestEveryMinutes),
    sender: senderSizing(settings.sesMaxSendRate),
  };
}

export interface Schedules {
  /** EventBridge Scheduler expressions (UTC), aligned to the clock like the local cron schedules. */
  readonly ingest: string;
  readonly planDigest: string;
  /** The same schedules as 5-field cron patterns: INGEST_SCHEDULE / DIGEST_SCHEDULE of the functions. */
  readonly ingestCron: string;
  readonly planDigestCron: string;
  /** How long one ingest period lasts: the source-failure alarm evaluates per period. */
  readonly ingestPeriodHours: number;
}

/**
 * Cron schedules rather than rate(): a rate starts counting at deployment time, so an hourly
 * planner deployed at 10:37 would run at :37 and every 08:00 delivery slot would go out 37
 * minutes late. A cron runs at the top of the hour, as the local runtime does.
 *
 * @example schedulesFor(6, 60).ingest // 'cron(0 0/6 * * ? *)'
 */
export function schedulesFor(ingestEveryHours: number, planDigestEveryMinutes: number): Schedules {
  const hours = ingestEveryHours === 24 ? '0' : `0/${ingestEveryHours}`;
  const minutes = planDigestEveryMinutes === 60 ? '0' : `0/${planDigestEveryMinutes}`;
  return {
    ingest: `cron(0 ${hours} * * ? *)`,
    planDigest: `cron(${minutes} * * * ? *)`,
    ingestCron: `0 ${hours.replace('0/', '*/')} * * *`,
    planDigestCron: `${minutes.replace('0/', '*/')} * * * *`,
    ingestPeriodHours: ingestEveryHours,
  };
}
