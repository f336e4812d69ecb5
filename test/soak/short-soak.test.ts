import { describe, expect, it } from 'vitest';
import { runSoak } from '../../soak/soak.ts';

/**
 * The chaos soak in small (`npm run soak` is the full ten weeks × 2,000 readers): two simulated
 * weeks, 200 readers, ten sources, every fault kind on, a fixed seed. It starts its own
 * stand-ins. The assertions are the soak's own weekly checks: any violation fails the test, and
 * the printed report says which promise broke and for whom.
 */
describe('the short chaos soak', () => {
  it('keeps every promise for two weeks of 200 readers under injected faults', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    const result = await runSoak({
      seed: 7,
      weeks: 2,
      people: 200,
      sources: 10,
      worksPerSourcePerDay: 3,
      print: (line) => lines.push(line),
    });

    // Assess
    expect(result.violations, lines.join('\n')).toBe(0);
    expect(lines.filter((line) => line.startsWith('week '))).toEqual([
      'week 1 (weekly-2026-W10) — all promises kept',
      'week 2 (weekly-2026-W11) — all promises kept',
    ]);
    // The faults really happened, and the world really lived: digests went out, some readers left.
    expect(result.digests).toBeGreaterThan(200);
    for (const kind of [
      'sesThrottled',
      'sesServerErrors',
      'duplicateDeliveries',
      'poisonMessages',
      'dynamoThrottled',
    ])
      expect(result.faultsInjected[kind], kind).toBeGreaterThan(0);
    expect(result.faultsInjected.feedTimeouts! + result.faultsInjected.feedTruncated!).toBeGreaterThan(0);
  });
});
