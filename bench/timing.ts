/**
 * `npm run check:timing [-- --requests 300 --seed 1]`
 *
 * Issue 15, finding 1: can a stranger tell who reads the digest with a stopwatch? For each of the
 * two requests anyone can make by typing an address — `POST /subscribe` and "email me a link"
 * (`POST /manage`) — it times `--requests` requests per address state (unknown, pending,
 * confirmed, unsubscribed, erased, bounced; a fresh address each, so no limit kicks in), in a
 * shuffled order, against the real app on the stand-ins (in a process of their own, as the
 * benchmarks run them). It prints each state's median, the largest difference between two
 * states' medians, and the accuracy of the best single-threshold classifier between any two
 * states (5-fold cross-validated: the threshold is chosen on four folds and scored on the fifth).
 * 50 % is chance; the check fails above 60 %. A check, not a timed test: the figures belong in
 * docs/performance.md with the date and machine. The last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createApi } from '../functions/api/app.ts';
import { newSubscriber } from '../functions/core/subscribers/subscriber.ts';
import { newInstance } from '../functions/core/subscribers/subscriber-ids.ts';
import { CONFIRMATION_INTERVAL_MS, PENDING_LIFETIME_MS } from '../functions/core/subscribers/link-emails.ts';
import { DEFAULT_DELIVERY_SLOT, type SubscriberStatus } from '../functions/model/subscribers.ts';
import { createWorld, type TestWorld } from '../testkit/test-world.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
  },
});
const perState = Number(args.requests);
const random = mulberry32(Number(args.seed));

const STATES = ['unknown', 'pending', 'confirmed', 'unsubscribed', 'erased', 'bounced'] as const;
type State = (typeof STATES)[number];
const ENDPOINTS = ['/subscribe', '/manage'] as const;
const WARM_UP = 50;
const LIMIT = 0.6;

/** An address in `state`, stored the way the product stores it. */
async function addressIn(world: TestWorld, state: State, label: string): Promise<string> {
  const email = world.email(label);
  const { subscribers, subscriberIds, sealer } = world.context;
  const now = new Date();
  if (state === 'unknown') return email;
  if (state === 'pending') {
    await subscribers.putPending(
      {
        subscriberId: subscriberIds.idFor(email),
        instance: newInstance(),
        sealedEmail: sealer.seal(email, 'pending-address'),
        topics: ['car-t'],
        delivery: DEFAULT_DELIVERY_SLOT,
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + PENDING_LIFETIME_MS).toISOString(),
      },
      now,
      CONFIRMATION_INTERVAL_MS,
    );
    return email;
  }
  const status: SubscriberStatus = state === 'erased' ? 'confirmed' : state;
  const reader = newSubscriber({ email, topics: ['car-t'], status }, now, subscriberIds);
  await subscribers.create(reader);
  if (state === 'erased') await subscribers.erase(reader.subscriberId, now);
  return email;
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, 'stand-ins-process.ts')],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
const endpoints = JSON.parse(String(firstLine.value)) as { dynamodb: string; ses: string; sqs: string };
try {
  const world = await createWorld(endpoints, { mjmlValidation: 'soft' });
  // Each request from an address of its own: the per-IP limit counts (one write) but never refuses.
  const api = createApi(world.context, { clientIp: (c) => c.req.header('x-bench-ip') ?? '192.0.2.1' });
  let requestNumber = 0;
  const timed = async (endpoint: string, email: string): Promise<number> => {
    requestNumber += 1;
    const ip = `10.${(requestNumber >> 16) & 255}.${(requestNumber >> 8) & 255}.${requestNumber & 255}`;
    const fields =
      endpoint === '/subscribe'
        ? [
            ['email', email],
            ['topics', 'car-t'],
          ]
        : [['email', email]];
    const started = performance.now();
    const response = await api.request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-bench-ip': ip },
      body: new URLSearchParams(fields).toString(),
    });
    await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 202) throw new Error(`${endpoint} answered ${response.status}, not 202`);
    return elapsed;
  };

  // Prepare: a fresh address in each state for every request, so no per-address limit applies.
  const plan: { endpoint: (typeof ENDPOINTS)[number]; state: State; email: string }[] = [];
  for (const endpoint of ENDPOINTS) {
    for (const state of STATES) {
      for (let index = 0; index < perState; index += 1) {
        const label = `${endpoint.slice(1)}-${state}-${index}`;
        plan.push({ endpoint, state, email: await addressIn(world, state, label) });
      }
    }
  }
  shuffle(plan, random);
  for (let index = 0; index < WARM_UP; index += 1)
    await timed(ENDPOINTS[index % 2]!, world.email(`warm-up-${index}`));

  // Act: every request, in the shuffled order, timed from the request to the last byte of the answer.
  const samples = new Map<string, number[]>();
  for (const { endpoint, state, email } of plan) {
    const key = `${endpoint} ${state}`;
    const list = samples.get(key) ?? [];
    list.push(await timed(endpoint, email));
    samples.set(key, list);
  }

  // Assess.
  const results = Object.fromEntries(
    ENDPOINTS.map((endpoint) => {
      const byState = new Map(STATES.map((state) => [state, samples.get(`${endpoint} ${state}`)!]));
      const medians = Object.fromEntries(STATES.map((state) => [state, round(median(byState.get(state)!))]));
      let maxMedianDifferenceMs = 0;
      let classifierAccuracy = 0;
      let hardestPair = '';
      for (const [i, a] of STATES.entries()) {
        for (const b of STATES.slice(i + 1)) {
          const difference = Math.abs(median(byState.get(a)!) - median(byState.get(b)!));
          maxMedianDifferenceMs = Math.max(maxMedianDifferenceMs, difference);
          const accuracy = crossValidatedThresholdAccuracy(byState.get(a)!, byState.get(b)!, 5, random);
          if (accuracy > classifierAccuracy) {
            classifierAccuracy = accuracy;
            hardestPair = `${a}/${b}`;
          }
        }
      }
      console.log(
        `${endpoint}: medians (ms) ${STATES.map((state) => `${state} ${medians[state]}`).join(', ')}; ` +
          `largest median difference ${round(maxMedianDifferenceMs)} ms; best threshold classifier ` +
          `${(classifierAccuracy * 100).toFixed(1)} % (${hardestPair})`,
      );
      return [
        endpoint.slice(1),
        {
          medianMs: medians,
          maxMedianDifferenceMs: round(maxMedianDifferenceMs),
          classifierAccuracy: round(classifierAccuracy, 3),
          hardestPair,
        },
      ];
    }),
  ) as Record<string, { classifierAccuracy: number; maxMedianDifferenceMs: number }>;
  world.stop();

  const maxAccuracy = Math.max(...Object.values(results).map((result) => result.classifierAccuracy));
  const ok = maxAccuracy <= LIMIT;
  console.log(
    JSON.stringify({
      check: 'timing',
      requestsPerState: perState,
      states: STATES.length,
      ...results,
      maxClassifierAccuracy: maxAccuracy,
      limit: LIMIT,
      cpus: cpus().length,
      load: round(loadavg()[0]!),
      ok,
    }),
  );
  if (!ok) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}

/**
 * The accuracy of the best single threshold telling `a` from `b`, k-fold cross-validated: the
 * threshold and its direction are chosen on k−1 folds and scored on the one left out. Classes of
 * equal size, so 0.5 is chance.
 */
function crossValidatedThresholdAccuracy(
  a: readonly number[],
  b: readonly number[],
  folds: number,
  rng: () => number,
): number {
  const size = Math.min(a.length, b.length);
  const labelled = [
    ...shuffle([...a], rng)
      .slice(0, size)
      .map((value) => ({ value, label: 0 })),
    ...shuffle([...b], rng)
      .slice(0, size)
      .map((value) => ({ value, label: 1 })),
  ];
  shuffle(labelled, rng);
  let correct = 0;
  for (let fold = 0; fold < folds; fold += 1) {
    const test = labelled.filter((_, index) => index % folds === fold);
    const train = labelled.filter((_, index) => index % folds !== fold);
    const { threshold, aboveIs } = bestThreshold(train);
    for (const { value, label } of test)
      if ((value > threshold ? aboveIs : 1 - aboveIs) === label) correct += 1;
  }
  return correct / labelled.length;
}

/** The threshold (and which class lies above it) that sorts the training samples best. */
function bestThreshold(samples: readonly { value: number; label: number }[]): {
  threshold: number;
  aboveIs: number;
} {
  const sorted = [...samples].sort((x, y) => x.value - y.value);
  const total = [0, 0];
  for (const { label } of sorted) total[label]! += 1;
  const below = [0, 0];
  let best = { accuracy: -1, threshold: -Infinity, aboveIs: 1 };
  for (let index = -1; index < sorted.length; index += 1) {
    if (index >= 0) below[sorted[index]!.label]! += 1;
    if (index >= 0 && index + 1 < sorted.length && sorted[index + 1]!.value === sorted[index]!.value)
      continue;
    const threshold = index < 0 ? -Infinity : sorted[index]!.value;
    for (const aboveIs of [0, 1]) {
      // Correct: the other class below the threshold, `aboveIs` above it.
      const right = below[1 - aboveIs]! + (total[aboveIs]! - below[aboveIs]!);
      if (right > best.accuracy) best = { accuracy: right, threshold, aboveIs };
    }
  }
  return best;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(rng() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

/** A small seeded generator: the same seed, the same order and folds. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
