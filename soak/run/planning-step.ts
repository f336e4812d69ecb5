import { planDigestOnce } from '../../functions/app/jobs.ts';
import { describeError } from '../../functions/core/errors.ts';
import { sendPhase } from './send-phase.ts';
import type { SoakRun } from './soak-run.ts';
import { addTime } from './tallies.ts';

/**
 * One scheduled planner run; when it enqueued jobs (or poison is waiting on the queue), the send
 * phase that follows. A failed planner run still leads to a send phase: what it did enqueue goes.
 */
export async function planningStep(run: SoakRun): Promise<void> {
  const { clock, logger, tallies } = run;
  const { counts } = tallies;
  counts.plannerRuns += 1;
  run.world.model.plan(clock.ms);
  const planBegan = Date.now();
  try {
    const summary = await planDigestOnce(run.system.context);
    addTime(tallies, 'planner only', Date.now() - planBegan);
    counts.plannerSkipped += summary.skippedNoArticles;
    if (summary.jobs === 0 && tallies.poisonSent.length === tallies.deadLetters.length) {
      run.world.model.sendPhaseDone();
      return;
    }
  } catch (error) {
    counts.plannerFailures += 1;
    logger.error('planner run failed', { error: describeError(error) });
  }
  await sendPhase(run);
}
