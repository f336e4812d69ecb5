import { describe, expect, it } from 'vitest';
import { consoleLogger, formatLogFields } from '../../functions/app/console-logger.ts';
import { FeedError } from '../../functions/core/errors.ts';

/** A logger writing into an array instead of stderr: one entry per line it wrote. */
function capturedLogger(level?: 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const logger = consoleLogger(level, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

/** The JSON fields of a line: everything after the message. */
function fieldsOf(line: string, message: string): Record<string, unknown> {
  return JSON.parse(line.slice(line.indexOf(message) + message.length)) as Record<string, unknown>;
}

describe('the local console logger', () => {
  it('keeps an error’s stack and its cause chain', () => {
    // Prepare
    const { logger, lines } = capturedLogger();
    const error = new Error('outer', { cause: new Error('inner', { cause: 'the root' }) });

    // Act
    logger.error('send poller', { messageId: 'm-1', error });

    // Assess
    expect(lines).toHaveLength(1);
    const fields = fieldsOf(lines[0]!, 'send poller');
    expect(fields).toMatchObject({
      messageId: 'm-1',
      error: {
        name: 'Error',
        message: 'outer',
        cause: { name: 'Error', message: 'inner', cause: 'the root' },
      },
    });
    const logged = fields.error as { stack: string; cause: { stack: string } };
    expect(logged.stack).toMatch(/^Error: outer\n\s+at .*console-logger\.test\.ts/);
    expect(logged.cause.stack).toMatch(/^Error: inner\n\s+at /);
  });

  it('writes one line per entry, starting with an ISO timestamp and the level', () => {
    const { logger, lines } = capturedLogger('info');
    const before = Date.now();

    logger.info('ingest finished', { created: 3 });
    logger.warn('source failed', { error: new Error('boom\nsecond line') });

    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    expect(lines[0]).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \[info\] ingest finished \{"created":3\}\n$/,
    );
    expect(lines[1]).toMatch(
      /^\S+ \[warn\] source failed \{"error":\{"name":"Error","message":"boom\\nsecond line"/,
    );
    const stamped = Date.parse(lines[0]!.split(' ')[0]!);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('drops entries below its level', () => {
    const { logger, lines } = capturedLogger('warn');

    logger.info('not shown');
    logger.error('shown');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ \[error\] shown\n$/);
  });
});

describe('log fields as JSON', () => {
  it('keeps the own fields of our typed errors (a FeedError’s kind and code)', () => {
    const error = new FeedError('timeout', 'no answer in 15 s', { cause: new Error('aborted') });

    const fields = JSON.parse(formatLogFields({ error })) as { error: Record<string, unknown> };

    expect(fields.error).toMatchObject({
      name: 'FeedError',
      message: 'no answer in 15 s',
      kind: 'timeout',
      code: 'FEED_FAILED',
      cause: { message: 'aborted' },
    });
  });

  it('ends a cause chain that loops back on itself, and never throws', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    (first as { cause?: unknown }).cause = second;
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    const looped = JSON.parse(formatLogFields({ error: first, count: 10n })) as {
      error: { cause: { cause: unknown } };
      count: string;
    };
    const unloggable = JSON.parse(formatLogFields({ circular })) as Record<string, unknown>;

    expect(looped.error.cause.cause).toBe('[Error logged above]');
    expect(looped.count).toBe('10');
    expect(unloggable).toEqual({ unloggableFields: expect.stringMatching(/circular/i) });
  });
});
