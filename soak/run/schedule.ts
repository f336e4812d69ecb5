import { ingestStep } from './ingest-step.ts';
import { planningStep } from './planning-step.ts';
import { sendPoison } from './poison.ts';
import { subscribe } from './reader-behaviour.ts';
import type { SoakRun } from './soak-run.ts';
import { checkWeek } from './week-check.ts';
import { CHECK_AFTER_WEEK_MS, HOUR_MS, INGEST_EVERY_HOURS, SOAK_START, WEEK_MS, soakEnd } from './timing.ts';

/**
 * Puts the weeks on the timeline: each person's first visit to the subscribe form, ingest every
 * six hours and the planner (with its send phase) ten minutes past every hour, as the
 * schedules run them, the week's poison at hours drawn from the seed, and the checks once every
 * zone's week is over. Later events (reactions, retries) are scheduled by the steps themselves.
 */
export function scheduleWeeks(run: SoakRun): void {
  const { timeline, plans } = run;
  for (const person of run.world.people)
    timeline.schedule(person.joinAt, 'subscribe', () => subscribe(run, person, 0));
  const lastHour = soakEnd(run.options.weeks) + CHECK_AFTER_WEEK_MS;
  for (let at = SOAK_START; at < lastHour; at += HOUR_MS) {
    if ((at - SOAK_START) % (INGEST_EVERY_HOURS * HOUR_MS) === 0)
      timeline.schedule(at, 'ingest', () => ingestStep(run));
    timeline.schedule(at + 10 * 60_000, 'plan digests', () => planningStep(run));
  }
  for (let week = 1; week <= run.options.weeks; week += 1) {
    const weekStart = SOAK_START + (week - 1) * WEEK_MS;
    for (let index = 0; index < run.rates.poisonPerWeek; index += 1) {
      const at = weekStart + plans.int(0, 7 * 24 - 1) * HOUR_MS + 5 * 60_000;
      timeline.schedule(at, 'poison', () => sendPoison(run));
    }
    timeline.schedule(weekStart + WEEK_MS + CHECK_AFTER_WEEK_MS - 1, `check week ${week}`, () =>
      checkWeek(run, week),
    );
  }
}
