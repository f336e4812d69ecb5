import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

describe('DynamoSourceStateStore on dynalite', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(() => world.stop());

  it('reads many states at once, leaving out sources never seen', async () => {
    // Prepare
    const store = world.context.sourceState;
    await store.recordSuccess(
      'many-a',
      new Date('2026-11-20T10:00:00Z'),
      { etag: '"a"' },
      'https://a.test/feed',
    );
    await store.recordFailure('many-b', new Date('2026-11-20T10:00:00Z'), 'timeout: no answer');
    const ids = [...Array.from({ length: 120 }, (_, index) => `never-${index}`), 'many-a', 'many-b'];

    // Act
    const states = await store.getMany(ids);

    // Assess
    expect([...states.keys()].sort()).toEqual(['many-a', 'many-b']);
    expect(states.get('many-a')).toMatchObject({
      etag: '"a"',
      validatorsUrl: 'https://a.test/feed',
      consecutiveFailures: 0,
    });
    expect(states.get('many-b')).toMatchObject({ consecutiveFailures: 1, lastError: 'timeout: no answer' });
  });

  it('records successes in batches: validators replaced, failures reset, the last error kept', async () => {
    // Prepare
    const store = world.context.sourceState;
    await store.recordSuccess(
      'batch-0',
      new Date('2026-11-20T10:00:00Z'),
      { etag: '"old"' },
      'https://old.test/feed',
    );
    await store.recordFailure('batch-0', new Date('2026-11-21T10:00:00Z'), 'http-status: 503');
    const previous = (await store.get('batch-0'))!;
    const at = new Date('2026-11-22T10:00:00Z');
    const successes = Array.from({ length: 30 }, (_, index) => ({
      sourceId: `batch-${index}`,
      at,
      conditions: index === 0 ? { lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT' } : { etag: `"v${index}"` },
      url: `https://batch-${index}.test/feed`,
      ...(index === 0 ? { previous } : {}),
    }));

    // Act
    await store.recordSuccesses(successes);

    // Assess
    const states = await store.getMany(successes.map((success) => success.sourceId));
    expect(states.size).toBe(30);
    expect(states.get('batch-0')).toEqual({
      sourceId: 'batch-0',
      consecutiveFailures: 0,
      lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT',
      validatorsUrl: 'https://batch-0.test/feed',
      lastSuccessAt: at.toISOString(),
      lastFailureAt: '2026-11-21T10:00:00.000Z',
      lastError: 'http-status: 503',
    });
    expect(states.get('batch-29')).toMatchObject({ etag: '"v29"', consecutiveFailures: 0 });
  });
});
