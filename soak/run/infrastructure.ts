import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../functions/adapters/aws-clients.ts';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store.ts';
import { ensureTables } from '../../functions/adapters/dynamodb/create-tables.ts';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamodb/delivery-ledger.ts';
import { ensureQueues, type QueueUrls } from '../../functions/adapters/sqs/create-queues.ts';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { loadConfig, prefixedResourceSettings, type Config } from '../../functions/config/config.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { startStandIns } from '../../functions/local/stand-ins.ts';
import {
  startDynamoThrottlingProxy,
  type DynamoThrottlingProxy,
} from '../outside/dynamodb-throttling-proxy.ts';
import { startSesGateway, type SesGateway } from '../outside/ses-gateway.ts';
import type { Seeded } from '../random.ts';
import type { SimClock } from '../sim-clock.ts';
import { compressRetries } from '../system/compressed-retries.ts';
import { TIME_COMPRESSION } from '../system/sender-fleet.ts';
import type { FaultRates } from './settings.ts';
import type { Teardown } from './teardown.ts';

const TOKEN_SECRET = 'soak-token-secret-soak-token-secret-0123456789';

/**
 * The stand-ins (dynalite, aws-ses-v2-local, fauxqs), with the faults at their boundaries: SES
 * and DynamoDB are reached through gateways that throttle and fail as the seed says. The system
 * gets a configuration and clients pointed at the gateways (its retries compressed in time), and
 * its application context on them; the soak keeps its own clients straight to the stand-ins.
 */
export interface Infrastructure {
  readonly ses: SesGateway;
  readonly dynamo: DynamoThrottlingProxy;
  /** The system's configuration, with the send queue's real URL. */
  readonly config: Config;
  /** The soak's own eyes and hands: straight to the stand-ins, no faults. */
  readonly direct: AwsClients;
  readonly queues: QueueUrls & { readonly sendArn: string };
  /** The system's context on the faulty clients, before the soak puts its world in (feeds, queue). */
  readonly base: AppContext;
  /** The stores as they are, read by the weekly checks. */
  readonly inspect: { readonly articles: DynamoArticleStore; readonly ledger: DynamoDeliveryLedger };
}

export async function startInfrastructure(
  seed: number,
  rates: FaultRates,
  run: { readonly seeded: Seeded; readonly clock: SimClock; readonly logger: Logger },
  teardown: Teardown,
): Promise<Infrastructure> {
  const { seeded, clock, logger } = run;
  const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
  teardown.add(() => standIns.stop());
  const ses = await startSesGateway(standIns.endpoints.ses, clock, seeded, {
    throttle: rates.sesThrottle,
    serverError: rates.sesServerError,
  });
  teardown.add(() => ses.close());
  const dynamo = await startDynamoThrottlingProxy(standIns.endpoints.dynamodb, seeded.stream('dynamodb'), {
    throttle: rates.dynamoThrottle,
    partialBatch: rates.dynamoPartialBatch,
  });
  teardown.add(() => dynamo.close());

  const config = loadConfig(
    {
      TOKEN_SECRET,
      ...prefixedResourceSettings(`soak${seed}`),
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SES_ENDPOINT: ses.endpoint,
      SQS_ENDPOINT: standIns.endpoints.sqs,
      SES_MAX_SEND_RATE: '1000',
    },
    'local',
  );
  const direct = createAwsClients({
    ...config,
    endpoints: { ...config.endpoints, dynamodb: standIns.endpoints.dynamodb, ses: standIns.endpoints.ses },
  });
  teardown.add(() => destroyClients(direct));
  await ensureTables(direct.dynamo, config.tables);
  // Nothing comes back by itself: the fleet lets messages back when simulated time has passed.
  const queues = await ensureQueues(direct.sqs, config.queues, { visibilityTimeoutSeconds: 3600 });
  const { Attributes } = await direct.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.sendUrl, AttributeNames: ['QueueArn'] }),
  );
  const soakConfig = { ...config, queues: { ...config.queues, sendUrl: queues.sendUrl } };

  const clients = createAwsClients(soakConfig);
  compressRetries(clients, TIME_COMPRESSION);
  teardown.add(() => destroyClients(clients));
  const base = await createAppContext(soakConfig, { clients, clock, logger, mjmlValidation: 'strict' });
  return {
    ses,
    dynamo,
    config: soakConfig,
    direct,
    queues: { ...queues, sendArn: Attributes!.QueueArn! },
    base,
    inspect: {
      articles: new DynamoArticleStore(direct.documents, config.tables.articles),
      ledger: new DynamoDeliveryLedger(direct.documents, config.tables.deliveries),
    },
  };
}

function destroyClients(clients: AwsClients): void {
  clients.dynamo.destroy();
  clients.sqs.destroy();
  clients.ses.destroy();
}
