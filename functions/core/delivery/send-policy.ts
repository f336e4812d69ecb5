import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
import { ConfigError } from '../errors.ts';

/**
 * The send policy, in one place: how the account's SES rate is shared by every sender, how a
 * throttled send backs off, how long a claim and a sender's run last, when a cut-short job comes
 * back and for how long a job SES keeps refusing is handed on, and how many senders a deployment
 * gets. The sender core, the app wiring, the DynamoDB
 * counter and the CDK stacks read it from here. Several of the numbers only make sense together
 * (the lease against the queue's visibility timeout, the yield margin against a send's longest
 * retries): test/unit/send-policy.test.ts checks them together.
 */

// ---------------------------------------------------------------------------------------------
// The SES rate, shared by every sender

/** A window of time and how many sends may start in it. */
export interface RateWindow {
  /** Length of one window, in milliseconds. */
  readonly ms: number;
  /** Sends that may start in one window: for every sender of the account together, not each. */
  readonly limit: number;
}

/**
 * How far ahead (in windows past the current one) a sender may book before it waits. Booking
 * ahead lets a sender whose current window is full queue up behind the others in order instead of
 * retrying every second; two windows keep any booked wait under about three seconds at rates of
 * one a second or more, well inside YIELD_MARGIN_MS, so a booking never outlives its sender.
 */
export const LOOKAHEAD_WINDOWS = 2;

/**
 * Counter items outlive their window by two minutes, then DynamoDB's TTL removes them: long
 * enough that no sender still books a window whose item was tidied away (they book at most
 * LOOKAHEAD_WINDOWS ahead), short enough that the state table does not fill with old counters.
 */
export const RATE_COUNTER_TTL_SECONDS = 120;

/**
 * The window for an account's rate. Rates of one a second or more count per second, with the
 * fraction dropped (2.5/s allows 2 a second: a rate is a ceiling, so rounding goes down); slower
 * rates get windows of 1/rate with one send each. The limit is the account's, not a sender's
 * share: the counter is one item for all senders, so N senders together get `limit` places per
 * window whatever N is — a fixed share per sender would leave the rate unused whenever one of
 * them is idle, and would have to change with every change of sender count.
 *
 * @throws ConfigError when the rate is not positive (a bad setting, or an account SES says may not send).
 * @example rateWindowFor(14) // { ms: 1000, limit: 14 }
 * @example rateWindowFor(0.5) // { ms: 2000, limit: 1 }
 */
export function rateWindowFor(ratePerSecond: number): RateWindow {
  if (!(ratePerSecond > 0)) throw new ConfigError(`send rate must be positive, got ${ratePerSecond}`);
  return ratePerSecond >= 1
    ? { ms: 1000, limit: Math.floor(ratePerSecond) }
    : { ms: Math.ceil(1000 / ratePerSecond), limit: 1 };
}

/** The window `nowMs` falls in: windows are numbered from the epoch, so every sender agrees. */
export function windowIndexAt(nowMs: number, window: RateWindow): number {
  return Math.floor(nowMs / window.ms);
}

/**
 * The windows a booking tries, in order: from the current one (or, when this process already saw
 * windows full, the first it did not) to LOOKAHEAD_WINDOWS past the current one. Empty when every
 * window in reach is known to be full.
 */
export function windowsInReach(nowMs: number, window: RateWindow, firstOpenWindow: number): number[] {
  const current = windowIndexAt(nowMs, window);
  const windows: number[] = [];
  for (let index = Math.max(current, firstOpenWindow); index <= current + LOOKAHEAD_WINDOWS; index += 1) {
    windows.push(index);
  }
  return windows;
}

/**
 * When (epoch ms) the holder of a window's `place`-th place (1-based, the counter's new value) may
 * send: places are spread evenly through the window, so a full window's sends do not all burst at
 * its start (SES measures its rate over shorter spans than our second).
 *
 * @example placeStartsAtMs({ ms: 1000, limit: 4 }, 10, 3) // 10_500
 */
export function placeStartsAtMs(window: RateWindow, index: number, place: number): number {
  return index * window.ms + ((place - 1) * window.ms) / window.limit;
}

/** Whether taking `place` filled the window: the next booking need not ask for it again. */
export function fillsWindow(window: RateWindow, place: number): boolean {
  return place >= window.limit;
}

/**
 * How long a sender waits when every window in reach was full: until the window that was current
 * when it started looking (`passStartedAtMs`) has passed, plus up to a quarter of a window at
 * random, so the senders of many processes that all found the same windows full do not come back
 * at the same instant and race for one place. Counted from the start of the pass, not from now:
 * when the clock moved into the next window while the counter was being asked (a slow write), a
 * new window is already in reach and the wait is short or none.
 */
export function fullWindowsWaitMs(
  passStartedAtMs: number,
  nowMs: number,
  window: RateWindow,
  random: () => number = Math.random,
): number {
  const windowPassed = (windowIndexAt(passStartedAtMs, window) + 1) * window.ms;
  return Math.max(0, windowPassed - nowMs + random() * (window.ms / 4));
}

/** One window's counter item: its key (per limit name and window) and when TTL may remove it. */
export interface RateCounterItem {
  readonly key: string;
  readonly limit: number;
  /** Epoch seconds, DynamoDB TTL's unit. */
  readonly expiresAtSeconds: number;
}

/** The counter item of window `index` of the limit called `name`, as booked at `nowMs`. */
export function rateCounterItem(
  name: string,
  window: RateWindow,
  index: number,
  nowMs: number,
): RateCounterItem {
  return {
    key: `send-rate#${name}#${index}`,
    limit: window.limit,
    expiresAtSeconds: Math.floor(nowMs / 1000) + RATE_COUNTER_TTL_SECONDS,
  };
}

/**
 * The one write the shared limit stands on, done by storage: add one to the item's count unless
 * it already holds `limit`, atomically (so no number of concurrent senders can overshoot).
 */
export interface RateCounter {
  /** The count after adding one (the caller's 1-based place), or undefined when the window was full. */
  takePlace(item: RateCounterItem): Promise<number | undefined>;
}

export interface SharedSendRateLimiterOptions {
  /** Emails per second for all senders together, or how to find it out (SES GetAccount), once. */
  readonly ratePerSecond: number | (() => Promise<number>);
  /** Names the counter, so two limits in one table (or two test worlds) never share one. */
  readonly name?: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The jitter of a wait for full windows (Math.random unless a test fixes it). */
  readonly random?: () => number;
}

/**
 * The account's SES rate, held across every concurrent sender: each window is one counter, and a
 * send may start only after the counter took one more place (RateCounter). The counter's new
 * value is also the caller's place in the window: the n-th sender of a window waits until n/rate
 * into it, so sends are spread evenly. A full window sends the caller on to book a place in the
 * next ones (LOOKAHEAD_WINDOWS ahead at most), so waiting senders queue up in order instead of
 * all retrying at each new second. Within one process bookings are made one at a time, and
 * windows seen full are not asked again: twenty sends in flight in a Lambda cost one counter
 * write each, not one per retry.
 */
export class SharedSendRateLimiter implements SendRateLimiter {
  private readonly name: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private window: Promise<RateWindow> | undefined;
  /** The tail of this process's queue of bookings. */
  private booking: Promise<unknown> = Promise.resolve();
  /** Windows before this one are known to be full. */
  private firstOpenWindow = 0;

  constructor(
    private readonly counter: RateCounter,
    private readonly options: SharedSendRateLimiterOptions,
  ) {
    this.name = options.name ?? 'ses';
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async acquire(): Promise<void> {
    const window = await (this.window ??= this.resolveWindow());
    const booked = this.booking.then(() => this.book(window));
    this.booking = booked.catch(() => undefined);
    const wait = (await booked) - this.now();
    if (wait > 0) await this.sleep(wait);
  }

  /** Books one place and returns when (epoch ms) it may be used. */
  private async book(window: RateWindow): Promise<number> {
    for (;;) {
      const now = this.now();
      for (const index of windowsInReach(now, window, this.firstOpenWindow)) {
        const place = await this.counter.takePlace(rateCounterItem(this.name, window, index, this.now()));
        if (place === undefined || fillsWindow(window, place)) this.firstOpenWindow = index + 1;
        if (place !== undefined) return placeStartsAtMs(window, index, place);
      }
      // Every window in reach was booked: come back when the first of them has passed.
      await this.sleep(fullWindowsWaitMs(now, this.now(), window, this.random));
    }
  }

  private async resolveWindow(): Promise<RateWindow> {
    const { ratePerSecond } = this.options;
    return rateWindowFor(typeof ratePerSecond === 'number' ? ratePerSecond : await ratePerSecond());
  }
}

// ---------------------------------------------------------------------------------------------
// Retrying a throttled or unavailable send

/**
 * A throttled or unavailable send is retried in place this many times, then the rest of the job
 * is handed on (throttling) or the message comes back (unavailable). Four retries of
 * BACKOFF_BASE_MS wait between 1.9 and 3.75 s in all: long enough to step past a second that SES
 * counted full (other traffic on the account, or SES's own accounting drifting from our
 * counter), short enough to fit inside YIELD_MARGIN_MS with the limiter's wait.
 */
export const THROTTLE_RETRIES = 4;

/**
 * The first retry's ceiling; each later one doubles it. The first retry waits 125–250 ms, so a
 * one-off throttle costs a fraction of a second; the fourth waits 1–2 s, a whole SES second.
 */
export const BACKOFF_BASE_MS = 250;

/** The retry settings every sender uses: digest and announcement jobs, and an admin's test sends. */
export const SEND_RETRIES = { throttleRetries: THROTTLE_RETRIES, backoffBaseMs: BACKOFF_BASE_MS } as const;

/**
 * How long to wait before retry `attempt` (0 for the first): exponential backoff with **equal
 * jitter**, between half and all of `baseMs × 2^attempt`.
 *
 * Equal rather than full jitter, deliberately. Full jitter (anywhere from 0 to the ceiling) is the
 * better choice when the retries themselves are the contention, because it spreads them the most.
 * Here the spreading is done by the shared limiter, which every retry goes through again; what
 * the backoff must guarantee is time for SES's per-second count to move on. With full jitter all
 * four retries could come back within the very second that refused them and spend the job's
 * retries on certain refusals; equal jitter keeps a floor (the four waits add up to at least
 * 1.875 s at the defaults) while the random half still keeps senders throttled together from
 * retrying in step. It is also what the sender has always done, so the soak's and the throttling
 * tests' timings keep their meaning.
 *
 * @param random a source of numbers in [0, 1) (Math.random unless a test fixes it).
 * @example backoffDelayMs(2, 250, () => 0) // 500: the floor of a 1,000 ms ceiling
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = baseMs * 2 ** attempt;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The longest that `retries` backoffs can wait in all (every one at its ceiling). */
export function longestBackoffMs(retries: number, baseMs: number): number {
  return baseMs * (2 ** retries - 1);
}

// ---------------------------------------------------------------------------------------------
// Claims, deadlines and continuations (hand-on.ts applies these to a job's outcome)

/**
 * How long a ledger claim protects a send in progress. Longer than a sender can live (its Lambda
 * timeout, SEND_QUEUE.consumerTimeoutSeconds = 60 s), so a live sender never loses its claim to
 * another; shorter than the queue's visibility timeout (360 s), so when a crashed sender's message
 * comes back its claims have expired and are taken over, rather than skipped as "in flight".
 *
 * It is also the time SES's Send event has to reach the ledger: a sender killed after SES accepted
 * an email but before marking it sent leaves the claim, and the next sender may take it over only
 * if no acceptance is recorded on it (ses-acceptance.ts). SES is called within the sender's 60 s of
 * the claim, so at least 4 minutes pass between the acceptance and the earliest takeover; the event
 * reaches ses-events within seconds unless that function keeps failing for minutes
 * (docs/reliability.md, "SES tells the ledger"). Shortening the lease narrows that margin.
 */
export const LEASE_MS = 5 * 60 * 1000;

/**
 * A sender stops starting sends this long before its Lambda's timeout and hands the rest on as a
 * continuation. A send started just before has to finish inside it: a booked wait of up to about
 * three windows (LOOKAHEAD_WINDOWS), up to 3.75 s of backoff (THROTTLE_RETRIES), the SES call, the
 * ledger writes and the continuation's enqueue. Ten seconds covers that with room to spare.
 */
export const YIELD_MARGIN_MS = 10_000;

/**
 * Recipients of one job in flight at once. A send is mostly waiting (ledger, limiter, SES); with
 * five jobs a batch (SEND_QUEUE.batchSize) four each make twenty sends in flight per sender,
 * enough to keep it busy through those waits. More would only queue on the limiter, which books
 * one place at a time per process.
 */
export const SEND_CONCURRENCY_PER_JOB = 4;

/** SQS's longest message delay: a continuation can wait no longer on the queue in one go. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/**
 * After the daily quota stopped a batch, its unsent jobs come back this many seconds later: SQS's
 * longest message delay. SES's quota counts the last 24 hours, so an earlier retry would only be
 * refused again, costing an invocation and an SES call each time round.
 */
export const QUOTA_RETRY_DELAY_SECONDS = MAX_QUEUE_DELAY_SECONDS;

/**
 * After SES refused for a reason of the account's setup (MailConfigurationError: an unverified
 * identity, a missing configuration set…), the unsent jobs come back this many seconds later. A
 * person has to fix it; until then every try costs an SES call per job and changes nothing, and
 * once it is fixed the week goes on within this delay, with no one having to redrive anything.
 */
export const CONFIGURATION_RETRY_DELAY_SECONDS = MAX_QUEUE_DELAY_SECONDS;

/**
 * A job handed on because SES kept throttling it waits 5–10 s, then twice as long each time it is
 * handed on again without sending anything, up to THROTTLED_HAND_ON_MAX_SECONDS: it already
 * waited through every in-place retry (up to 3.75 s), so coming back at once would be a hot loop
 * against an SES that is still full (other traffic on the account, or a lower rate than we think).
 */
export const THROTTLED_HAND_ON_BASE_SECONDS = 10;
export const THROTTLED_HAND_ON_MAX_SECONDS = 300;

/**
 * A job handed on because SES was unavailable (5xx, network) through every in-place retry waits
 * 30–60 s, then twice as long each time again, up to SQS's longest delay (7.5–15 min at the top):
 * a short blip costs a minute, and an outage of hours costs each job one try every ten minutes or
 * so, while its readers go out within about fifteen minutes of SES coming back.
 */
export const UNAVAILABLE_HAND_ON_BASE_SECONDS = 60;

/**
 * How long a job may go on being handed on without SES taking a single email of it (an outage,
 * throttling, a setup problem): then it stops being handed on and goes back to the queue whole,
 * to the dead-letter queue after SEND_QUEUE.maxReceiveCount receives, where the send-dlq alarm
 * asks a person to look and redrive it. A day outlasts any SES regional incident on record, is
 * shorter than the queue's retention (4 days), and the stall and oldest-message alarms will have
 * called someone long before. The daily quota has no horizon: it frees itself within a day, and
 * a week larger than a day's quota legitimately waits on it.
 */
export const STALL_HORIZON_MS = 24 * 3600 * 1000;

/**
 * Why a job ended early and handed its unsent recipients on (deliverJob's `interruption`): the
 * sender's time ran out, SES kept throttling, SES stayed unavailable, the daily quota, or a
 * problem with the account's setup.
 */
export type Interruption = 'deadline' | 'throttled' | 'unavailable' | 'quota' | 'configuration';

/**
 * How long a job has been stalled: handed on, for a reason of SES's, this many times in a row
 * without SES taking any of its emails, the first time at `since` (ISO). A continuation carries it
 * in its body, so the count survives the new message (whose SQS receive count starts again).
 */
export interface Stall {
  readonly since: string;
  readonly handOns: number;
}

/**
 * The stall of a continuation, from the job's stall (if it was one already) and how it ended: a
 * deadline is no stall (this sender ran out of time; another goes on at once), and a job that got
 * any email through starts counting again.
 */
export function stallAfter(
  previous: Stall | undefined,
  interruption: Interruption,
  sentAny: boolean,
  now: Date,
): Stall | undefined {
  if (interruption === 'deadline') return undefined;
  if (!previous || sentAny) return { since: now.toISOString(), handOns: 1 };
  return { since: previous.since, handOns: previous.handOns + 1 };
}

/** Whether a stalled job has been stalled past STALL_HORIZON_MS and must not be handed on again. */
export function outlivedStallHorizon(
  stall: Stall | undefined,
  interruption: Interruption,
  now: Date,
): boolean {
  if (!stall || interruption === 'quota' || interruption === 'deadline') return false;
  return now.getTime() - Date.parse(stall.since) >= STALL_HORIZON_MS;
}

/**
 * How long a continuation waits on the queue before it is received, for its `handOns`-th hand-on
 * in a row (1 for the first; from its stall). A deadline does not wait: this sender ran out of
 * time, not SES, so another may go on at once. The others back off as their constants say, with
 * equal jitter (half to all of the ceiling), so jobs stalled together do not come back together.
 *
 * @example continuationDelaySeconds('unavailable', 1, () => 0) // 30
 * @example continuationDelaySeconds('unavailable', 9, () => 1) // 900
 */
export function continuationDelaySeconds(
  interruption: Interruption | undefined,
  handOns = 1,
  random: () => number = Math.random,
): number {
  switch (interruption) {
    case undefined:
    case 'deadline':
      return 0;
    case 'quota':
      return QUOTA_RETRY_DELAY_SECONDS;
    case 'configuration':
      return CONFIGURATION_RETRY_DELAY_SECONDS;
    case 'throttled':
      return cappedBackoffSeconds(
        handOns - 1,
        THROTTLED_HAND_ON_BASE_SECONDS,
        THROTTLED_HAND_ON_MAX_SECONDS,
        random,
      );
    case 'unavailable':
      return cappedBackoffSeconds(
        handOns - 1,
        UNAVAILABLE_HAND_ON_BASE_SECONDS,
        MAX_QUEUE_DELAY_SECONDS,
        random,
      );
  }
}

/** Equal-jitter backoff in whole seconds, its ceiling `base × 2^attempt` held to `max`. */
function cappedBackoffSeconds(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

// ---------------------------------------------------------------------------------------------
// Sizing the senders

export interface SenderSizing {
  /** Reserved concurrency of the send function, and the SQS event source's maximum concurrency. */
  readonly concurrency: number;
  /** The per-sender throughput the concurrency was derived from. */
  readonly emailsPerSenderPerSecond: number;
}

/**
 * What one sender is counted on for, when sizing: a recipient's round trips (claim the ledger
 * item, SendEmail, mark it sent, record the delivery) take about 120 ms, so one send after
 * another sustains about 8 emails a second. A sender now has SEND_CONCURRENCY_PER_JOB × batch
 * sends in flight and can do more; the figure is kept as a floor, so the sizing leaves headroom
 * for a sender stalled on a cold start or a slow SES call rather than leaving the rate unused.
 */
export const EMAILS_PER_SENDER_PER_SECOND = 8;

/** At least two senders: the smallest maximum concurrency an SQS event source accepts. */
export const MIN_SENDER_CONCURRENCY = 2;

/** A ceiling well inside a default account's 1,000 concurrent executions. */
export const MAX_SENDER_CONCURRENCY = 50;

/**
 * Enough senders to fill the account's SES rate, and no more: more would only wait on the shared
 * limiter (or be throttled by SES, retried, with wasted Lambda time and receives counted towards
 * the DLQ). Between MIN_SENDER_CONCURRENCY and MAX_SENDER_CONCURRENCY.
 *
 * @example senderSizing(14).concurrency // 2
 * @example senderSizing(100).concurrency // 13
 */
export function senderSizing(sesMaxSendRate: number): SenderSizing {
  const needed = Math.ceil(sesMaxSendRate / EMAILS_PER_SENDER_PER_SECOND);
  return {
    concurrency: Math.min(MAX_SENDER_CONCURRENCY, Math.max(MIN_SENDER_CONCURRENCY, needed)),
    emailsPerSenderPerSecond: EMAILS_PER_SENDER_PER_SECOND,
  };
}
