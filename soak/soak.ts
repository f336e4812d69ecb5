import { EventQueue } from './event-queue.ts';
import { Seeded } from './random.ts';
import { startInfrastructure } from './run/infrastructure.ts';
import { playTimeline } from './run/play-timeline.ts';
import { newMailboxes } from './run/reader-behaviour.ts';
import { publishDueSendEvents } from './run/mail-events.ts';
import { scheduleWeeks } from './run/schedule.ts';
import { FAULT_RATES, type FaultRates, type SoakOptions } from './run/settings.ts';
import type { SoakRun } from './run/soak-run.ts';
import { summarise, type SoakResult } from './run/summary.ts';
import { startSystem } from './run/system.ts';
import { errorCollectingLogger, newRunTallies } from './run/tallies.ts';
import { Teardown } from './run/teardown.ts';
import { SOAK_START } from './run/timing.ts';
import { createWorld } from './run/world.ts';
import { SimClock } from './sim-clock.ts';

export { FAULT_RATES, type FaultRates, type SoakOptions } from './run/settings.ts';
export type { SoakResult } from './run/summary.ts';

/**
 * The chaos soak: weeks of simulated time in minutes. The real use cases (ingestOnce,
 * planDigestOnce, handleSendBatch behind the local SQS poller, the Hono API, the SES events
 * path) run against the real stand-ins (dynalite, aws-ses-v2-local, fauxqs) with an injected
 * clock, while the simulated world (readers, publishers) acts on a timeline and faults drawn from
 * the seed hit every boundary. After every week the promises are checked against an independent
 * model of what should have happened.
 *
 * The phases, each in soak/run/: set up the stand-ins with their faulty gateways
 * (infrastructure.ts), the world (world.ts) and the system under test (system.ts); put the weeks
 * on the timeline (schedule.ts): ingest (ingest-step.ts), planning (planning-step.ts) and its
 * send phase under faults (send-phase.ts, poison.ts), the readers' behaviour
 * (reader-behaviour.ts, mail-events.ts) and the weekly checks (week-check.ts); play it
 * (play-timeline.ts); sum up (summary.ts); close everything (teardown.ts).
 */
export async function runSoak(options: SoakOptions, rates: FaultRates = FAULT_RATES): Promise<SoakResult> {
  const startedAt = Date.now();
  const seeded = new Seeded(options.seed);
  const clock = new SimClock(new Date(SOAK_START));
  const tallies = newRunTallies();
  const logger = errorCollectingLogger(tallies.errors);
  const teardown = new Teardown();
  try {
    const infra = await startInfrastructure(options.seed, rates, { seeded, clock, logger }, teardown);
    const world = await createWorld(options, rates, { seeded, clock, tagger: infra.base.tagger }, teardown);
    const system = startSystem(infra, world, rates, { seeded, clock, logger }, teardown);
    const run: SoakRun = {
      options,
      rates,
      clock,
      logger,
      timeline: new EventQueue(),
      infra,
      world,
      system,
      mailboxes: newMailboxes(seeded),
      plans: seeded.stream('send-phases'),
      tallies,
      reports: [],
    };
    system.fleet.useClockHooks({
      beforeMove: () => infra.ses.idle(),
      afterMove: () => publishDueSendEvents(run),
    });
    scheduleWeeks(run);
    options.print(
      `soak seed ${options.seed}: ${options.weeks} weeks from ${new Date(SOAK_START).toISOString().slice(0, 10)}, ` +
        `${world.people.length} people, ${world.publications.sources.length} sources, ${world.publications.works.size} works`,
    );
    await playTimeline(run);
    return await summarise(run, startedAt);
  } finally {
    await teardown.closeAll();
  }
}
