/**
 * The custom metrics the handlers publish (Powertools Metrics, as CloudWatch embedded metric
 * format in the logs) and the alarms and dashboard of the CDK app read. One module for both, so
 * an alarm can never watch a metric no handler emits. No imports: the CDK app loads it too.
 */
export const METRICS_NAMESPACE = 'ImmunoDigest';

/** Powertools adds it as the `service` dimension of every metric. */
export const SERVICE_NAME = 'immuno-digest';

export const METRIC = {
  /** Sources that failed in one ingest run. */
  sourceFailures: 'SourceFailures',
  /** The longest run of consecutive failures among the failing sources (0 when none failed). */
  maxConsecutiveSourceFailures: 'MaxConsecutiveSourceFailures',
  articlesCreated: 'ArticlesCreated',
  readersPlanned: 'ReadersPlanned',
  sendJobsEnqueued: 'SendJobsEnqueued',
  emailsSent: 'EmailsSent',
  /** Permanent send failures: SES rejected the message (recorded, never retried). */
  emailsFailed: 'EmailsFailed',
  emailsSkipped: 'EmailsSkipped',
  /** Send jobs handed back to the queue (partial batch failure) for another try. */
  sendJobsRetried: 'SendJobsRetried',
  /** Continuation jobs enqueued for the unsent recipients of a job cut short (any reason). */
  sendJobsContinued: 'SendJobsContinued',
  /** Of those, the ones SES refused (throttling, outage, quota, setup): enqueued with a backoff. */
  sendJobsStalled: 'SendJobsStalled',
  /** Send batches stopped because SES refused on account of its setup (identity, configuration set, MAIL FROM, paused). */
  sesConfigurationErrors: 'SesConfigurationErrors',
  /** One per ingest run that finished: its absence is what the ingest heartbeat alarm watches. */
  ingestRuns: 'IngestRuns',
  /** One per planner run that finished: its absence is what the planner heartbeat alarm watches. */
  plannerRuns: 'PlannerRuns',
  poisonSendJobs: 'PoisonSendJobs',
  bouncesReceived: 'BouncesReceived',
  complaintsReceived: 'ComplaintsReceived',
  /**
   * SES Send events that came after a takeover had mailed the reader again (one per event): the
   * reader got the email twice. Never expected; published only when it happens.
   */
  secondCopiesSent: 'SecondCopiesSent',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
