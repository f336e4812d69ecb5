import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SendRateLimiter } from '../../ports/index.ts';
import { isConditionFailure } from './batch.ts';

export interface SendRateLimiterOptions {
  /** Emails per second for all senders together, or how to find it out (SES GetAccount), once. */
  readonly ratePerSecond: number | (() => Promise<number>);
  /** Names the counter, so two limits in one table (or two test worlds) never share one. */
  readonly name?: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Counter items live two minutes past their window: DynamoDB TTL tidies them up. */
const COUNTER_TTL_SECONDS = 120;

/**
 * The account's SES send rate, held across every concurrent sender: each window of time (a
 * second, for rates of at least one a second) is one counter item in the state table, and a send
 * may start only after a conditional `ADD count 1` on the current window succeeded — the
 * condition `count < limit` is checked by DynamoDB itself, so no number of Lambdas can overshoot.
 * The counter's new value is also the caller's place in the window: the n-th sender of a window
 * waits until n/rate into it, so sends are spread evenly instead of bursting at each window's start.
 * A full window makes the caller wait for the next one (with a little jitter).
 */
export class DynamoSendRateLimiter implements SendRateLimiter {
  private readonly name: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private window: Promise<{ ms: number; limit: number }> | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: SendRateLimiterOptions,
  ) {
    this.name = options.name ?? 'ses';
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async acquire(): Promise<void> {
    const { ms, limit } = await (this.window ??= this.resolveWindow());
    for (;;) {
      const now = this.now();
      const index = Math.floor(now / ms);
      const place = await this.takePlace(index, limit);
      if (place !== undefined) {
        const slotStart = index * ms + ((place - 1) * ms) / limit;
        if (slotStart > now) await this.sleep(slotStart - now);
        return;
      }
      await this.sleep((index + 1) * ms - now + Math.random() * 10);
    }
  }

  /** Rates of one a second or more count per second; slower ones get one send per 1/rate. */
  private async resolveWindow(): Promise<{ ms: number; limit: number }> {
    const rate =
      typeof this.options.ratePerSecond === 'number'
        ? this.options.ratePerSecond
        : await this.options.ratePerSecond();
    if (!(rate > 0)) throw new Error(`send rate must be positive, got ${rate}`);
    return rate >= 1 ? { ms: 1000, limit: Math.floor(rate) } : { ms: Math.ceil(1000 / rate), limit: 1 };
  }

  /** The caller's 1-based place in the window, or undefined when the window is full. */
  private async takePlace(index: number, limit: number): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `send-rate#${this.name}#${index}` },
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expires': Math.floor(this.now() / 1000) + COUNTER_TTL_SECONDS,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.count ?? 1);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
