import { HttpFeedFetcher } from '../../functions/adapters/http/feed-fetcher.ts';
import { SEND_QUEUE } from '../../functions/adapters/dynamodb/tables.ts';
import { createApi } from '../../functions/api/app.ts';
import type { AppContext } from '../../functions/app/context.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { DuplicatingQueue } from '../faults/duplicating-queue.ts';
import type { Seeded } from '../random.ts';
import { readerActions, type ReaderActions } from '../readers.ts';
import type { SimClock } from '../sim-clock.ts';
import { SenderFleet } from '../system/sender-fleet.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { FaultRates } from './settings.ts';
import type { Teardown } from './teardown.ts';
import type { SoakWorld } from './world.ts';

/**
 * The system under test, wired to the simulated world: the application context fetching the
 * world's feeds and enqueueing on a queue that delivers some jobs twice, the Hono API the
 * readers' hands call, and the fleet of senders behind the send queue.
 */
export interface SystemUnderTest {
  readonly context: AppContext;
  readonly queue: DuplicatingQueue;
  readonly hands: ReaderActions;
  readonly fleet: SenderFleet;
}

export function startSystem(
  infra: Infrastructure,
  world: SoakWorld,
  rates: FaultRates,
  run: { readonly seeded: Seeded; readonly clock: SimClock; readonly logger: Logger },
  teardown: Teardown,
): SystemUnderTest {
  const { seeded, clock, logger } = run;
  const fetcher = new HttpFeedFetcher({
    // Loopback answers in milliseconds; a hung feed should not cost the simulation real seconds.
    timeoutMs: 1000,
    maxBytes: infra.config.fetch.maxBytes,
    userAgent: infra.config.fetch.userAgent,
    allowedLoopbackPorts: [world.feeds.port],
  });
  teardown.add(() => fetcher.close());

  const queue = new DuplicatingQueue(infra.base.queue, seeded, rates.duplicateDelivery);
  const context: AppContext = {
    ...infra.base,
    fetcher,
    sources: world.publications.sources,
    siteArticles: [],
    queue,
  };
  const api = createApi(context, { clientIp: (c) => c.req.header('x-soak-client-ip') ?? '127.0.0.1' });

  const fleet = new SenderFleet({
    config: infra.config,
    ids: infra.base.subscriberIds,
    clock,
    logger,
    seeded,
    queue: { client: infra.direct.sqs, url: infra.queues.sendUrl, arn: infra.queues.sendArn },
    pollers: 2,
    visibilityTimeoutMs: SEND_QUEUE.visibilityTimeoutSeconds * 1000,
    deadlineChance: rates.senderDeadline,
  });
  fleet.useOutageSwitch({ start: () => infra.ses.startOutage(), end: () => infra.ses.endOutage() });
  teardown.add(() => fleet.close());
  return { context, queue, hands: readerActions(api, world.model), fleet };
}
