import type { SoakRun } from './soak-run.ts';
import { addTime } from './tallies.ts';
import { publishDueSendEvents } from './mail-events.ts';

/** How often SOAK_TRACE=1 prints where the real time went. */
const PROFILE_EVERY_MS = 15_000;
/** SOAK_TRACE=1 names every event that took longer than this in real time. */
const SLOW_EVENT_MS = 2000;

/**
 * Runs the timeline's events in order until none is left, moving the simulated clock to each.
 * SOAK_TRACE=1 prints the real time spent per kind of event every 15 s and each slow event;
 * SOAK_TRACE=2 names every event as it starts.
 */
export async function playTimeline(run: SoakRun): Promise<void> {
  const { clock, timeline, tallies } = run;
  const trace = process.env.SOAK_TRACE === '1';
  const profile = setInterval(() => {
    if (trace)
      process.stderr.write(
        `[profile] ${new Date(clock.ms).toISOString()} ${JSON.stringify(Object.fromEntries(tallies.timeByLabel))}\n`,
      );
  }, PROFILE_EVERY_MS);
  profile.unref();
  for (let event = timeline.pop(); event; event = timeline.pop()) {
    await run.infra.ses.idle();
    clock.advanceTo(event.at);
    // SES's Send events fall due as time passes, whatever the timeline holds.
    await publishDueSendEvents(run);
    const began = Date.now();
    if (process.env.SOAK_TRACE === '2')
      process.stderr.write(`[start] ${new Date(clock.ms).toISOString()} ${event.label}\n`);
    await event.run();
    const spent = Date.now() - began;
    addTime(tallies, event.label.replace(/ \d+$/, ''), spent);
    if (trace && spent > SLOW_EVENT_MS)
      process.stderr.write(`[trace] ${new Date(clock.ms).toISOString()} ${event.label}: ${spent} ms\n`);
  }
}
