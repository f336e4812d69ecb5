import type { ScheduledEvent } from 'aws-lambda';
import { planDigestOnce } from '../app/jobs.ts';
import { appContext, logger, publishCounts, withRequestContext } from './cold-start.ts';
import { METRIC } from './metric-names.ts';

/** EventBridge Scheduler, hourly → plan the digests that are due and enqueue their send jobs. */
export const handler = withRequestContext(async (_event: ScheduledEvent) => {
  const summary = await planDigestOnce(await appContext());
  logger.info('digest planned', { ...summary });
  publishCounts({
    [METRIC.readersPlanned]: summary.planned,
    [METRIC.sendJobsEnqueued]: summary.jobs,
    [METRIC.plannerRuns]: 1,
  });
  return summary;
});
