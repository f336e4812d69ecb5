/**
 * Bounce and complaint rates beside SES's own review thresholds. SES puts an account under review
 * at a 5 % bounce rate or a 0.1 % complaint rate (and may pause its sending at 10 % and 0.5 %);
 * the editors are warned at half of those, while there is time to clean the list. The CloudWatch
 * alarms use the same figures (infra/constructs/monitoring.ts).
 */

export const SES_REVIEW_THRESHOLDS = { bounce: 0.05, complaint: 0.001 } as const;
export const WARNING_THRESHOLDS = {
  bounce: SES_REVIEW_THRESHOLDS.bounce / 2,
  complaint: SES_REVIEW_THRESHOLDS.complaint / 2,
} as const;

export type RateLevel = 'ok' | 'warning' | 'review';

export interface Rate {
  /** Events over emails sent, 0 when nothing was sent. */
  readonly rate: number;
  readonly events: number;
  readonly level: RateLevel;
  readonly warnAt: number;
  readonly sesReviewAt: number;
}

export interface WindowRates {
  readonly days: number;
  readonly sent: number;
  readonly bounce: Rate;
  readonly complaint: Rate;
}

function rateOf(events: number, sent: number, kind: 'bounce' | 'complaint'): Rate {
  const rate = sent === 0 ? 0 : events / sent;
  const warnAt = WARNING_THRESHOLDS[kind];
  const sesReviewAt = SES_REVIEW_THRESHOLDS[kind];
  // "Above half": a rate exactly at the warning line does not warn yet.
  const level: RateLevel = rate >= sesReviewAt ? 'review' : rate > warnAt ? 'warning' : 'ok';
  return { rate, events, level, warnAt, sesReviewAt };
}

export function windowRates(
  days: number,
  sent: number,
  events: { readonly bounces: number; readonly complaints: number },
): WindowRates {
  return {
    days,
    sent,
    bounce: rateOf(events.bounces, sent, 'bounce'),
    complaint: rateOf(events.complaints, sent, 'complaint'),
  };
}
