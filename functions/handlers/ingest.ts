import type { ScheduledEvent } from 'aws-lambda';
import { ingestOnce } from '../app/jobs.ts';
import { appContext, logger, publishCounts, withRequestContext } from './cold-start.ts';
import { METRIC } from './metric-names.ts';

/** EventBridge Scheduler → one ingest run over every enabled source. */
export const handler = withRequestContext(async (_event: ScheduledEvent) => {
  const summary = await ingestOnce(await appContext());
  logger.info('ingest finished', { ...summary });
  publishCounts({
    [METRIC.sourceFailures]: summary.failures.length,
    [METRIC.maxConsecutiveSourceFailures]: Math.max(0, ...summary.failures.map((f) => f.consecutiveFailures)),
    [METRIC.articlesCreated]: summary.articlesCreated,
    [METRIC.ingestRuns]: 1,
  });
  return summary;
});
