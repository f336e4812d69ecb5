import { getConnInfo, handle, type LambdaEvent } from 'hono/aws-lambda';
import type { Hono } from 'hono';
import { createApi } from '../api/app.ts';
import { appContext } from './cold-start.ts';

let api: Hono | undefined;

/** API Gateway HTTP API → the Hono app (the same one the local server runs). */
export const handler = async (event: LambdaEvent, lambdaContext: unknown) => {
  api ??= createApi(await appContext(), { clientIp: (c) => getConnInfo(c).remote.address ?? 'unknown' });
  return handle(api)(event, lambdaContext as never);
};
