import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The soak's randomness, all of it derived from one seed. Two kinds:
 *
 * - streams (`Random`), for plans drawn in a fixed order (the population, the publications);
 * - decisions keyed by what they are about (`Seeded.chance('ses:reader-7:weekly-2026-W10:2', p)`),
 *   for faults met by concurrent code: whichever order the senders reach SES in, the same email's
 *   same attempt gets the same answer, so a seed replays the same faults.
 */
export class Random {
  private readonly generator: RandomGenerator;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One item, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [item, weight] of items) {
      point -= weight;
      if (point < 0) return item;
    }
    return items.at(-1)![0];
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    for (let index = pool.length - 1; index > 0; index -= 1) {
      const other = Math.floor(this.next() * (index + 1));
      [pool[index], pool[other]] = [pool[other]!, pool[index]!];
    }
    return pool.slice(0, count);
  }

  /** Poisson-distributed count with this mean (Knuth's method: the means here are small). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let product = this.next();
    let count = 0;
    while (product > limit) {
      count += 1;
      product *= this.next();
    }
    return count;
  }
}

/** Decisions and streams derived from the soak's seed by name. */
export class Seeded {
  constructor(readonly seed: number) {}

  /** An independent stream for one purpose ("population", "works", "kills:week-3"). */
  stream(purpose: string): Random {
    return new Random(this.hash(`stream:${purpose}`));
  }

  /** A fraction in [0, 1) fixed by the seed and the key. */
  fraction(key: string): number {
    return this.hash(key) / 0x1_0000_0000;
  }

  chance(key: string, probability: number): boolean {
    return probability > 0 && this.fraction(key) < probability;
  }

  private hash(key: string): number {
    return createHash('sha256').update(`${this.seed}:${key}`).digest().readUInt32BE(0);
  }
}
