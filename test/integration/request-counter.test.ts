import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

/**
 * The DynamoDB request counter on dynalite. (The subscriber store's erasure and email claims,
 * tested here before, are in its contract now: test/contracts/subscriber-store.contract.ts,
 * run on the fake and on dynalite.)
 */
describe('the request counter on DynamoDB', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(() => world.stop());

  it('never lets racing requests past a fixed-window limit, and starts each window afresh', async () => {
    const { requestCounter } = world.context;
    const window = new Date('2026-11-25T12:00:00.000Z');

    const taken = await Promise.all(
      Array.from({ length: 30 }, () => requestCounter.take('client-a', window, 600_000, 10)),
    );
    const nextWindow = await requestCounter.take(
      'client-a',
      new Date(window.getTime() + 600_000),
      600_000,
      10,
    );
    const otherClient = await requestCounter.take('client-b', window, 600_000, 10);

    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(nextWindow).toBe(true);
    expect(otherClient).toBe(true);
  });
});
