import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config/config.ts';
import { createAppContext, type AppContext } from '../app/context.ts';
import type { Logger as LoggerPort } from '../ports/logger.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from './metric-names.ts';

/**
 * Module-scope wiring shared by every Lambda: configuration validated and clients built once per
 * cold start, reused by every invocation of the warm function.
 */
export const logger = new Logger({ serviceName: 'immuno-digest' });

/**
 * Powertools' logger behind our small Logger port (its extra argument is a variadic tuple). It
 * writes an Error under any key whole: name, message, stack, cause chain.
 */
const loggerPort: LoggerPort = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};

/**
 * Runs one invocation of a handler with its Lambda request context on every line it logs
 * (function_request_id, function_name, cold_start…), the use cases' lines included: what
 * Powertools' injectLambdaContext does for middy and class handlers. An error that escapes is
 * logged whole (with its cause, which Lambda's own error report leaves out) before Lambda sees it; temporary
 * keys are reset at the end, so none leaks into the next invocation of a warm function.
 */
export function withRequestContext<TEvent, TResult>(
  handler: (event: TEvent, lambda: Context) => Promise<TResult>,
): (event: TEvent, lambda: Context) => Promise<TResult> {
  return async (event, lambda) => {
    logger.addContext(lambda);
    try {
      return await handler(event, lambda);
    } catch (error) {
      logger.error('invocation failed', { error });
      throw error;
    } finally {
      logger.resetKeys();
    }
  };
}

let contextPromise: Promise<AppContext> | undefined;

export function appContext(): Promise<AppContext> {
  contextPromise ??= createAppContext(loadConfig(process.env, 'cloud'), { logger: loggerPort });
  return contextPromise;
}

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Publishes one invocation's counts. Zeros are published too: an alarm then sees "no failures"
 * rather than missing data, and a dashboard line shows the runs that went well.
 */
export function publishCounts(counts: Partial<Record<MetricName, number>>): void {
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
