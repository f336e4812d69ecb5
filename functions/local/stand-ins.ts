import type { Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DigestError } from '../core/errors.ts';
import { closeServer, listenOnLoopback } from './listen.ts';
import { keepMailbox, type Mailbox } from './ses-mailbox.ts';
import { PORT_VARIABLES } from './local-settings.ts';

/**
 * The three AWS stand-ins, in this process, on loopback:
 * DynamoDB → dynalite (LevelDB under .data/dynamo, or in memory for tests),
 * SES → aws-ses-v2-local (its page lists every email), SQS → fauxqs 1.9.
 */
export interface StandIns {
  readonly endpoints: { readonly dynamodb: string; readonly ses: string; readonly sqs: string };
  readonly ports: { readonly dynamodb: number; readonly ses: number; readonly sqs: number };
  readonly mailbox: Mailbox | undefined;
  stop(): Promise<void>;
}

export interface StandInOptions {
  /** Persist DynamoDB data and the SES mailbox here; undefined keeps everything in memory. */
  readonly dataDir: string | undefined;
  readonly ports: { readonly dynamodb: number; readonly ses: number; readonly sqs: number };
}

class StandInError extends DigestError {
  override readonly code = 'STAND_IN_FAILED';
}

export async function startStandIns(options: StandInOptions): Promise<StandIns> {
  // The Node-version notice of the SDK would print on every client in an otherwise quiet terminal.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // GetAccount on the SES stand-in answers only when this is set, and only with every field of
  // a real answer (it validates the whole shape; with SendQuota alone it answers 400).
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'Local stand-in',
      WebsiteURL: 'http://localhost',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
  });

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const [{ default: dynalite }, sesModule, { buildApp }] = await Promise.all([
      import('dynalite'),
      import('aws-ses-v2-local'),
      import('fauxqs'),
    ]);

    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    const dynamoServer = dynalite({
      ...(options.dataDir ? { path: path.join(options.dataDir, 'dynamo') } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamoPort = await listenOnLoopback(
      dynamoServer,
      options.ports.dynamodb,
      'DynamoDB stand-in (dynalite)',
      PORT_VARIABLES.dynamodb,
    );
    stops.push(() => closeServer(dynamoServer));

    const mailbox = options.dataDir
      ? await keepMailbox(path.join(options.dataDir, 'ses-mail.json'))
      : undefined;
    if (mailbox) stops.push(() => mailbox.stop());
    const startSes = ((sesModule as { default?: unknown }).default ?? sesModule) as (config: {
      host: string;
      port: number;
    }) => Promise<Server>;
    const sesServer = await startSes({ host: '127.0.0.1', port: options.ports.ses });
    const sesAddress = sesServer.address();
    // On a busy port aws-ses-v2-local resolves with a server that is not listening.
    if (!sesAddress || typeof sesAddress === 'string') {
      throw new StandInError(
        `SES stand-in (aws-ses-v2-local) cannot start: port ${options.ports.ses} is already in use by another program. Stop that program or choose another port with ${PORT_VARIABLES.ses}=<port>.`,
      );
    }
    stops.push(() => closeServer(sesServer));

    // fauxqs's own starter binds 0.0.0.0; its app listened on loopback by us keeps the promise "loopback only".
    const sqsApp = buildApp({ logger: false });
    let sqsPort: number;
    try {
      const address = await sqsApp.listen({ port: options.ports.sqs, host: '127.0.0.1' });
      sqsPort = Number(new URL(address).port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new StandInError(
          `SQS stand-in (fauxqs) cannot start: port ${options.ports.sqs} is already in use by another program. Stop that program or choose another port with ${PORT_VARIABLES.sqs}=<port>.`,
        );
      }
      throw error;
    }
    stops.push(() => sqsApp.close());

    return {
      endpoints: {
        dynamodb: `http://127.0.0.1:${dynamoPort}`,
        ses: `http://127.0.0.1:${sesAddress.port}`,
        sqs: `http://127.0.0.1:${sqsPort}`,
      },
      ports: { dynamodb: dynamoPort, ses: sesAddress.port, sqs: sqsPort },
      mailbox,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
