import {
  DynamoDigestReaderCounts,
  DynamoEditorialMarksStore,
  DynamoEditorNoteStore,
} from '../adapters/dynamodb/editorial-store.ts';
import type { DigestReaderCounts, EditorialMarksStore, EditorNoteStore } from '../ports/editorial-store.ts';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Source } from '../model/sources.ts';
import type { TopicId } from '../model/topics.ts';
import { createTagger, type Tagger } from '../core/tagging/tagger.ts';
import { topicLabels, type Vocabulary } from '../core/tagging/vocabulary.ts';
import { createEmailRenderer, type EmailRenderer } from '../core/rendering/email-renderer.ts';
import type { TemplateFiles } from '../core/rendering/templates.ts';
import { createTokenService, type TokenService } from '../core/tokens/tokens.ts';
import { deriveAppKeys, type LinkSecrets } from '../core/tokens/keys.ts';
import { createSealer, type Sealer } from '../core/tokens/sealed-values.ts';
import { createSubscriberIds, type SubscriberIds } from '../core/subscribers/subscriber-ids.ts';
import { createAccountEmailRenderer, type AccountEmailRenderer } from '../core/rendering/account-emails.ts';
import {
  createAnnouncementRenderer,
  type AnnouncementRenderer,
} from '../core/announcements/announcement-renderer.ts';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients.ts';
import { consoleLogger } from './console-logger.ts';
import { DynamoArticleStore } from '../adapters/dynamodb/article-store.ts';
import { DynamoSubscriberStore } from '../adapters/dynamodb/subscriber-store.ts';
import { DynamoDeliveryLedger } from '../adapters/dynamodb/delivery-ledger.ts';
import { DynamoSourceStateStore } from '../adapters/dynamodb/source-state-store.ts';
import { DynamoPlannerCursor } from '../adapters/dynamodb/planner-cursor.ts';
import { DynamoRequestCounter } from '../adapters/dynamodb/request-counter.ts';
import { DynamoEditionStore } from '../adapters/dynamodb/edition-store.ts';
import { DynamoAdminSendStore } from '../adapters/dynamodb/admin-send-store.ts';
import { DynamoAdminSessionGeneration } from '../adapters/dynamodb/admin-session-generation.ts';
import { DynamoSubscriberCensus } from '../adapters/dynamodb/subscriber-census.ts';
import {
  DynamoReaderAuditLog,
  DynamoRunLog,
  DynamoWeeklyCountStore,
} from '../adapters/dynamodb/list-health-state.ts';
import { DynamoSubscriberImportStore } from '../adapters/dynamodb/subscriber-import-store.ts';
import { SesMailer } from '../adapters/ses/ses-mailer.ts';
import { readMaxSendRate } from '../adapters/ses/ses-account.ts';
import { DynamoSendRateLimiter } from '../adapters/dynamodb/send-rate-limiter.ts';
import { SqsSendQueue } from '../adapters/sqs/sqs-send-queue.ts';
import { SqsDeadLetterQueue } from '../adapters/sqs/sqs-dead-letter-queue.ts';
import { HttpFeedFetcher } from '../adapters/http/feed-fetcher.ts';
import { EutilsClient } from '../adapters/http/eutils-client.ts';
import { ClinicalTrialsClient } from '../adapters/http/clinicaltrials-client.ts';
import {
  loadSiteArticles,
  loadSources,
  loadTemplates,
  loadVocabulary,
} from '../adapters/content/load-content.ts';
import type { SiteArticle } from '../core/ingest/site-articles.ts';
import type { SendJob } from '../core/delivery/send-job.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { AdminSessionGeneration } from '../ports/admin-sessions.ts';
import type { AdminSendStore } from '../ports/admin-send-store.ts';
import type { DeadLetterQueue } from '../ports/dead-letter-queue.ts';
import type { ArticleStore } from '../ports/article-store.ts';
import type { DeliveryLedger } from '../ports/delivery-ledger.ts';
import type { EditionStore } from '../ports/edition-store.ts';
import type { FeedFetcher } from '../ports/feed-fetcher.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { PubMedApi } from '../ports/pubmed-api.ts';
import type { TrialRegistryApi } from '../ports/trial-registry-api.ts';
import type { RequestCounter } from '../ports/request-counter.ts';
import type { SendQueue } from '../ports/send-queue.ts';
import type { SendRateLimiter } from '../ports/send-rate-limiter.ts';
import type { SourceStateStore } from '../ports/source-state-store.ts';
import type { PlannerCursor } from '../ports/planner-cursor.ts';
import type { SubscriberStore } from '../ports/subscriber-store.ts';
import type { ReaderAuditLog, RunLog, SubscriberCensus, WeeklyCountStore } from '../ports/list-health.ts';
import type { SubscriberImportStore } from '../ports/subscriber-import.ts';

/**
 * Everything a use case may need, built once per process (a Lambda cold start, the local
 * runtime, a CLI command, a test) from the validated configuration. Handlers and the local
 * runtime share this wiring, so the cloud and the laptop run the same code paths.
 */
export interface AppContext {
  readonly config: Config;
  readonly clients: AwsClients;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly vocabulary: Vocabulary;
  readonly tagger: Tagger;
  readonly topicLabels: Readonly<Record<TopicId, string>>;
  readonly sources: readonly Source[];
  readonly siteArticles: readonly SiteArticle[];
  readonly templates: TemplateFiles;
  readonly renderer: EmailRenderer;
  /** Signs and verifies links (current and previous link secret). */
  readonly tokens: TokenService;
  /** Seals the addresses of queued requests and pending subscriptions. */
  readonly sealer: Sealer;
  /** Keyed ids of addresses. */
  readonly subscriberIds: SubscriberIds;
  /** Keys derived for one use each (core/tokens/keys.ts); the secrets themselves stay here. */
  readonly keys: { readonly csrf: string; readonly ipHash: string };
  readonly articles: ArticleStore;
  readonly subscribers: SubscriberStore;
  /** Batched address reads, import marks and runs, and the confirmed readers page by page (import and export). */
  readonly subscriberImports: SubscriberImportStore;
  readonly ledger: DeliveryLedger;
  readonly sourceState: SourceStateStore;
  readonly mailer: Mailer;
  readonly queue: SendQueue<SendJob>;
  /** The send queue's DLQ, for an operator's look and redrive (its URL is found on first use). */
  readonly deadLetters: DeadLetterQueue;
  readonly fetcher: FeedFetcher;
  /** PubMed (NCBI's E-utilities) and ClinicalTrials.gov, each polite to its API for the whole process. */
  readonly pubmed: PubMedApi;
  readonly trialRegistry: TrialRegistryApi;
  readonly limiter: SendRateLimiter;
  /** "Here is your manage link" and other account emails. */
  readonly accountEmails: AccountEmailRenderer;
  /** Per-client request counters of the public API (state table). */
  readonly requestCounter: RequestCounter;
  /** Built editions of the public archive (state table). */
  readonly editions: EditionStore;
  /** Admin one-off sends and their audit (state table). */
  readonly adminSends: AdminSendStore;
  /** The admin session generation: "sign out everywhere" moves it on (state table). */
  readonly adminSessions: AdminSessionGeneration;
  /** Renders admin announcements with the digest's partials and personal-link slots. */
  readonly announcements: AnnouncementRenderer;
  /** The editors' hide, pin and retag marks on articles (articles table). */
  readonly editorialMarks: EditorialMarksStore;
  /** The editor's note of each week (state table). */
  readonly editorNotes: EditorNoteStore;
  /** How many readers were sent each article (articles table), for the desk. */
  readonly digestReaderCounts: DigestReaderCounts;
  /** The dashboard's reads: the subscribers table without addresses, runs, weekly reader counts. */
  readonly census: SubscriberCensus;
  readonly runLog: RunLog;
  /** Where the hourly planner got to in the next-slot index (state table). */
  readonly plannerCursor: PlannerCursor;
  readonly weeklyCounts: WeeklyCountStore;
  /** Who unsubscribed or suppressed a reader by hand, when and why (state table). */
  readonly readerAudit: ReaderAuditLog;
}

export interface ContextOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly clients?: AwsClients;
  readonly fetcher?: FeedFetcher;
  /** What the API clients fetch with (default: `fetcher` if given, else one with the APIs' larger size cap). */
  readonly apiFetcher?: FeedFetcher;
  readonly pubmed?: PubMedApi;
  readonly trialRegistry?: TrialRegistryApi;
  readonly mailer?: Mailer;
  readonly limiter?: SendRateLimiter;
  /** 'strict' in tests and CI: a template error fails loudly instead of rendering half an email. */
  readonly mjmlValidation?: 'strict' | 'soft';
}

export async function createAppContext(
  config: Config,
  overrides: ContextOverrides = {},
): Promise<AppContext> {
  const clients = overrides.clients ?? createAwsClients(config);
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? consoleLogger();
  const [vocabulary, sources, siteArticles, templates, secrets, queueUrl] = await Promise.all([
    loadVocabulary(config.contentDir),
    loadSources(config.contentDir),
    loadSiteArticles(config.contentDir),
    loadTemplates(config.templatesDir),
    resolveSecrets(config),
    resolveQueueUrl(config, clients),
  ]);
  const keys = deriveAppKeys(secrets.link, secrets.identity);
  const labels = Object.fromEntries(
    topicLabels(vocabulary).map((topic) => [topic.id, topic.label]),
  ) as Record<TopicId, string>;
  const apiFetcher =
    overrides.apiFetcher ??
    overrides.fetcher ??
    new HttpFeedFetcher({
      timeoutMs: config.fetch.timeoutMs,
      maxBytes: config.apiSources.maxBytes,
      userAgent: config.fetch.userAgent,
    });
  const renderer = createEmailRenderer({
    templates,
    topicLabels: labels,
    siteUrl: config.siteUrl,
    postalAddress: config.postalAddress,
    mjml: { validationLevel: overrides.mjmlValidation ?? 'soft' },
  });
  return {
    config,
    clients,
    clock,
    logger,
    vocabulary,
    tagger: createTagger(vocabulary, { terms: true }),
    topicLabels: labels,
    sources,
    siteArticles,
    templates,
    renderer,
    tokens: createTokenService(keys.links),
    sealer: createSealer(keys.links),
    subscriberIds: createSubscriberIds(keys.subscriberId),
    keys: { csrf: keys.csrf, ipHash: keys.ipHash },
    articles: new DynamoArticleStore(clients.documents, config.tables.articles),
    subscribers: new DynamoSubscriberStore(clients.documents, config.tables.subscribers),
    subscriberImports: new DynamoSubscriberImportStore(
      clients.documents,
      config.tables.subscribers,
      config.tables.state,
    ),
    ledger: new DynamoDeliveryLedger(clients.documents, config.tables.deliveries),
    sourceState: new DynamoSourceStateStore(clients.documents, config.tables.state),
    mailer:
      overrides.mailer ??
      new SesMailer(clients.ses, {
        from: config.mail.from,
        replyTo: config.mail.replyTo,
        configurationSet: config.mail.configurationSet,
      }),
    queue: new SqsSendQueue(clients.sqs, queueUrl),
    deadLetters: new SqsDeadLetterQueue(clients.sqs, {
      sendUrl: queueUrl,
      deadLetterUrl: () => findQueueUrl(clients, config.queues.deadLetterName, 'SEND_DLQ_NAME'),
    }),
    fetcher:
      overrides.fetcher ??
      new HttpFeedFetcher({
        timeoutMs: config.fetch.timeoutMs,
        maxBytes: config.fetch.maxBytes,
        userAgent: config.fetch.userAgent,
      }),
    pubmed:
      overrides.pubmed ??
      new EutilsClient(apiFetcher, {
        tool: config.apiSources.ncbiTool,
        email: config.apiSources.ncbiEmail,
        apiKey: () => resolveNcbiApiKey(config),
      }),
    trialRegistry: overrides.trialRegistry ?? new ClinicalTrialsClient(apiFetcher),
    limiter:
      overrides.limiter ??
      new DynamoSendRateLimiter(clients.documents, config.tables.state, {
        // Locally the setting is the rate; in the cloud SES says (asked on the first send only).
        ratePerSecond:
          config.mode === 'cloud'
            ? () => readMaxSendRate(clients.ses, config.mail.maxSendRate, logger)
            : config.mail.maxSendRate,
      }),
    accountEmails: createAccountEmailRenderer({
      templates,
      siteUrl: config.siteUrl,
      postalAddress: config.postalAddress,
      mjml: { validationLevel: overrides.mjmlValidation ?? 'soft' },
    }),
    requestCounter: new DynamoRequestCounter(clients.documents, config.tables.state),
    editions: new DynamoEditionStore(clients.documents, config.tables.state),
    adminSends: new DynamoAdminSendStore(clients.documents, config.tables.state),
    adminSessions: new DynamoAdminSessionGeneration(clients.documents, config.tables.state),
    editorialMarks: new DynamoEditorialMarksStore(clients.documents, config.tables.articles),
    editorNotes: new DynamoEditorNoteStore(clients.documents, config.tables.state),
    digestReaderCounts: new DynamoDigestReaderCounts(clients.documents, config.tables.articles),
    announcements: createAnnouncementRenderer({
      templates,
      topicLabels: labels,
      siteUrl: config.siteUrl,
      postalAddress: config.postalAddress,
      mjml: { validationLevel: overrides.mjmlValidation ?? 'soft' },
    }),
    census: new DynamoSubscriberCensus(clients.documents, config.tables.subscribers),
    runLog: new DynamoRunLog(clients.documents, config.tables.state),
    plannerCursor: new DynamoPlannerCursor(clients.documents, config.tables.state),
    weeklyCounts: new DynamoWeeklyCountStore(clients.documents, config.tables.state),
    readerAudit: new DynamoReaderAuditLog(clients.documents, config.tables.state),
  };
}

/**
 * The link secret (current, and previous after a rotation) and the identity secret: given
 * directly (local runs, tests), or read once per cold start from Secrets Manager, where a rotation
 * (`put-secret-value`) makes the old value AWSPREVIOUS, which is read too so that links mailed
 * before the rotation keep working.
 */
async function resolveSecrets(config: Config): Promise<{ link: LinkSecrets; identity: string | undefined }> {
  let client: SecretsManagerClient | undefined;
  const secretsManager = () => (client ??= new SecretsManagerClient({ region: config.region }));
  const [link, identity] = await Promise.all([
    config.tokenSecret
      ? { current: config.tokenSecret, previous: config.tokenSecretPrevious }
      : config.tokenSecretArn
        ? readVersions(secretsManager(), config.tokenSecretArn, 'TOKEN_SECRET_ARN')
        : Promise.reject(new ConfigError('TOKEN_SECRET or TOKEN_SECRET_ARN is required')),
    config.identitySecret ??
      (config.identitySecretArn
        ? readVersion(secretsManager(), config.identitySecretArn, 'AWSCURRENT', 'IDENTITY_SECRET_ARN')
        : undefined),
  ]);
  client?.destroy();
  return { link, identity };
}

async function readVersions(
  client: SecretsManagerClient,
  arn: string,
  setting: string,
): Promise<LinkSecrets> {
  const [current, previous] = await Promise.all([
    readVersion(client, arn, 'AWSCURRENT', setting),
    readVersion(client, arn, 'AWSPREVIOUS', setting).catch((error: unknown) => {
      // Never rotated: there is no previous version, and nothing else to accept.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }),
  ]);
  return { current, previous };
}

async function readVersion(
  client: SecretsManagerClient,
  arn: string,
  stage: 'AWSCURRENT' | 'AWSPREVIOUS',
  setting: string,
): Promise<string> {
  const { SecretString } = await client.send(
    new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }),
  );
  if (!SecretString || SecretString.length < 32) {
    throw new ConfigError(`${setting} ${arn} (${stage}) holds no secret of at least 32 characters`);
  }
  return SecretString;
}

/**
 * The NCBI API key: the setting, or the secret's value in the cloud. The secret is created
 * holding "none" (no key: 3 requests a second); an operator puts a key in it to allow 10.
 */
async function resolveNcbiApiKey(config: Config): Promise<string | undefined> {
  const { ncbiApiKey, ncbiApiKeyArn } = config.apiSources;
  if (ncbiApiKey) return ncbiApiKey;
  if (!ncbiApiKeyArn) return undefined;
  const client = new SecretsManagerClient({ region: config.region });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: ncbiApiKeyArn }));
  const key = SecretString?.trim() ?? '';
  if (key === '' || key.toLowerCase() === 'none') return undefined;
  if (!/^[A-Za-z0-9]{16,64}$/.test(key)) {
    throw new ConfigError(
      `NCBI_API_KEY_ARN ${ncbiApiKeyArn} holds no NCBI API key (letters and digits) nor "none"`,
    );
  }
  return key;
}

async function resolveQueueUrl(config: Config, clients: AwsClients): Promise<string> {
  if (config.queues.sendUrl) return config.queues.sendUrl;
  return findQueueUrl(clients, config.queues.sendName, 'SEND_QUEUE_NAME');
}

async function findQueueUrl(clients: AwsClients, name: string, setting: string): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new ConfigError(`${setting} ${name}: queue not found`);
  return QueueUrl;
}
