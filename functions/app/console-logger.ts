import type { Logger } from '../ports/logger.ts';

export type LogLevel = 'info' | 'warn' | 'error';

const ORDER: Readonly<Record<LogLevel, number>> = { info: 0, warn: 1, error: 2 };

/**
 * The fields of a log entry as one line of JSON. JSON.stringify alone writes an Error as `{}`;
 * here every Error, at any depth, keeps its name, message, stack, `cause` chain and own fields
 * (a DigestError's `code`, a FeedError's `kind`): the shape Powertools' Logger gives an Error in
 * the cloud. Never throws: a log line must not be what fails.
 *
 * @example formatLogFields({ error: new Error('outer', { cause: new Error('inner') }) })
 */
export function formatLogFields(fields: Record<string, unknown>): string {
  const seen = new WeakSet<Error>();
  try {
    return JSON.stringify(fields, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (!(value instanceof Error)) return value;
      // A cause chain that loops back on itself would never end.
      if (seen.has(value)) return `[${value.name} logged above]`;
      seen.add(value);
      // Name and message first (a reader sees them before a long stack); the cause and own fields
      // stay raw: JSON.stringify comes back here for each of them.
      const { name, message, stack, cause } = value;
      return Object.assign({ name, message, stack, cause }, value);
    });
  } catch (error) {
    return JSON.stringify({ unloggableFields: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * The logger of the local runtime and the CLI: one line per entry on stderr, starting with the
 * wall-clock time in ISO 8601 (UTC) and the level, then the message and its fields as JSON
 * (formatLogFields: any Error in them kept whole). Entries below `level` are dropped.
 *
 * @example consoleLogger().error('send poller', { error }) // 2026-11-25T09:00:00.000Z [error] send poller {"error":{"name":"Error",…}}
 */
export function consoleLogger(
  level: LogLevel = 'warn',
  output: { write(line: string): unknown } = process.stderr,
): Logger {
  const write = (at: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const fields = extra ? ` ${formatLogFields(extra)}` : '';
    output.write(`${new Date().toISOString()} [${at}] ${message}${fields}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
