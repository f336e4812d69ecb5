import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadConfig, type Config } from '../config/config.ts';
import { createAppContext, type AppContext } from '../app/context.ts';
import { consoleLogger } from '../app/console-logger.ts';
import { createAwsClients } from '../adapters/aws-clients.ts';
import { ensureTables } from '../adapters/dynamodb/create-tables.ts';
import { ensureQueues, type QueueUrls } from '../adapters/sqs/create-queues.ts';
import { HttpFeedFetcher } from '../adapters/http/feed-fetcher.ts';
import { SesMailer } from '../adapters/ses/ses-mailer.ts';
import { handleSesEvent } from '../app/mail-events.ts';
import { SendEventPublishingMailer } from './ses-send-events.ts';
import type { Source } from '../model/sources.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { loadLocalSettings, type LocalSettings } from './local-settings.ts';
import { startStandIns, type StandIns } from './stand-ins.ts';
import { snapshotUrlFor, startSnapshotServer, type SnapshotServer } from './snapshot-server.ts';
import { liveUrlOf } from '../core/ingest/sources.ts';
import { snapshotShiftDays } from './snapshot-dates.ts';
import { findRunningInstance, type RuntimeInfo } from './runtime-file.ts';

/**
 * A ready local world: stand-ins (our own, or those of a running `npm start`), tables and
 * queues created, the feed snapshot server, and the same AppContext the Lambdas build.
 */
export interface LocalEnvironment {
  readonly settings: LocalSettings;
  readonly config: Config;
  readonly context: AppContext;
  readonly queues: QueueUrls & { readonly sendArn: string };
  readonly endpoints: { readonly dynamodb: string; readonly ses: string; readonly sqs: string };
  /** Set when this process attached to a running `npm start` instead of starting stand-ins. */
  readonly attachedTo: RuntimeInfo | undefined;
  readonly standIns: StandIns | undefined;
  readonly snapshots: SnapshotServer;
  /** Where the local admin token is kept; undefined when ADMIN_TOKEN is set in the environment. */
  readonly adminTokenFile: string | undefined;
  /** The URL to fetch for a source: its snapshot offline, its real URL with --live; undefined = skip. */
  readonly fetchUrlFor: (source: Source) => string | undefined;
  readonly stop: () => Promise<void>;
}

export interface OpenOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fetch the sources' real URLs instead of the snapshots. */
  readonly live?: boolean;
  /** 'configured': the fixed ports of `npm start`; 'ephemeral': free ports (CLI commands, tests). */
  readonly ports?: 'configured' | 'ephemeral';
  /** Use the stand-ins of a running `npm start` if there is one. */
  readonly attach?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export async function openLocalEnvironment(options: OpenOptions = {}): Promise<LocalEnvironment> {
  const env = options.env ?? process.env;
  const settings = loadLocalSettings(env);
  await mkdir(settings.dataDir, { recursive: true });

  const attachedTo = options.attach === false ? undefined : await findRunningInstance(settings.dataDir);
  const standIns = attachedTo
    ? undefined
    : await startStandIns({
        dataDir: settings.dataDir,
        ports:
          options.ports === 'ephemeral'
            ? { dynamodb: 0, ses: 0, sqs: 0 }
            : { dynamodb: settings.ports.dynamodb, ses: settings.ports.ses, sqs: settings.ports.sqs },
      });
  const endpoints = attachedTo?.endpoints ?? standIns!.endpoints;
  let snapshots: SnapshotServer | undefined;
  try {
    const config = loadConfig(
      {
        ...env,
        // Attached, the running instance's links are the ones that work: its SITE_URL and ports,
        // not what this terminal happens to have set.
        SITE_URL: attachedTo?.siteUrl ?? env.SITE_URL ?? `http://localhost:${settings.ports.api}`,
        TOKEN_SECRET: env.TOKEN_SECRET ?? (await localSecret(settings.dataDir, 'token-secret')),
        IDENTITY_SECRET: env.IDENTITY_SECRET ?? (await localSecret(settings.dataDir, 'identity-secret')),
        ADMIN_TOKEN: env.ADMIN_TOKEN?.trim() || (await localSecret(settings.dataDir, ADMIN_TOKEN_FILE)),
        DYNAMODB_ENDPOINT: endpoints.dynamodb,
        SES_ENDPOINT: endpoints.ses,
        SQS_ENDPOINT: endpoints.sqs,
      },
      'local',
    );
    const clients = createAwsClients(config);
    await ensureTables(clients.dynamo, config.tables);
    const queues = await ensureQueues(clients.sqs, config.queues, {
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    });
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.sendUrl, AttributeNames: ['QueueArn'] }),
    );
    const clock = options.clock ?? systemClock;
    snapshots = await startSnapshotServer(
      path.join(config.contentDir, 'snapshots'),
      options.ports === 'ephemeral' ? 0 : settings.ports.snapshots,
      { shiftDays: () => snapshotShiftDays(clock.now()) },
    );
    const logger = options.logger ?? consoleLogger();
    // aws-ses-v2-local publishes no events: SES's Send event of each email is published here,
    // through the ses-events path, so the ledger hears of acceptances as it does in the cloud.
    const events: { context?: AppContext } = {};
    const mailer = new SendEventPublishingMailer(
      new SesMailer(clients.ses, {
        from: config.mail.from,
        replyTo: config.mail.replyTo,
        configurationSet: config.mail.configurationSet,
      }),
      {
        publish: async (event) => events.context && handleSesEvent(events.context, event),
        clock,
        configurationSet: config.mail.configurationSet,
        onError: (error) => logger.warn('publishing a local SES Send event failed', { error }),
      },
    );
    const context = await createAppContext(
      { ...config, queues: { ...config.queues, sendUrl: queues.sendUrl } },
      {
        clients,
        ...(options.clock ? { clock: options.clock } : {}),
        logger,
        mailer,
        fetcher: new HttpFeedFetcher({
          timeoutMs: config.fetch.timeoutMs,
          maxBytes: config.fetch.maxBytes,
          userAgent: config.fetch.userAgent,
          // Offline, the only loopback address ingest may reach is the snapshot server.
          allowedLoopbackPorts: options.live ? [] : [snapshots.port],
        }),
        apiFetcher: new HttpFeedFetcher({
          timeoutMs: config.fetch.timeoutMs,
          maxBytes: config.apiSources.maxBytes,
          userAgent: config.fetch.userAgent,
          allowedLoopbackPorts: options.live ? [] : [snapshots.port],
        }),
      },
    );
    events.context = context;
    const snapshotBase = snapshots.baseUrl;
    const ownSnapshots = snapshots;
    return {
      settings,
      config: context.config,
      context,
      queues: {
        ...queues,
        sendArn:
          Attributes?.QueueArn ?? `arn:aws:sqs:${config.region}:000000000000:${config.queues.sendName}`,
      },
      endpoints,
      attachedTo,
      standIns,
      snapshots: ownSnapshots,
      adminTokenFile: env.ADMIN_TOKEN?.trim() ? undefined : path.join(settings.dataDir, ADMIN_TOKEN_FILE),
      fetchUrlFor: (source) => (options.live ? liveUrlOf(source) : snapshotUrlFor(snapshotBase, source)),
      async stop() {
        await mailer.flush();
        clients.dynamo.destroy();
        clients.ses.destroy();
        clients.sqs.destroy();
        await ownSnapshots.stop();
        await standIns?.stop();
      },
    };
  } catch (error) {
    await snapshots?.stop();
    await standIns?.stop();
    throw error;
  }
}

const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * A random secret kept in the data folder: the link secret (.data/token-secret, so links in local
 * emails keep working across restarts), the identity secret that keys subscriber ids
 * (.data/identity-secret) and the admin token (.data/admin-token).
 */
async function localSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  try {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length >= 32) return secret;
  } catch {
    // First run: create it below.
  }
  const secret = randomBytes(36).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
