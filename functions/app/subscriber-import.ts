import type { ImportDependencies } from '../core/subscribers/import/import-subscribers.ts';
import type { AppContext } from './context.ts';

/** What importing readers needs, from the shared context: the CLI and the admin API build it alike. */
export function subscriberImportDependencies(context: AppContext): ImportDependencies {
  return {
    subscribers: {
      readAddresses: (ids, now) => context.subscriberImports.readAddresses(ids, now),
      create: (subscriber) => context.subscribers.create(subscriber),
    },
    claims: context.subscriberImports,
    runs: context.subscriberImports,
    queue: context.queue,
    sealer: context.sealer,
    subscriberIds: context.subscriberIds,
    clock: context.clock,
    ipHashKey: context.keys.ipHash,
    topicLabels: context.topicLabels,
  };
}
