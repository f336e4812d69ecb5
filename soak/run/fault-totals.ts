import type { SoakRun } from './soak-run.ts';

/** Every fault injected so far, by kind, with their total. */
export function faultTotals(run: SoakRun): { total: number } & Record<string, number> {
  const { ses, dynamo } = run.infra;
  const { feeds } = run.world;
  const { fleet, queue } = run.system;
  const kinds: Record<string, number> = {
    sesThrottled: ses.faults.throttled,
    sesServerErrors: ses.faults.serverErrors,
    sesOutageRefusals: ses.faults.outageRefusals,
    senderKills: fleet.totals.kills,
    senderDeadlines: fleet.totals.deadlines,
    duplicateDeliveries: queue.duplicated,
    poisonMessages: run.tallies.poisonSent.length,
    feedTimeouts: feeds.faults.timeout,
    feedHttp503: feeds.faults['http-503'],
    feedTruncated: feeds.faults.truncated,
    feedHtmlPages: feeds.faults['html-page'],
    dynamoThrottled: dynamo.faults.throttled,
    dynamoPartialBatches: dynamo.faults.partialBatches,
  };
  return { total: Object.values(kinds).reduce((sum, value) => sum + value, 0), ...kinds };
}
