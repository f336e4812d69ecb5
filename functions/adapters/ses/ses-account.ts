import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Logger } from '../../ports/logger.ts';

/** How long GetAccount may take before the configured rate is used (the SES stand-in never answers it unless told to). */
const GET_ACCOUNT_TIMEOUT_MS = 5_000;

/**
 * The account's SES max send rate (emails per second), as SES itself reports it: it grows as an
 * account earns higher quotas, so the cloud reads it (GetAccount) rather than trusting a setting.
 * When SES cannot be asked, or does not answer in time, the configured rate stands in, with a warning.
 */
export async function readMaxSendRate(
  client: SESv2Client,
  fallback: number,
  logger: Logger,
  timeoutMs = GET_ACCOUNT_TIMEOUT_MS,
): Promise<number> {
  try {
    const { SendQuota } = await client.send(new GetAccountCommand({}), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    const rate = SendQuota?.MaxSendRate;
    if (typeof rate === 'number' && rate > 0) return rate;
    logger.warn('SES GetAccount returned no max send rate: using the configured rate', { fallback });
  } catch (error) {
    logger.warn('SES GetAccount failed: using the configured rate', { fallback, error });
  }
  return fallback;
}
