import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * An SES stand-in with SES's limits: a loopback proxy in front of aws-ses-v2-local that lets at
 * most `ratePerSecond` SendEmail calls through per second (a token bucket holding one second's
 * worth) and answers the rest as SES does — HTTP 429 TooManyRequestsException, "Maximum sending
 * rate exceeded." — or, once `quotaExceeded` is set, with the daily-quota error, or with whatever
 * `refuseWith` answers (an outage's 503, an unverified identity…). Everything else (the mail
 * store, GetAccount) passes through untouched.
 */
export interface ThrottlingSesProxy {
  readonly endpoint: string;
  /** Epoch ms of every SendEmail let through, in order. */
  readonly accepted: number[];
  throttled: number;
  quotaExceeded: boolean;
  /** SendEmail calls let through per second; 0 throttles every one (SES under persistent throttling). */
  ratePerSecond: number;
  /** Asked before every SendEmail: an answer refuses it so, undefined lets it through. */
  refuseWith: (() => SesRefusal | undefined) | undefined;
  /** SendEmail calls refused by `refuseWith`. */
  readonly refused: number;
  stop(): Promise<void>;
}

/** An error answer as SES gives it: HTTP status, error type (x-amzn-errortype) and message. */
export interface SesRefusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** SES in a regional outage. */
export const SES_UNAVAILABLE: SesRefusal = {
  status: 503,
  type: 'ServiceUnavailable',
  message: 'Service is unavailable. Please try again.',
};

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

/** An SES v2 error answer, as the SDK reads it: the status, the error type header, a message. */
export function refuseLikeSes(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ message }));
}

/** What the proxy saw, for a benchmark that runs it in another process. */
export const PROXY_STATS_PATH = '/__throttling-proxy/stats';

export async function startThrottlingSesProxy(
  upstream: string,
  ratePerSecond: number,
): Promise<ThrottlingSesProxy> {
  const target = new URL(upstream);
  let tokens = ratePerSecond;
  let refilledAt = performance.now();
  const takeToken = () => {
    if (ratePerSecond <= 0) return false;
    const now = performance.now();
    tokens = Math.min(ratePerSecond, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const state = {
    accepted: [] as number[],
    throttled: 0,
    quotaExceeded: false,
    refuseWith: undefined as ThrottlingSesProxy['refuseWith'],
    refused: 0,
  };
  const refuse = refuseLikeSes;
  const forward = (incoming: IncomingMessage, response: ServerResponse) => {
    const upstreamRequest = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    upstreamRequest.on('error', () => refuse(response, 502, 'InternalFailure', 'upstream unavailable'));
    incoming.pipe(upstreamRequest);
  };

  const server: Server = createServer((incoming, response) => {
    if (incoming.method === 'GET' && incoming.url === PROXY_STATS_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ accepted: state.accepted, throttled: state.throttled }));
      return;
    }
    if (incoming.method === 'POST' && incoming.url?.startsWith(SEND_EMAIL_PATH)) {
      const refusal = state.refuseWith?.();
      if (refusal) {
        state.refused += 1;
        incoming.resume();
        refuse(response, refusal.status, refusal.type, refusal.message);
        return;
      }
      if (state.quotaExceeded) {
        incoming.resume();
        refuse(response, 400, 'LimitExceededException', 'Daily message quota exceeded.');
        return;
      }
      if (!takeToken()) {
        state.throttled += 1;
        incoming.resume();
        refuse(response, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
        return;
      }
      state.accepted.push(Date.now());
    }
    forward(incoming, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('throttling proxy did not start');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get accepted() {
      return state.accepted;
    },
    get throttled() {
      return state.throttled;
    },
    set throttled(value: number) {
      state.throttled = value;
    },
    get quotaExceeded() {
      return state.quotaExceeded;
    },
    set quotaExceeded(value: boolean) {
      state.quotaExceeded = value;
    },
    get ratePerSecond() {
      return ratePerSecond;
    },
    set ratePerSecond(value: number) {
      ratePerSecond = value;
      tokens = Math.min(tokens, value);
    },
    get refuseWith() {
      return state.refuseWith;
    },
    set refuseWith(value: ThrottlingSesProxy['refuseWith']) {
      state.refuseWith = value;
    },
    get refused() {
      return state.refused;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends per second achieved between the first and the last accepted send. */
export function achievedRate(accepted: readonly number[]): number {
  if (accepted.length < 2) return 0;
  return ((accepted.length - 1) * 1000) / (accepted.at(-1)! - accepted[0]!);
}
