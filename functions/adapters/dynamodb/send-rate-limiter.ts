import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SendRateLimiter } from '../../ports/send-rate-limiter.ts';
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
/** How many windows past the current one a sender may book ahead before it waits. */
const LOOKAHEAD_WINDOWS = 2;

/**
 * The account's SES send rate, held across every concurrent sender: each window of time (a
 * second, for rates of at least one a second) is one counter item in the state table, and a send
 * may start only after a conditional `ADD count 1` on the current window succeeded — the
 * condition `count < limit` is checked by DynamoDB itself, so no number of Lambdas can overshoot.
 * The counter's new value is also the caller's place in the window: the n-th sender of a window
 * waits until n/rate into it, so sends are spread evenly instead of bursting at each window's start.
 * A full window sends the caller on to book a place in the next ones (a couple of seconds ahead
 * at most), so waiting senders queue up in order instead of all retrying at each new second.
 * Within one process bookings are made one at a time, and windows seen full are not asked
 * again: twenty sends in flight in a Lambda cost one conditional write each, not one per retry.
 */
export class DynamoSendRateLimiter implements SendRateLimiter {
  private readonly name: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private window: Promise<{ ms: number; limit: number }> | undefined;
  /** The tail of this process's queue of bookings. */
  private booking: Promise<unknown> = Promise.resolve();
  /** Windows before this one are known to be full. */
  private firstOpenWindow = 0;

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
    const booked = this.booking.then(() => this.book(ms, limit));
    this.booking = booked.catch(() => undefined);
    const wait = (await booked) - this.now();
    if (wait > 0) await this.sleep(wait);
  }

  /** Books one place and returns when (epoch ms) it may be used. */
  private async book(ms: number, limit: number): Promise<number> {
    for (;;) {
      const current = Math.floor(this.now() / ms);
      for (
        let index = Math.max(current, this.firstOpenWindow);
        index <= current + LOOKAHEAD_WINDOWS;
        index += 1
      ) {
        const place = await this.takePlace(index, limit);
        if (place === undefined || place >= limit) this.firstOpenWindow = index + 1;
        if (place !== undefined) return index * ms + ((place - 1) * ms) / limit;
      }
      // Every window in reach is booked: come back when the first of them has passed.
      await this.sleep((current + 1) * ms - this.now() + Math.random() * (ms / 4));
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
