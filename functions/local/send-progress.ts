import { Presets, SingleBar } from 'cli-progress';

export interface SendCounts {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Readers of the send: the planned audience, or the dry-run count until it is planned. */
  readonly total: number;
}

export interface ProgressReporter {
  update(counts: SendCounts): void;
  stop(): void;
}

const PLAIN_LINE_EVERY_MS = 2000;

/**
 * The send command's progress: a cli-progress bar with the counts on a terminal, and plain lines
 * where stdout is a file or a pipe (a log, CI, a test) — one when the counts change, at most every
 * two seconds, and always the last one, so a log holds a readable history and no control codes.
 */
export function createProgressReporter(
  stream: NodeJS.WriteStream = process.stdout,
  now: () => number = Date.now,
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format:
          'Sending {bar} {percentage}% | {value}/{total} readers | sent {sent} · skipped {skipped} · failed {failed}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(counts) {
        const done = counts.sent + counts.skipped + counts.failed;
        const payload = { sent: counts.sent, skipped: counts.skipped, failed: counts.failed };
        if (!started) {
          bar.start(Math.max(counts.total, done), done, payload);
          started = true;
          return;
        }
        bar.setTotal(Math.max(counts.total, done));
        bar.update(done, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastLine = '';
  let lastAt = -Infinity;
  let pending: string | undefined;
  return {
    update(counts) {
      const done = counts.sent + counts.skipped + counts.failed;
      const line = `sending: ${done}/${counts.total} readers (sent ${counts.sent}, skipped ${counts.skipped}, failed ${counts.failed})`;
      if (line === lastLine) return;
      if (now() - lastAt >= PLAIN_LINE_EVERY_MS || done >= counts.total) {
        stream.write(`${line}\n`);
        lastLine = line;
        lastAt = now();
        pending = undefined;
      } else {
        pending = line;
      }
    },
    stop() {
      if (pending !== undefined && pending !== lastLine) stream.write(`${pending}\n`);
      pending = undefined;
    },
  };
}
