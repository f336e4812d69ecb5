import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config/config.ts';

/**
 * The one place SDK clients are built. Handlers call this once at module scope (cold start) and
 * inject the clients into adapters; the local runtime points them at the stand-ins.
 */
export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly ses: SESv2Client;
  readonly sqs: SQSClient;
}

// The stand-ins accept any signature but the SDK still wants something to sign with.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createAwsClients(config: Config): AwsClients {
  const base = {
    region: config.region,
    maxAttempts: 3,
    ...(config.mode === 'local' ? { credentials: LOCAL_CREDENTIALS } : {}),
  };
  const dynamo = new DynamoDBClient({
    ...base,
    ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
  });
  return {
    dynamo,
    documents: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    ses: new SESv2Client({
      ...base,
      // Sends are retried by our own backoff (which knows throttling from rejection), not by the SDK's.
      maxAttempts: 1,
      ...(config.endpoints.ses ? { endpoint: config.endpoints.ses } : {}),
      // A connection that never opens carried no email: fail fast and retry. There is no request
      // timeout on purpose: once a SendEmail has left, SES may have accepted it whatever happens
      // next, and SendEmail takes no idempotency key, so a slow answer is waited for (the
      // Lambda's timeout bounds it) rather than abandoned and the email sent again at once.
      // (The SDK's requestTimeout would only log a warning anyway unless throwOnRequestTimeout
      // is set.) The one read, GetAccount, carries its own deadline: readMaxSendRate.
      requestHandler: { connectionTimeout: 3_000 },
    }),
    sqs: new SQSClient({ ...base, ...(config.endpoints.sqs ? { endpoint: config.endpoints.sqs } : {}) }),
  };
}
