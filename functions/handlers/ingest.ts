import type { ScheduledEvent } from 'aws-lambda';
import { ingestOnce } from '../app/jobs.ts';
import { appContext, logger } from './cold-start.ts';

/** EventBridge Scheduler → one ingest run over every enabled source. */
export const handler = async (_event: ScheduledEvent) => {
  const summary = await ingestOnce(await appContext());
  logger.info('ingest finished', { ...summary });
  return summary;
};
