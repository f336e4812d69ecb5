/**
 * Fixed-window request counters (per client, per action), for the API's own abuse limits.
 * One conditional write per request; the counter item expires with its window.
 */
export interface RequestCounter {
  /**
   * Counts one request against `key` in the window starting at `windowStart`, unless the window
   * already holds `limit`; true when this request is within the limit.
   */
  take(key: string, windowStart: Date, windowMs: number, limit: number): Promise<boolean>;
}
