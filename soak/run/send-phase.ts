import { collectDeadLetters } from './poison.ts';
import { readMail } from './reader-behaviour.ts';
import type { SoakRun } from './soak-run.ts';

/** Real-time limit for one send phase to drain, unless the options say otherwise. */
const DRAIN_TIMEOUT_MS = 180_000;

/**
 * The senders work the queue empty, with this phase's faults drawn from the seed: perhaps one
 * sender killed at its n-th SendEmail (as it leaves, or as SES accepts it), perhaps an SES outage
 * from the n-th. Then the dead letters
 * are collected and the readers read what reached them.
 */
export async function sendPhase(run: SoakRun): Promise<void> {
  const { counts } = run.tallies;
  const { plans, rates } = run;
  counts.sendPhases += 1;
  const label = `phase-${counts.sendPhases}`;
  // Half the kills strike as a SendEmail leaves, half the moment SES accepts one (before the
  // sender hears of it): the window only SES's Send event can close.
  const kill = plans.chance(rates.killPerPhase) ? plans.int(1, 60) : undefined;
  const atAnswer = kill !== undefined && plans.chance(0.5);
  const drained = await run.system.fleet.drain(
    {
      label,
      killAtSends: kill !== undefined && !atAnswer ? [kill] : [],
      killAtAnswers: kill !== undefined && atAnswer ? [kill] : [],
      outageAtSend: plans.chance(rates.sesOutagePerPhase) ? plans.int(1, 60) : undefined,
    },
    run.options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS,
  );
  if (!drained) counts.undrained += 1;
  run.world.model.sendPhaseDone();
  await collectDeadLetters(run);
  readMail(run);
}
