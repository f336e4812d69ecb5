import type { SendQueue } from '../../functions/ports/send-queue.ts';
import type { SendJob } from '../../functions/core/delivery/send-job.ts';
import type { Seeded } from '../random.ts';

/**
 * SQS delivers at least once: the planner's queue, with some planned jobs arriving twice. Which
 * ones is decided by the seed, per enqueue call and position in it.
 */
export class DuplicatingQueue implements SendQueue<SendJob> {
  /** Jobs enqueued a second time so far. */
  duplicated = 0;
  private enqueueCalls = 0;

  constructor(
    private readonly queue: SendQueue<SendJob>,
    private readonly seeded: Seeded,
    private readonly chance: number,
  ) {}

  async enqueue(...[jobs, options]: Parameters<SendQueue<SendJob>['enqueue']>): Promise<void> {
    await this.queue.enqueue(jobs, options);
    this.enqueueCalls += 1;
    const twice = jobs.filter((_, index) =>
      this.seeded.chance(`duplicate:${this.enqueueCalls}:${index}`, this.chance),
    );
    if (twice.length === 0) return;
    this.duplicated += twice.length;
    await this.queue.enqueue(twice, options);
  }
}
