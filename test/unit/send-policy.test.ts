import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  backoffDelayMs,
  CONFIGURATION_RETRY_DELAY_SECONDS,
  continuationDelaySeconds,
  EMAILS_PER_SENDER_PER_SECOND,
  fillsWindow,
  fullWindowsWaitMs,
  LEASE_MS,
  longestBackoffMs,
  LOOKAHEAD_WINDOWS,
  MAX_QUEUE_DELAY_SECONDS,
  MAX_SENDER_CONCURRENCY,
  MIN_SENDER_CONCURRENCY,
  placeStartsAtMs,
  QUOTA_RETRY_DELAY_SECONDS,
  RATE_COUNTER_TTL_SECONDS,
  rateCounterItem,
  rateWindowFor,
  SEND_CONCURRENCY_PER_JOB,
  SEND_RETRIES,
  senderSizing,
  SharedSendRateLimiter,
  STALL_HORIZON_MS,
  stallAfter,
  outlivedStallHorizon,
  THROTTLE_RETRIES,
  THROTTLED_HAND_ON_BASE_SECONDS,
  THROTTLED_HAND_ON_MAX_SECONDS,
  UNAVAILABLE_HAND_ON_BASE_SECONDS,
  windowIndexAt,
  windowsInReach,
  YIELD_MARGIN_MS,
  type RateCounter,
  type RateCounterItem,
} from '../../functions/core/delivery/send-policy.ts';
import { sendWithRetries } from '../../functions/core/delivery/send-with-retries.ts';
import { SEND_QUEUE } from '../../functions/adapters/dynamodb/tables.ts';
import { ConfigError, MailThrottledError } from '../../functions/core/errors.ts';
import { RecordingMailer } from '../../testkit/fakes.ts';

/** The counter's contract (DynamoRateCounter's conditional ADD), in memory. */
class MemoryRateCounter implements RateCounter {
  readonly counts = new Map<string, number>();
  readonly items: RateCounterItem[] = [];
  calls = 0;

  async takePlace(item: RateCounterItem): Promise<number | undefined> {
    this.calls += 1;
    this.items.push(item);
    const count = this.counts.get(item.key) ?? 0;
    if (count >= item.limit) return undefined;
    this.counts.set(item.key, count + 1);
    return count + 1;
  }
}

/**
 * Simulated time for the limiter: `sleep` schedules a wake-up; `run` lets every pending promise
 * settle, then moves the clock to the earliest wake-up, until the work is done. The in-memory
 * counter answers in microtasks, so nothing waits on real time.
 */
class VirtualTime {
  now = 0;
  private readonly timers: { at: number; wake: () => void }[] = [];

  readonly clock = () => this.now;
  readonly sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.timers.push({ at: this.now + Math.max(0, ms), wake });
    });

  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    // A limiter that keeps waking without ever letting a send through fails here, not at the timeout.
    for (let step = 0; step < 100_000; step += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) return settled;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error('deadlock: work pending and nothing scheduled');
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
    throw new Error(`no progress after 100,000 wake-ups (simulated time ${this.now} ms)`);
  }
}

/** A seeded uniform source in [0, 1) (mulberry32), so a distribution test is the same every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `senders` limiters (one per process) over one counter, each with `inFlight` sends asking at
 * once until `emails` in all have their place; returns when each send was let through.
 */
async function simulateSenders(options: {
  rate: number;
  senders: number;
  inFlight: number;
  emails: number;
  startAt?: number;
  /** How long each counter write takes (the round trip to the table). */
  latencyMs?: number;
}) {
  const time = new VirtualTime();
  time.now = options.startAt ?? 0;
  const memory = new MemoryRateCounter();
  const counter: RateCounter = {
    takePlace: async (item) => {
      if (options.latencyMs) await time.sleep(options.latencyMs);
      return memory.takePlace(item);
    },
  };
  const random = seededRandom(options.rate * 100 + options.senders);
  let remaining = options.emails;
  const sentAt: number[] = [];
  const limiters = Array.from(
    { length: options.senders },
    () =>
      new SharedSendRateLimiter(counter, {
        ratePerSecond: options.rate,
        name: 'simulated',
        now: time.clock,
        sleep: time.sleep,
        random,
      }),
  );
  const worker = async (limiter: SharedSendRateLimiter) => {
    while (remaining > 0) {
      remaining -= 1;
      await limiter.acquire();
      sentAt.push(time.now);
    }
  };
  await time.run(
    Promise.all(
      limiters.flatMap((limiter) => Array.from({ length: options.inFlight }, () => worker(limiter))),
    ),
  );
  return { sentAt, counter: memory };
}

describe('the rate window', () => {
  it('counts rates of one a second or more per second, dropping the fraction', () => {
    expect(rateWindowFor(1)).toEqual({ ms: 1000, limit: 1 });
    expect(rateWindowFor(14)).toEqual({ ms: 1000, limit: 14 });
    expect(rateWindowFor(2.5)).toEqual({ ms: 1000, limit: 2 });
    expect(rateWindowFor(10_000)).toEqual({ ms: 1000, limit: 10_000 });
  });

  it('gives slower rates one send per window of 1/rate, rounded up so the rate is never passed', () => {
    expect(rateWindowFor(0.5)).toEqual({ ms: 2000, limit: 1 });
    expect(rateWindowFor(0.1)).toEqual({ ms: 10_000, limit: 1 });
    expect(rateWindowFor(0.3)).toEqual({ ms: 3334, limit: 1 });
  });

  it('refuses a rate that is not positive, naming it', () => {
    for (const rate of [0, -1, Number.NaN]) {
      expect(() => rateWindowFor(rate)).toThrow(ConfigError);
    }
    expect(() => rateWindowFor(0)).toThrow('send rate must be positive, got 0');
  });

  it('numbers windows from the epoch, each including its start and excluding its end', () => {
    const second = rateWindowFor(14);
    const twoSeconds = rateWindowFor(0.5);

    expect(windowIndexAt(0, second)).toBe(0);
    expect(windowIndexAt(999, second)).toBe(0);
    expect(windowIndexAt(1000, second)).toBe(1);
    expect(windowIndexAt(1_700_000_000_123, second)).toBe(1_700_000_000);
    expect(windowIndexAt(3999, twoSeconds)).toBe(1);
    expect(windowIndexAt(4000, twoSeconds)).toBe(2);
  });

  it('reaches from the current window to LOOKAHEAD_WINDOWS ahead, skipping windows known full', () => {
    const window = rateWindowFor(10);

    expect(LOOKAHEAD_WINDOWS).toBe(2);
    expect(windowsInReach(5_400, window, 0)).toEqual([5, 6, 7]);
    expect(windowsInReach(5_000, window, 5)).toEqual([5, 6, 7]);
    expect(windowsInReach(5_999, window, 6)).toEqual([6, 7]);
    expect(windowsInReach(5_400, window, 7)).toEqual([7]);
    expect(windowsInReach(5_400, window, 8)).toEqual([]);
    // A new second brings a new window into reach even when all the old ones were full.
    expect(windowsInReach(6_000, window, 8)).toEqual([8]);
  });

  it('spreads a window’s places evenly through it, the last one still inside it', () => {
    const window = rateWindowFor(4);

    expect([1, 2, 3, 4].map((place) => placeStartsAtMs(window, 10, place))).toEqual([
      10_000, 10_250, 10_500, 10_750,
    ]);
    for (const rate of [1, 3, 7, 14, 100, 0.5, 0.2]) {
      const w = rateWindowFor(rate);
      expect(placeStartsAtMs(w, 3, 1)).toBe(3 * w.ms);
      expect(placeStartsAtMs(w, 3, w.limit)).toBeLessThan(4 * w.ms);
    }
  });

  it('counts a window full when the place taken was its last', () => {
    const window = rateWindowFor(3);

    expect([1, 2, 3].map((place) => fillsWindow(window, place))).toEqual([false, false, true]);
    expect(fillsWindow(rateWindowFor(0.5), 1)).toBe(true);
  });

  it('waits for full windows until the window current at the start has passed, plus up to a quarter window', () => {
    const second = rateWindowFor(10);
    const twoSeconds = rateWindowFor(0.5);

    expect(fullWindowsWaitMs(5_400, 5_400, second, () => 0)).toBe(600);
    expect(fullWindowsWaitMs(5_400, 5_400, second, () => 0.5)).toBe(725);
    expect(fullWindowsWaitMs(5_400, 5_400, second, () => 0.999_999)).toBeLessThan(850);
    expect(fullWindowsWaitMs(6_000, 6_000, second, () => 0)).toBe(1000);
    expect(fullWindowsWaitMs(6_999, 6_999, second, () => 0)).toBe(1);
    expect(fullWindowsWaitMs(1_000, 1_000, twoSeconds, () => 0.999_999)).toBeLessThan(1_500);
    // The asking took time: counted from the window the pass began in.
    expect(fullWindowsWaitMs(5_400, 5_900, second, () => 0)).toBe(100);
    // It ran into the next window, which brings a new one into reach: no wait beyond the jitter.
    expect(fullWindowsWaitMs(5_900, 6_100, second, () => 0)).toBe(0);
    expect(fullWindowsWaitMs(5_900, 6_100, second, () => 0.999_999)).toBeLessThan(150);
  });

  it('names one counter item per limit and window, living RATE_COUNTER_TTL_SECONDS past the booking', () => {
    const window = rateWindowFor(14);

    expect(rateCounterItem('ses', window, 1_700_000_000, 1_700_000_000_500)).toEqual({
      key: 'send-rate#ses#1700000000',
      limit: 14,
      expiresAtSeconds: 1_700_000_000 + RATE_COUNTER_TTL_SECONDS,
    });
    expect(rateCounterItem('other', window, 7, 7_000).key).not.toBe(
      rateCounterItem('ses', window, 7, 7_000).key,
    );
    // The item outlives every window a sender can still book.
    expect(RATE_COUNTER_TTL_SECONDS * 1000).toBeGreaterThan((LOOKAHEAD_WINDOWS + 1) * rateWindowFor(0.1).ms);
  });
});

describe('the shared send-rate limiter', () => {
  const cases = [
    { rate: 1, senders: 1 },
    { rate: 5, senders: 2 },
    { rate: 8, senders: 3 },
    { rate: 14, senders: 2 },
    { rate: 14, senders: 7 },
    { rate: 20, senders: 3 },
    { rate: 100, senders: 13 },
    { rate: 2.5, senders: 2 },
    { rate: 0.5, senders: 3 },
  ];

  for (const { rate, senders } of cases) {
    it(`lets no window pass ${rate}/s with ${senders} sender(s), loses no send and keeps the rate busy`, async () => {
      const window = rateWindowFor(rate);
      const emails = Math.max(12, Math.round(window.limit * (1000 / window.ms) * 6));

      const { sentAt, counter } = await simulateSenders({
        rate,
        senders,
        inFlight: 4,
        emails,
        startAt: 1_234,
      });

      const perWindow = new Map<number, number>();
      for (const at of sentAt)
        perWindow.set(windowIndexAt(at, window), (perWindow.get(windowIndexAt(at, window)) ?? 0) + 1);
      expect(sentAt).toHaveLength(emails);
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(window.limit);
      expect(Math.max(...counter.counts.values())).toBeLessThanOrEqual(window.limit);
      expect([...counter.counts.values()].reduce((sum, count) => sum + count, 0)).toBe(emails);
      // Every window from the first to the last is used to the full, save the ends.
      const first = windowIndexAt(Math.min(...sentAt), window);
      const last = windowIndexAt(Math.max(...sentAt), window);
      expect(last - first + 1).toBeLessThanOrEqual(Math.ceil(emails / window.limit) + 1);
    });
  }

  it('gives the account’s limit per window whatever the number of senders', async () => {
    const rate = 8;
    const window = rateWindowFor(rate);

    const results = await Promise.all(
      [1, 2, 4, 8].map((senders) => simulateSenders({ rate, senders, inFlight: 5, emails: 40 })),
    );

    for (const { counter } of results) {
      expect([...counter.counts.values()]).toEqual([8, 8, 8, 8, 8]);
      expect(counter.items.map((item) => item.limit)).toEqual(counter.items.map(() => window.limit));
    }
  });

  it('keeps the limit and the pace when every counter write takes a while', async () => {
    const rate = 10;
    const window = rateWindowFor(rate);

    const { sentAt } = await simulateSenders({ rate, senders: 3, inFlight: 8, emails: 200, latencyMs: 90 });

    const perWindow = new Map<number, number>();
    for (const at of sentAt) {
      perWindow.set(windowIndexAt(at, window), (perWindow.get(windowIndexAt(at, window)) ?? 0) + 1);
    }
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(window.limit);
    expect(200 / ((Math.max(...sentAt) - Math.min(...sentAt)) / 1000)).toBeGreaterThan(0.95 * rate);
  });

  it('spaces the sends of a full window evenly instead of bursting at its start', async () => {
    const { sentAt } = await simulateSenders({ rate: 4, senders: 2, inFlight: 4, emails: 8 });

    expect([...sentAt].sort((a, b) => a - b)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750]);
  });

  it('costs one counter write per send in one process: windows seen full are not asked again', async () => {
    const { counter } = await simulateSenders({ rate: 5, senders: 1, inFlight: 20, emails: 60 });

    expect(counter.calls).toBe(60);
  });

  it('asks for the rate once, on the first send', async () => {
    const time = new VirtualTime();
    let asked = 0;
    const limiter = new SharedSendRateLimiter(new MemoryRateCounter(), {
      ratePerSecond: async () => {
        asked += 1;
        return 10;
      },
      now: time.clock,
      sleep: time.sleep,
    });

    await time.run(Promise.all(Array.from({ length: 5 }, () => limiter.acquire())));
    await time.run(limiter.acquire());

    expect(asked).toBe(1);
  });

  it('fails a send when the rate is not positive', async () => {
    const limiter = new SharedSendRateLimiter(new MemoryRateCounter(), { ratePerSecond: async () => 0 });

    await expect(limiter.acquire()).rejects.toThrow(ConfigError);
  });

  it('fails only the send whose counter write failed; the next books as usual', async () => {
    const time = new VirtualTime();
    const counter = new MemoryRateCounter();
    let failNext = true;
    const limiter = new SharedSendRateLimiter(
      {
        takePlace: async (item) => {
          if (failNext) {
            failNext = false;
            throw new Error('state table unavailable');
          }
          return counter.takePlace(item);
        },
      },
      { ratePerSecond: 2, now: time.clock, sleep: time.sleep },
    );

    const first = limiter.acquire();
    const second = limiter.acquire();

    await expect(first).rejects.toThrow('state table unavailable');
    await time.run(second);
    expect([...counter.counts.values()]).toEqual([1]);
  });
});

describe('the backoff of a throttled send', () => {
  it('waits between half and all of base × 2^attempt (equal jitter)', () => {
    for (let attempt = 0; attempt <= 6; attempt += 1) {
      const ceiling = BACKOFF_BASE_MS * 2 ** attempt;

      expect(backoffDelayMs(attempt, BACKOFF_BASE_MS, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, BACKOFF_BASE_MS, () => 0.5)).toBe(Math.round((ceiling * 3) / 4));
      expect(backoffDelayMs(attempt, BACKOFF_BASE_MS, () => 0.999_999)).toBe(ceiling);
    }
    expect(backoffDelayMs(0, 1, () => 0.3)).toBe(1);
  });

  it('spreads the waits evenly over the upper half of the ceiling', () => {
    const random = seededRandom(42);
    const samples = Array.from({ length: 20_000 }, () => backoffDelayMs(2, 250, random));
    const quarters = [0, 0, 0, 0];
    for (const wait of samples) quarters[Math.min(3, Math.floor((wait - 500) / 125))]! += 1;

    expect(Math.min(...samples)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1000);
    expect(samples.reduce((sum, wait) => sum + wait, 0) / samples.length).toBeCloseTo(750, -1);
    for (const count of quarters) expect(count / samples.length).toBeGreaterThan(0.23);
    for (const count of quarters) expect(count / samples.length).toBeLessThan(0.27);
  });

  it('lets at least one whole SES second pass over the retries, and at most 3.75 s', () => {
    const floors = Array.from({ length: THROTTLE_RETRIES }, (_, attempt) =>
      backoffDelayMs(attempt, BACKOFF_BASE_MS, () => 0),
    );
    const ceilings = Array.from({ length: THROTTLE_RETRIES }, (_, attempt) =>
      backoffDelayMs(attempt, BACKOFF_BASE_MS, () => 0.999_999),
    );

    expect(floors.reduce((sum, wait) => sum + wait, 0)).toBe(1875);
    expect(ceilings.reduce((sum, wait) => sum + wait, 0)).toBe(
      longestBackoffMs(THROTTLE_RETRIES, BACKOFF_BASE_MS),
    );
    expect(longestBackoffMs(THROTTLE_RETRIES, BACKOFF_BASE_MS)).toBe(3750);
    expect(SEND_RETRIES).toEqual({ throttleRetries: 4, backoffBaseMs: 250 });
  });

  it('is what sendWithRetries waits between its retries', async () => {
    const mailer = new RecordingMailer();
    mailer.failWith.push(
      ...Array.from({ length: THROTTLE_RETRIES }, () => new MailThrottledError('slow down')),
    );
    const waits: number[] = [];

    const result = await sendWithRetries(
      {
        mailer,
        limiter: { acquire: async () => undefined },
        sleep: async (ms) => {
          waits.push(ms);
        },
        settings: SEND_RETRIES,
      },
      { to: 'reader@example.org', subject: 's', html: '<p>h</p>', text: 't', headers: [], tags: {} },
    );

    expect(result.kind).toBe('sent');
    expect(waits).toHaveLength(THROTTLE_RETRIES);
    waits.forEach((wait, attempt) => {
      const ceiling = BACKOFF_BASE_MS * 2 ** attempt;
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait).toBeLessThanOrEqual(ceiling);
    });
  });
});

describe('claims, deadlines and continuations', () => {
  it('leases a claim longer than a sender lives and shorter than its message stays invisible', () => {
    expect(LEASE_MS).toBeGreaterThan(SEND_QUEUE.consumerTimeoutSeconds * 1000);
    expect(LEASE_MS).toBeLessThan(SEND_QUEUE.visibilityTimeoutSeconds * 1000);
  });

  it('stops starting sends early enough for the last one’s booked wait and every retry', () => {
    const longestBookedWaitMs = (LOOKAHEAD_WINDOWS + 1) * rateWindowFor(1).ms;

    expect(YIELD_MARGIN_MS).toBeGreaterThan(
      longestBookedWaitMs + longestBackoffMs(THROTTLE_RETRIES, BACKOFF_BASE_MS),
    );
    expect(YIELD_MARGIN_MS).toBeLessThan(SEND_QUEUE.consumerTimeoutSeconds * 1000);
  });

  it('keeps twenty sends in flight per sender', () => {
    expect(SEND_CONCURRENCY_PER_JOB * SEND_QUEUE.batchSize).toBe(20);
  });

  it('delays a quota stop’s and a setup problem’s continuation by SQS’s longest delay, a deadline’s not at all', () => {
    expect(continuationDelaySeconds('quota')).toBe(QUOTA_RETRY_DELAY_SECONDS);
    expect(QUOTA_RETRY_DELAY_SECONDS).toBe(900);
    expect(continuationDelaySeconds('configuration', 7)).toBe(CONFIGURATION_RETRY_DELAY_SECONDS);
    expect(CONFIGURATION_RETRY_DELAY_SECONDS).toBe(MAX_QUEUE_DELAY_SECONDS);
    expect(continuationDelaySeconds('deadline')).toBe(0);
    expect(continuationDelaySeconds(undefined)).toBe(0);
  });

  it('backs a throttled continuation off from 5–10 s, doubling each hand-on in a row, to at most 5 minutes', () => {
    const floors = [1, 2, 3, 4, 5, 6, 9].map((handOns) =>
      continuationDelaySeconds('throttled', handOns, () => 0),
    );
    const ceilings = [1, 2, 3, 4, 5, 6, 9].map((handOns) =>
      continuationDelaySeconds('throttled', handOns, () => 1),
    );

    expect(floors).toEqual([5, 10, 20, 40, 80, 150, 150]);
    expect(ceilings).toEqual([10, 20, 40, 80, 160, 300, 300]);
    expect(THROTTLED_HAND_ON_BASE_SECONDS).toBe(10);
    expect(THROTTLED_HAND_ON_MAX_SECONDS).toBe(300);
  });

  it('backs an unavailable SES off from 30–60 s to SQS’s longest delay, never past it', () => {
    const ceilings = [1, 2, 3, 4, 5, 40].map((handOns) =>
      continuationDelaySeconds('unavailable', handOns, () => 1),
    );

    expect(continuationDelaySeconds('unavailable', 1, () => 0)).toBe(UNAVAILABLE_HAND_ON_BASE_SECONDS / 2);
    expect(ceilings).toEqual([60, 120, 240, 480, 900, 900]);
    expect(MAX_QUEUE_DELAY_SECONDS).toBe(900);
  });

  it('reaches past a 45-minute outage within the first handful of hand-ons, and keeps trying every 7.5–15 minutes', () => {
    const slowest = (handOns: number) =>
      Array.from({ length: handOns }, (_, index) =>
        continuationDelaySeconds('unavailable', index + 1, () => 1),
      ).reduce((sum, seconds) => sum + seconds, 0);

    expect(slowest(6)).toBeGreaterThanOrEqual(45 * 60);
    expect(slowest(6)).toBeLessThan(60 * 60);
  });

  it('counts a stall from the first hand-on SES caused, and starts again when the job got an email through', () => {
    const first = new Date('2026-11-23T09:00:00Z');
    const later = new Date('2026-11-23T09:10:00Z');
    const stall = stallAfter(undefined, 'unavailable', false, first);

    expect(stall).toEqual({ since: first.toISOString(), handOns: 1 });
    expect(stallAfter(stall, 'throttled', false, later)).toEqual({ since: first.toISOString(), handOns: 2 });
    expect(stallAfter(stall, 'unavailable', true, later)).toEqual({ since: later.toISOString(), handOns: 1 });
    expect(stallAfter(stall, 'deadline', false, later)).toBeUndefined();
  });

  it('gives a stalled job up after a day, except at the daily quota', () => {
    const since = new Date('2026-11-23T09:00:00Z');
    const stall = { since: since.toISOString(), handOns: 120 };
    const justBefore = new Date(since.getTime() + STALL_HORIZON_MS - 1);
    const atHorizon = new Date(since.getTime() + STALL_HORIZON_MS);

    expect(STALL_HORIZON_MS).toBe(24 * 3600 * 1000);
    expect(STALL_HORIZON_MS).toBeLessThan(SEND_QUEUE.messageRetentionSeconds * 1000);
    expect(outlivedStallHorizon(stall, 'unavailable', justBefore)).toBe(false);
    for (const interruption of ['unavailable', 'throttled', 'configuration'] as const) {
      expect(outlivedStallHorizon(stall, interruption, atHorizon), interruption).toBe(true);
    }
    expect(outlivedStallHorizon(stall, 'quota', atHorizon)).toBe(false);
    expect(outlivedStallHorizon(undefined, 'unavailable', atHorizon)).toBe(false);
  });
});

describe('sender concurrency', () => {
  // Moved from test/infra/settings.test.ts with the rule it checks.
  it('is enough senders to fill the SES rate, at least 2 and at most 50', () => {
    expect(senderSizing(1).concurrency).toBe(2);
    expect(senderSizing(14).concurrency).toBe(2);
    expect(senderSizing(50).concurrency).toBe(7);
    expect(senderSizing(100).concurrency).toBe(13);
    expect(senderSizing(5_000).concurrency).toBe(50);
  });

  it('adds a sender for every EMAILS_PER_SENDER_PER_SECOND of rate, between the bounds', () => {
    expect(senderSizing(16).concurrency).toBe(2);
    expect(senderSizing(16.5).concurrency).toBe(3);
    expect(senderSizing(24).concurrency).toBe(3);
    expect(senderSizing(400).concurrency).toBe(50);
    expect(senderSizing(401).concurrency).toBe(50);
    expect(senderSizing(0.2).concurrency).toBe(MIN_SENDER_CONCURRENCY);
    expect(senderSizing(14).emailsPerSenderPerSecond).toBe(EMAILS_PER_SENDER_PER_SECOND);
  });

  it('never sizes below the rate it was derived from until the ceiling, and never shrinks as the rate grows', () => {
    let previous = 0;
    for (let rate = 0.5; rate <= 1_000; rate += 0.5) {
      const { concurrency, emailsPerSenderPerSecond } = senderSizing(rate);

      expect(concurrency).toBeGreaterThanOrEqual(previous);
      if (concurrency < MAX_SENDER_CONCURRENCY) {
        expect(concurrency * emailsPerSenderPerSecond).toBeGreaterThanOrEqual(rate);
      }
      previous = concurrency;
    }
  });
});
