import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config/config.ts';
import { createAppContext, type AppContext } from '../app/context.ts';
import type { Logger as LoggerPort } from '../ports/index.ts';

/**
 * Module-scope wiring shared by every Lambda: configuration validated and clients built once per
 * cold start, reused by every invocation of the warm function.
 */
export const logger = new Logger({ serviceName: 'immuno-digest' });

/** Powertools' logger behind our small Logger port (its extra argument is a variadic tuple). */
const loggerPort: LoggerPort = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};

let contextPromise: Promise<AppContext> | undefined;

export function appContext(): Promise<AppContext> {
  contextPromise ??= createAppContext(loadConfig(process.env, 'cloud'), { logger: loggerPort });
  return contextPromise;
}
