import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { readMaxSendRate } from '../../functions/adapters/ses/ses-account.ts';
import type { Config } from '../../functions/config/config.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';

/**
 * The SES client is built without a request timeout, so that a SendEmail that has left is never
 * abandoned and sent again in place; the one read it makes, GetAccount, must then carry its own
 * deadline. Here SES accepts the connection and never answers (as the SES stand-in does when
 * it has no account configured).
 */
describe('readMaxSendRate against an SES that never answers', () => {
  let silentSes: TestHttpServer;

  beforeAll(async () => {
    silentSes = await startTestServer(() => new Promise(() => {}));
  });
  afterAll(async () => {
    await silentSes.close();
  });

  it('gives up after its deadline and uses the configured rate, with a warning', async () => {
    // Prepare
    const clients = createAwsClients({
      mode: 'local',
      region: 'eu-west-1',
      endpoints: { ses: silentSes.origin },
    } as unknown as Config);
    const warnings: { message: string; extra: Record<string, unknown> | undefined }[] = [];
    const logger: Logger = {
      info: () => undefined,
      error: () => undefined,
      warn: (message, extra) => warnings.push({ message, extra }),
    };
    const started = Date.now();

    // Act
    const rate = await readMaxSendRate(clients.ses, 14, logger, 300);

    // Assess
    expect(rate).toBe(14);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(silentSes.requests.map((request) => request.path)).toEqual(['/v2/email/account']);
    expect(warnings).toEqual([
      {
        message: 'SES GetAccount failed: using the configured rate',
        extra: expect.objectContaining({ fallback: 14, error: expect.any(Error) }),
      },
    ]);
    const { error } = warnings[0]!.extra as { error: Error };
    expect(`${error.name}: ${error.message}`).toMatch(/abort/i);
    clients.ses.destroy();
  });
});
