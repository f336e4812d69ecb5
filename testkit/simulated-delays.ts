import type { EnqueueOptions, SendQueue } from '../functions/ports/send-queue.ts';

/** A clock the simulation moves (the soak's SimClock, a test's): read in epoch milliseconds. */
export interface SimulatedTime {
  readonly ms: number;
}

interface Held<Job> {
  readonly dueAt: number;
  readonly jobs: readonly Job[];
}

/**
 * The send queue with its delays in simulated time: a job enqueued with a delay is held here
 * until the simulated clock reaches its due time, then put on the real queue without one. The
 * soak and the outage tests use it so that the send policy's backoffs (up to 15 minutes a hand-on)
 * cost no real time: when nothing else can happen, the simulation moves the clock to `nextDueAt`
 * and calls `releaseDue`, exactly what waiting would have done. Jobs without a delay go straight
 * through.
 */
export class SimulatedDelayQueue<Job> implements SendQueue<Job> {
  private held: Held<Job>[] = [];
  /** Every delay asked for, in seconds, in order. */
  readonly delaysAsked: number[] = [];

  constructor(
    private readonly queue: SendQueue<Job>,
    private readonly time: SimulatedTime,
  ) {}

  async enqueue(jobs: readonly Job[], options: EnqueueOptions = {}): Promise<void> {
    const delaySeconds = options.delaySeconds ?? 0;
    if (delaySeconds <= 0) return this.queue.enqueue(jobs);
    this.delaysAsked.push(delaySeconds);
    this.held.push({ dueAt: this.time.ms + delaySeconds * 1000, jobs: [...jobs] });
  }

  /** Jobs held for later. */
  get pending(): number {
    return this.held.reduce((count, held) => count + held.jobs.length, 0);
  }

  /** When (simulated epoch ms) the next held job is due; undefined when none is held. */
  nextDueAt(): number | undefined {
    return this.held.length === 0 ? undefined : Math.min(...this.held.map((held) => held.dueAt));
  }

  /** Puts every job due by now on the queue; returns how many. */
  async releaseDue(): Promise<number> {
    const due = this.held.filter((held) => held.dueAt <= this.time.ms);
    this.held = this.held.filter((held) => held.dueAt > this.time.ms);
    for (const held of due) await this.queue.enqueue(held.jobs);
    return due.reduce((count, held) => count + held.jobs.length, 0);
  }
}
