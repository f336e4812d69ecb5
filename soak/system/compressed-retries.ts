import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { AwsClients } from '../../functions/adapters/aws-clients.ts';

/**
 * The AWS SDK's own retries, with its backoff compressed like the rest of simulated time: the
 * same attempts (the clients' maxAttempts), the same errors retried (throttling, transient,
 * server errors), the same exponential shape with jitter, but waits `compression` times shorter.
 * Without it every DynamoDB throttling error the soak injects costs half a second of real time.
 */
export function compressRetries(clients: AwsClients, compression: number): void {
  const config = clients.dynamo.config as {
    retryStrategy: () => Promise<RetryStrategyV2>;
    maxAttempts: () => Promise<number>;
  };
  const maxAttempts = config.maxAttempts;
  const strategy: RetryStrategyV2 = {
    acquireInitialRetryToken: async () => token(0, 0),
    async refreshRetryTokenForRetry(previous: RetryToken, error: RetryErrorInfo) {
      const count = previous.getRetryCount() + 1;
      const retryable =
        error.errorType === 'THROTTLING' ||
        error.errorType === 'TRANSIENT' ||
        error.errorType === 'SERVER_ERROR';
      if (!retryable || count >= (await maxAttempts())) throw new Error('no retry token available');
      const base = error.errorType === 'THROTTLING' ? 500 : 100;
      return token(count, (Math.random() * base * 2 ** count) / compression);
    },
    recordSuccess: () => undefined,
  };
  // The retry middleware reads the strategy from the client's resolved config on every call.
  config.retryStrategy = () => Promise.resolve(strategy);
}

function token(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}
