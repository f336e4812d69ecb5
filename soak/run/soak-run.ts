import type { Logger } from '../../functions/ports/logger.ts';
import type { EventQueue } from '../event-queue.ts';
import type { CheckResult } from '../invariants.ts';
import type { DeliveredEmail } from '../outside/ses-gateway.ts';
import type { Random } from '../random.ts';
import type { SimClock } from '../sim-clock.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { FaultRates, SoakOptions } from './settings.ts';
import type { SystemUnderTest } from './system.ts';
import type { RunTallies } from './tallies.ts';
import type { SoakWorld } from './world.ts';

/** One week's checks, as printed. */
export interface WeekReport {
  readonly week: number;
  readonly label: string;
  readonly checks: readonly CheckResult[];
  readonly violations: number;
}

/** How far the readers have read their mail, and what is in it for later. */
export interface Mailboxes {
  /** Index into the SES gateway's delivered log up to which the readers have looked. */
  readUpTo: number;
  /** Each person's latest confirmation email, kept until they click it. */
  readonly latestConfirmation: Map<string, DeliveredEmail>;
  /** How each reader reacts to a digest (and how long they take). */
  readonly reactions: Random;
}

/** Everything one soak's steps share, set up once by runSoak. */
export interface SoakRun {
  readonly options: SoakOptions;
  readonly rates: FaultRates;
  readonly clock: SimClock;
  readonly logger: Logger;
  readonly timeline: EventQueue;
  readonly infra: Infrastructure;
  readonly world: SoakWorld;
  readonly system: SystemUnderTest;
  readonly mailboxes: Mailboxes;
  /** The faults of each send phase (kills, outages) and the poison's hours. */
  readonly plans: Random;
  readonly tallies: RunTallies;
  readonly reports: WeekReport[];
}
