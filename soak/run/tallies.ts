import type { Logger } from '../../functions/ports/logger.ts';
import { formatLogFields } from '../../functions/app/console-logger.ts';

/**
 * What the run itself counts and keeps as it goes: its own runs and the readers' reactions, the
 * poison it sent and the dead letters it found, where the real time went, and the errors the
 * system logged (printed when a promise broke).
 */
export interface RunTallies {
  readonly counts: {
    ingestRuns: number;
    ingestFailures: number;
    plannerRuns: number;
    plannerFailures: number;
    plannerSkipped: number;
    sendPhases: number;
    undrained: number;
    hardBounces: number;
    softBounces: number;
    complaints: number;
    unsubscribes: number;
    topicChanges: number;
    slotChanges: number;
    mailEventFailures: number;
    /** SES Send events handed to ses-events, and those that recorded an acceptance on a ledger item. */
    sendEvents: number;
    acceptancesRecorded: number;
    /** Second copies of a digest found by the weekly checks (each a violation). */
    secondCopies: number;
    slowFeeds: number;
  };
  /** Feeds whose failure ingest reported as another kind than the one served (first ten). */
  readonly feedFailureMismatches: string[];
  readonly poisonSent: string[];
  readonly deadLetters: string[];
  /** Real time spent per kind of event, [events, ms] (SOAK_TRACE=1 prints it): where a slow soak goes. */
  readonly timeByLabel: Map<string, [number, number]>;
  /** The system's logged errors (the first 2,000). */
  readonly errors: string[];
}

const MAX_ERRORS_KEPT = 2000;

export function newRunTallies(): RunTallies {
  return {
    counts: {
      ingestRuns: 0,
      ingestFailures: 0,
      plannerRuns: 0,
      plannerFailures: 0,
      plannerSkipped: 0,
      sendPhases: 0,
      undrained: 0,
      hardBounces: 0,
      softBounces: 0,
      complaints: 0,
      unsubscribes: 0,
      topicChanges: 0,
      slotChanges: 0,
      mailEventFailures: 0,
      sendEvents: 0,
      acceptancesRecorded: 0,
      secondCopies: 0,
      slowFeeds: 0,
    },
    feedFailureMismatches: [],
    poisonSent: [],
    deadLetters: [],
    timeByLabel: new Map(),
    errors: [],
  };
}

/** The system's logger in the soak: quiet, but its errors kept for the report. */
export function errorCollectingLogger(errors: string[]): Logger {
  return {
    info: () => undefined,
    warn: () => undefined,
    error: (message, extra) => {
      if (errors.length < MAX_ERRORS_KEPT) errors.push(`${message} ${formatLogFields(extra ?? {})}`);
    },
  };
}

/** Adds one event's real time to its label's total. */
export function addTime(tallies: RunTallies, label: string, spentMs: number): void {
  const [events, ms] = tallies.timeByLabel.get(label) ?? [0, 0];
  tallies.timeByLabel.set(label, [events + 1, ms + spentMs]);
}
