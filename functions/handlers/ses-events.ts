import type { EventBridgeEvent } from 'aws-lambda';
import { handleSesEvent } from '../app/mail-events.ts';
import { appContext, logger, publishCounts, withRequestContext } from './cold-start.ts';
import { METRIC } from './metric-names.ts';

/**
 * EventBridge rules (SES events of our configuration set) → a Send event records SES's acceptance
 * on the email's ledger item; a bounce or complaint suppresses the reader.
 */
export const handler = withRequestContext(async (event: EventBridgeEvent<string, unknown>) => {
  const context = await appContext();
  const outcome = await handleSesEvent(context, event);
  logger.info('ses event handled', { detailType: event['detail-type'], ...outcome });
  if (event['detail-type'] === 'Email Complained') publishCounts({ [METRIC.complaintsReceived]: 1 });
  if (event['detail-type'] === 'Email Bounced') publishCounts({ [METRIC.bouncesReceived]: 1 });
  if ('acceptance' in outcome && outcome.acceptance === 'second-copy')
    publishCounts({ [METRIC.secondCopiesSent]: 1 });
  return outcome;
});
