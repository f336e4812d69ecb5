import type { Context, MiddlewareHandler } from 'hono';
import type { RequestCounter } from '../ports/request-counter.ts';
import type { Clock } from '../ports/clock.ts';
import { hashClientIp } from '../core/subscribers/consent.ts';
import { respondWith } from './respond.ts';

export interface RateLimitSettings {
  /** Requests one client may make per window. */
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitDependencies {
  readonly counter: RequestCounter;
  readonly clock: Clock;
  /** Keys the hash of client IPs: counters never hold an address. */
  readonly ipHashKey: string;
  readonly clientIp: (c: Context) => string;
}

/**
 * A per-IP limit on the requests that can make us send an email. Locally it is the only
 * throttle; in the cloud API Gateway throttling caps the total rate in front of it. The answer to
 * an over-limit request is 429 with Retry-After, and it says nothing about any address.
 */
export function perIpRateLimit(
  scope: string,
  settings: RateLimitSettings,
  deps: RateLimitDependencies,
): MiddlewareHandler {
  const windowMs = settings.windowSeconds * 1000;
  return async (c, next) => {
    const now = deps.clock.now().getTime();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const client = hashClientIp(deps.ipHashKey, deps.clientIp(c), 'rate-limit');
    if (await deps.counter.take(`${scope}#${client}`, new Date(windowStart), windowMs, settings.limit)) {
      return next();
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    c.header('Retry-After', String(retryAfterSeconds));
    const minutes = Math.ceil(retryAfterSeconds / 60);
    return respondWith(c, {
      status: 429,
      title: 'Too many requests',
      message: `We have had many requests from your network in the last few minutes. Please try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`,
      json: { error: 'rate_limited', retryAfterSeconds },
    });
  };
}
