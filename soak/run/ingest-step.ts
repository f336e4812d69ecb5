import { ingestOnce } from '../../functions/app/jobs.ts';
import { describeError } from '../../functions/core/errors.ts';
import { FAILURE_KIND_OF, type FeedFault } from '../outside/feed-host.ts';
import type { SoakRun } from './soak-run.ts';

/**
 * One scheduled ingest run over the world's feeds (some failing as the seed says). The model
 * learns which works were stored; each failure the system reports must be the kind of the fault
 * served, or the run notes the mismatch.
 */
export async function ingestStep(run: SoakRun): Promise<void> {
  const { clock, logger, tallies } = run;
  const { feeds, model } = run.world;
  const { counts } = tallies;
  counts.ingestRuns += 1;
  feeds.beginRun(counts.ingestRuns);
  const at = clock.ms;
  try {
    const summary = await ingestOnce(run.system.context, { fetchUrlFor: (source) => feeds.url(source.id) });
    const served = new Map(feeds.endRun().map((feed) => [feed.sourceId, feed]));
    for (const report of summary.sources) {
      const feed = served.get(report.sourceId);
      if (report.status === 'fetched' && feed?.outcome === 'ok')
        model.stored(report.sourceId, feed.workKeys, at);
    }
    for (const failure of summary.failures) {
      const outcome = served.get(failure.sourceId)?.outcome;
      const wanted =
        outcome && outcome in FAILURE_KIND_OF ? FAILURE_KIND_OF[outcome as FeedFault] : undefined;
      // A healthy feed that answered too late for the fetcher's deadline is the loaded machine
      // (real time), not a fault the system misread: counted, not a violation.
      if (failure.kind === 'timeout' && wanted !== 'timeout') {
        counts.slowFeeds += 1;
        continue;
      }
      if (wanted !== failure.kind && tallies.feedFailureMismatches.length < 10)
        tallies.feedFailureMismatches.push(
          `${failure.sourceId} failed as ${failure.kind} (${failure.message}); served ${outcome}`,
        );
    }
  } catch (error) {
    feeds.endRun();
    counts.ingestFailures += 1;
    logger.error('ingest run failed', { error: describeError(error) });
  }
}
