import {
  checkArticlesStoredOnce,
  checkDeadLetters,
  checkNoDigestBeforeFirstSlot,
  checkNoMailToInactive,
  checkNoWorkTwice,
  checkOneDigestPerDueReader,
  checkSectionPerChosenTopic,
  checkSummariesMatchLedger,
  digestEmailsByPair,
  type CheckResult,
  type LedgerRecord,
} from '../invariants.ts';
import { weekLabel } from '../model/calendar.ts';
import type { WorldModel } from '../model/world-model.ts';
import { faultTotals } from './fault-totals.ts';
import { readMail } from './reader-behaviour.ts';
import type { SoakRun } from './soak-run.ts';
import { SOAK_START, WEEK_MS } from './timing.ts';

/** The first checks of a week's report are about that week's digests alone; the rest about everything so far. */
export const CHECKS_OF_THE_WEEK = 2;

/**
 * The promises after one simulated week, checked against the independent model (see
 * invariants.ts) from what the readers got, the ledger and the articles table: recorded as the
 * week's report and printed, with the world's state and the faults so far.
 */
export async function checkWeek(run: SoakRun, week: number): Promise<void> {
  const { print } = run.options;
  const { ses } = run.infra;
  const { model } = run.world;
  const { fleet } = run.system;
  const label = weekLabel(SOAK_START + (week - 1) * WEEK_MS);
  readMail(run);
  const byPair = digestEmailsByPair(ses.delivered);
  const digestIds = new Set<string>();
  for (const reader of model.readers.values()) for (const id of reader.expectations.keys()) digestIds.add(id);
  const ledger: LedgerRecord[] = [];
  for (const id of digestIds) ledger.push(...(await run.infra.inspect.ledger.listForDigest(id)));
  const articles = await run.infra.inspect.articles.listFirstSeenBetween(
    new Date(SOAK_START - WEEK_MS),
    run.clock.now(),
  );
  const oneDigest = checkOneDigestPerDueReader(
    model,
    label,
    byPair,
    ledger,
    run.system.context.subscriberIds,
    {
      unrecorded: fleet.totals.unrecordedAtDeaths.length,
      settled: fleet.totals.settledFromAcceptance,
    },
  );
  run.tallies.counts.secondCopies += oneDigest.secondCopies;
  const checks: CheckResult[] = [
    oneDigest,
    checkSectionPerChosenTopic(model, label, byPair, run.system.context.topicLabels),
    checkNoDigestBeforeFirstSlot(model, ses.delivered),
    checkNoWorkTwice(byPair),
    checkNoMailToInactive(model, ses.delivered),
    checkArticlesStoredOnce(
      model,
      articles.map((article) => ({
        id: article.id,
        url: article.url,
        firstSeenAt: article.firstSeenAt,
        sourceIds: new Set(article.sources.map((source) => source.sourceId)),
      })),
    ),
    checkDeadLetters(run.tallies.deadLetters, run.tallies.poisonSent),
    checkSummariesMatchLedger(
      model,
      ledger,
      run.tallies.counts.plannerSkipped,
      fleet.totals,
      run.system.context.subscriberIds,
    ),
    systemHealth(run),
  ];
  const violations = checks.reduce((sum, check) => sum + check.violations, 0);
  run.reports.push({ week, label, checks, violations });
  print(`week ${week} (${label}) — ${violations === 0 ? 'all promises kept' : `${violations} VIOLATIONS`}`);
  for (const check of checks) {
    print(
      `  ${check.violations === 0 ? 'ok  ' : 'FAIL'} ${check.name}: ${check.summary} [${check.checked} checked, ${check.violations} violations]`,
    );
    for (const example of check.examples) print(`         ${example}`);
  }
  print(
    `  world: ${countStatuses(model)}; ${ses.delivered.length} emails so far; faults ${JSON.stringify(faultTotals(run))}`,
  );
  // The stand-in keeps every body in memory; the gateway's log is what the checks read.
  await ses.clearUpstreamStore();
}

/** The run itself finished what it started: send phases drained, the API and ingest never crashed. */
function systemHealth(run: SoakRun): CheckResult {
  const { counts, feedFailureMismatches } = run.tallies;
  const { fleet, hands } = run.system;
  const problems = [
    ...(counts.undrained > 0 ? [`${counts.undrained} send phases did not drain`] : []),
    ...(counts.plannerFailures > 0 ? [`${counts.plannerFailures} planner runs failed`] : []),
    ...(counts.ingestFailures > 0 ? [`${counts.ingestFailures} ingest runs failed`] : []),
    ...fleet.totals.handlerCrashes.slice(0, 3).map((crash) => `the send handler threw: ${crash}`),
    ...feedFailureMismatches,
    ...hands.failures,
  ];
  return {
    name: 'runs completed',
    summary: `${counts.ingestRuns} ingest runs, ${counts.plannerRuns} planner runs, ${counts.sendPhases} send phases, ${fleet.totals.invocations} send invocations; ${counts.slowFeeds} healthy feeds too slow for the deadline on this machine`,
    checked: counts.ingestRuns + counts.plannerRuns + counts.sendPhases,
    violations: problems.length,
    examples: problems.slice(0, 5),
  };
}

function countStatuses(model: WorldModel): string {
  const counts = new Map<string, number>();
  for (const reader of model.readers.values())
    counts.set(reader.status, (counts.get(reader.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}
