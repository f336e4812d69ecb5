import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { IngestBusyError } from '../../core/errors.ts';
import { isConditionFailure } from './batch.ts';

export interface LeaseSettings {
  /** How long a lease lives without renewal: how long a crashed writer blocks the next one. */
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  /** The lease counts as lost this long before it would expire, so a write never races expiry. */
  readonly safetyMarginMs: number;
  readonly pollEveryMs: number;
}

export const DEFAULT_LEASE_SETTINGS: LeaseSettings = {
  ttlMs: 60_000,
  renewEveryMs: 15_000,
  safetyMarginMs: 10_000,
  pollEveryMs: 250,
};

/**
 * A lease on one item, with a heartbeat: the conditional write that makes one process the only
 * writer of a table's articles and claims. Times are wall-clock (Date.now), never the injected
 * domain clock: a lease is about live processes, not about the simulated week.
 */
export class WriterLease {
  private readonly token = randomUUID();
  private readonly owner = `${hostname()}:${process.pid}`;
  private heldUntil = 0;
  private lost = false;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly pk: string,
    private readonly settings: LeaseSettings,
  ) {}

  /**
   * Takes the lease, polling while another holder keeps it, for at most `waitMs`.
   *
   * @throws IngestBusyError naming the holder and when its lease ends.
   */
  static async acquire(
    client: DynamoDBDocumentClient,
    tableName: string,
    pk: string,
    waitMs: number,
    settings: LeaseSettings = DEFAULT_LEASE_SETTINGS,
  ): Promise<WriterLease> {
    const lease = new WriterLease(client, tableName, pk, settings);
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await lease.tryTake()) {
        lease.startHeartbeat();
        return lease;
      }
      if (Date.now() >= deadline) throw await lease.busyError(waitMs);
      await sleep(Math.min(settings.pollEveryMs * (0.5 + Math.random()), Math.max(0, deadline - Date.now())));
    }
  }

  /** @throws IngestBusyError once the lease is lost or too close to expiry to write under. */
  assertHeld(): void {
    if (this.lost || Date.now() > this.heldUntil - this.settings.safetyMarginMs) {
      this.lost = true;
      throw new IngestBusyError(
        'the article writer lost its lease (renewal failed or another writer took over); nothing more is written in this run',
      );
    }
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.lost) return;
    this.lost = true;
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: this.pk },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': this.token },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async tryTake(): Promise<boolean> {
    const startedAt = Date.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: this.pk,
            kind: 'lease',
            token: this.token,
            owner: this.owner,
            acquiredAt: new Date(startedAt).toISOString(),
            expiresAtMs: startedAt + this.settings.ttlMs,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now',
          ExpressionAttributeValues: { ':now': startedAt },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    this.heldUntil = startedAt + this.settings.ttlMs;
    return true;
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => void this.renew(), this.settings.renewEveryMs);
    // A forgotten lease must not keep a CLI process alive; it expires on its own.
    this.heartbeat.unref();
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const startedAt = Date.now();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk },
          UpdateExpression: 'SET expiresAtMs = :until',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':until': startedAt + this.settings.ttlMs, ':token': this.token },
        }),
      );
      this.heldUntil = startedAt + this.settings.ttlMs;
    } catch (error) {
      // Taken by another writer: stop. Any other error: keep the old expiry and try again next beat.
      if (isConditionFailure(error)) this.lost = true;
    }
  }

  private async busyError(waitMs: number): Promise<IngestBusyError> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: this.pk }, ConsistentRead: true }),
    );
    const holder = Item
      ? `${String(Item.owner)} until ${new Date(Number(Item.expiresAtMs)).toISOString()}`
      : 'unknown';
    return new IngestBusyError(
      `another ingest is writing articles (lease held by ${holder}); waited ${Math.round(waitMs / 1000)} s`,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
