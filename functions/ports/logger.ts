/**
 * Where the core reports what it did; Powertools in Lambda, the console locally. Pass a caught
 * error as it is, `{ error }`, never flattened to a string: every implementation logs an Error
 * whole (name, message, stack and its `cause` chain).
 */
export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
