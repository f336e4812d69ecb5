import type { EventBridgeEvent } from 'aws-lambda';
import { handleSesEvent } from '../app/mail-events.ts';
import { appContext, logger, publishCounts, withRequestContext } from './cold-start.ts';
import { METRIC } from './metric-names.ts';

/** EventBridge rule (SES bounce / complaint events of our configuration set) → suppress the reader. */
export const handler = withRequestContext(async (event: EventBridgeEvent<string, unknown>) => {
  const context = await appContext();
  const outcome = await handleSesEvent(context, event);
  logger.info('ses event handled', { detailType: event['detail-type'], ...outcome });
  const complaint = event['detail-type'] === 'Email Complained';
  publishCounts({ [complaint ? METRIC.complaintsReceived : METRIC.bouncesReceived]: 1 });
  return outcome;
});
