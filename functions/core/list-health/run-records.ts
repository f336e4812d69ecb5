import type { RunRecord } from '../../model/list-health.ts';
import type { IngestSummary } from '../ingest/run-ingest.ts';
import type { PlanSummary } from '../digest/plan-digest.ts';

/** The run log's record of an ingest run: its counts, and which sources failed. */
export function ingestRunRecord(summary: IngestSummary): RunRecord {
  return {
    kind: 'ingest',
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    counts: {
      sourcesFetched: summary.sourcesFetched,
      sourcesNotModified: summary.sourcesNotModified,
      itemsSeen: summary.itemsSeen,
      articlesCreated: summary.articlesCreated,
      articlesMerged: summary.articlesMerged,
      articlesUpdated: summary.articlesUpdated,
      itemsRejected: summary.itemsRejected,
      sourcesFailed: summary.failures.length,
    },
    problems: summary.failures.map((failure) => failure.sourceId),
  };
}

/** The run log's record of a planning run (a dry run is not recorded: it changed nothing). */
export function planRunRecord(summary: PlanSummary, finishedAt: Date): RunRecord {
  return {
    kind: 'plan-digest',
    startedAt: summary.plannedAt,
    finishedAt: finishedAt.toISOString(),
    counts: {
      readersRead: summary.readersRead,
      due: summary.due,
      planned: summary.planned,
      skippedNoArticles: summary.skippedNoArticles,
      jobs: summary.jobs,
      articlesInWindow: summary.articlesInWindow,
    },
    problems: [],
  };
}
