import { faultTotals } from './fault-totals.ts';
import type { SoakRun } from './soak-run.ts';
import { SOAK_START, WEEK_MS } from './timing.ts';
import { CHECKS_OF_THE_WEEK } from './week-check.ts';

export interface SoakResult {
  readonly seed: number;
  readonly weeks: number;
  readonly subscribers: number;
  readonly sources: number;
  readonly articles: number;
  readonly emails: number;
  readonly digests: number;
  readonly faultsInjected: { readonly total: number } & Record<string, number>;
  readonly violations: number;
  /** Readers who got a second copy of a digest (each a violation; none is excused). */
  readonly secondCopies: number;
  /**
   * Emails SES accepted from senders killed before recording them, which the next sender recorded
   * from SES's Send event instead of sending again.
   */
  readonly settledFromAcceptance: number;
  readonly seconds: number;
}

/**
 * The soak's totals, after the last week. The first checks are about one week's digests; the
 * others look at everything so far, so their last reading counts once (summing them over weeks
 * would count one breach each week). With a violation, the first errors the system logged are
 * printed too.
 */
export async function summarise(run: SoakRun, startedAt: number): Promise<SoakResult> {
  const { options, reports } = run;
  const { errors } = run.tallies;
  const { ses } = run.infra;
  const violations =
    reports.reduce(
      (sum, report) =>
        sum +
        report.checks.slice(0, CHECKS_OF_THE_WEEK).reduce((weekSum, check) => weekSum + check.violations, 0),
      0,
    ) +
    (reports
      .at(-1)
      ?.checks.slice(CHECKS_OF_THE_WEEK)
      .reduce((sum, check) => sum + check.violations, 0) ?? 0);
  if (violations > 0 && errors.length > 0) {
    options.print(`first logged errors (${errors.length}):`);
    for (const line of errors.slice(0, 10)) options.print(`  ${line.slice(0, 400)}`);
  }
  const digests = ses.delivered.filter((email) => email.kind === 'digest').length;
  const articles = await run.infra.inspect.articles.listFirstSeenBetween(
    new Date(SOAK_START - WEEK_MS),
    run.clock.now(),
  );
  return {
    seed: options.seed,
    weeks: options.weeks,
    subscribers: run.world.people.length,
    sources: run.world.publications.sources.length,
    articles: articles.length,
    emails: ses.delivered.length,
    digests,
    faultsInjected: faultTotals(run),
    violations,
    secondCopies: run.tallies.counts.secondCopies,
    settledFromAcceptance: run.system.fleet.totals.settledFromAcceptance,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}
