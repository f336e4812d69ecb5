/**
 * Where the hourly planner got to: the start (`now`) of its last run that completed. The next run
 * reads the next-slot index from that run's hour up to its own now, so an outage of N hours is
 * caught up by reading those N hours' readers, not the whole list.
 */
export interface PlannerCursor {
  /** When the last completed run began; undefined before any has completed. */
  lastCompletedRun(): Promise<Date | undefined>;
  /** Records a completed run that began at `at`; never moves the cursor backwards. */
  recordCompletedRun(at: Date): Promise<void>;
}
