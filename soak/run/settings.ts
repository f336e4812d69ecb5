/** What one soak is asked to simulate, and how often each fault strikes. */

export interface SoakOptions {
  readonly seed: number;
  readonly weeks: number;
  readonly people: number;
  readonly sources: number;
  /** New works per source per day (Poisson mean). */
  readonly worksPerSourcePerDay: number;
  /** One line of the report (the CLI prints it; the test collects it). */
  readonly print: (line: string) => void;
  /** Real-time limit for one send phase to drain. */
  readonly drainTimeoutMs?: number;
}

export interface FaultRates {
  readonly sesThrottle: number;
  readonly sesServerError: number;
  /** Chance that a send phase meets a regional SES outage (503 until the clock moves). */
  readonly sesOutagePerPhase: number;
  /** Chance that a send phase kills one sender after a random number of sends. */
  readonly killPerPhase: number;
  /** Chance that one planned job is delivered twice by SQS. */
  readonly duplicateDelivery: number;
  /** Chance that one source fails in one ingest run (timeout, 503, truncated, HTML). */
  readonly feedFailure: number;
  readonly dynamoThrottle: number;
  readonly dynamoPartialBatch: number;
  /** Chance that a send invocation runs with Lambda's deadline close (the handler hands on). */
  readonly senderDeadline: number;
  /** Poison messages (unparseable jobs) put on the send queue per simulated week. */
  readonly poisonPerWeek: number;
}

export const FAULT_RATES: FaultRates = {
  sesThrottle: 0.2,
  sesServerError: 0.02,
  sesOutagePerPhase: 0.02,
  killPerPhase: 0.15,
  duplicateDelivery: 0.1,
  feedFailure: 0.04,
  dynamoThrottle: 0.004,
  dynamoPartialBatch: 0.05,
  senderDeadline: 0.03,
  poisonPerWeek: 1,
};
