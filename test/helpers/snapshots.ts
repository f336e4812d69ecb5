import path from 'node:path';
import { HttpFeedFetcher } from '../../functions/adapters/http/feed-fetcher.ts';
import {
  snapshotUrlFor,
  startSnapshotServer,
  type SnapshotServer,
} from '../../functions/local/snapshot-server.ts';
import { snapshotShiftDays } from '../../functions/local/snapshot-dates.ts';
import { USER_AGENT } from '../../functions/config/config.ts';
import type { Source } from '../../functions/model/sources.ts';
import type { ApiStandInOptions } from '../../functions/local/api-stand-in.ts';

const CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');

/**
 * The project's own feed snapshots (or those of `directory`) served on a free loopback port with
 * the API stand-in, and a fetcher allowed to reach only them.
 */
export async function serveSnapshots(
  options: { readonly directory?: string; readonly apis?: ApiStandInOptions } = {},
): Promise<{
  server: SnapshotServer;
  fetcher: HttpFeedFetcher;
  fetchUrlFor: (source: Source) => string | undefined;
}> {
  // Dated as if taken today, as `npm start` serves them: the tests do not age with the snapshots.
  const server = await startSnapshotServer(options.directory ?? path.join(CONTENT_DIR, 'snapshots'), 0, {
    shiftDays: () => snapshotShiftDays(new Date()),
    ...(options.apis ? { apis: options.apis } : {}),
  });
  return {
    server,
    fetcher: new HttpFeedFetcher({
      timeoutMs: 5000,
      maxBytes: 5 * 1024 * 1024,
      userAgent: USER_AGENT,
      allowedLoopbackPorts: [server.port],
    }),
    fetchUrlFor: (source) => snapshotUrlFor(server.baseUrl, source),
  };
}
