import { getConnInfo, handle, type LambdaEvent } from 'hono/aws-lambda';
import type { Context, Hono } from 'hono';
import { createApi } from '../api/app.ts';
import { appContext, withRequestContext } from './cold-start.ts';

let api: Hono | undefined;

/** The caller's address as API Gateway saw it (requestContext.http.sourceIp of an HTTP API event). */
export const lambdaClientIp = (c: Context): string => getConnInfo(c).remote.address ?? 'unknown';

/** API Gateway HTTP API → the Hono app (the same one the local server runs). */
export const handler = withRequestContext(async (event: LambdaEvent, lambda) => {
  api ??= createApi(await appContext(), { clientIp: lambdaClientIp });
  return handle(api)(event, lambda);
});
