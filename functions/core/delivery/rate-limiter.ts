import type { SendRateLimiter } from '../../ports/index.ts';

/**
 * Spaces acquisitions evenly at `ratePerSecond` within one process: the i-th send may start at
 * start + i / rate. Concurrent callers queue in order. The cloud adds a limiter shared by all
 * concurrent senders on top of this; locally one process is all there is.
 */
export function createIntervalLimiter(
  ratePerSecond: number,
  clock: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): SendRateLimiter {
  const interval = 1000 / ratePerSecond;
  let nextSlot = 0;
  return {
    async acquire() {
      const now = clock();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + interval;
      if (slot > now) await sleep(slot - now);
    },
  };
}
