/** The time, injected: unit tests and the soak run on a clock they move themselves. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
