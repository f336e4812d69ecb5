import type { Clock } from '../functions/ports/clock.ts';

/**
 * Simulated time, injected into every AppContext of the soak (createAppContext's `clock`). It
 * moves only when the soak moves it: to the next event of the simulated weeks, or forward by a
 * queue's visibility timeout when nothing can happen until a redelivery. It never goes back.
 */
export class SimClock implements Clock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  get ms(): number {
    return this.current;
  }

  /** Moves to `at` unless that is in the past (an event that waited behind a long send phase runs late). */
  advanceTo(at: number): void {
    if (at > this.current) this.current = at;
  }

  advanceBy(ms: number): void {
    this.current += ms;
  }
}
