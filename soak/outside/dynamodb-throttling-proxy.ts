import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';
import type { Random } from '../random.ts';

/**
 * DynamoDB under load, in front of dynalite (which never throttles): some data-plane calls are
 * refused as DynamoDB refuses them — HTTP 400 ProvisionedThroughputExceededException or
 * ThrottlingException — before they reach the table, and some batch calls are only partly done:
 * a BatchWriteItem writes a part of its items and returns the rest as UnprocessedItems, a
 * BatchGetItem reads a part and returns the rest as UnprocessedKeys. The system meets them
 * through the AWS SDK's own retries and its batch helpers' loops, which is what is under test.
 */

export interface DynamoFaultRates {
  /** Chance that one call (any data-plane operation) is refused as throttled. */
  readonly throttle: number;
  /** Chance that one batch call is only partly done. */
  readonly partialBatch: number;
}

export interface DynamoThrottlingProxy {
  readonly endpoint: string;
  readonly faults: { throttled: number; partialBatches: number; itemsLeftUnprocessed: number };
  close(): Promise<void>;
}

const DATA_PLANE = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
]);

type Json = Record<string, unknown>;

export async function startDynamoThrottlingProxy(
  upstream: string,
  random: Random,
  rates: DynamoFaultRates,
): Promise<DynamoThrottlingProxy> {
  const target = new URL(upstream);
  const faults = { throttled: 0, partialBatches: 0, itemsLeftUnprocessed: 0 };

  const send = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, 'content-length': String(body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });

  const reply = (
    response: ServerResponse,
    status: number,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ) => {
    const { 'transfer-encoding': _chunked, ...rest } = headers;
    response
      .writeHead(status, {
        ...rest,
        'content-length': String(body.length),
        'x-amz-crc32': String(crc32(body)),
      })
      .end(body);
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';

    if (DATA_PLANE.has(operation) && random.chance(rates.throttle)) {
      faults.throttled += 1;
      const throughput = random.chance(0.7);
      const error = throughput
        ? {
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message:
              'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
          }
        : {
            __type: 'com.amazon.coral.availability#ThrottlingException',
            message: 'Rate of requests exceeds the allowed throughput.',
          };
      return reply(
        response,
        400,
        { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `soak-${faults.throttled}` },
        Buffer.from(JSON.stringify(error)),
      );
    }

    if (
      (operation === 'BatchWriteItem' || operation === 'BatchGetItem') &&
      random.chance(rates.partialBatch)
    ) {
      const input = JSON.parse(body.toString('utf8')) as { RequestItems: Json };
      const split = splitBatch(operation, input.RequestItems, random);
      if (split) {
        faults.partialBatches += 1;
        faults.itemsLeftUnprocessed += split.leftCount;
        const answer = await send(
          incoming,
          Buffer.from(JSON.stringify({ ...input, RequestItems: split.kept })),
        );
        if (answer.status !== 200) return reply(response, answer.status, answer.headers, answer.body);
        const output = JSON.parse(answer.body.toString('utf8')) as Json;
        const field = operation === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
        output[field] = mergeUnprocessed(operation, (output[field] as Json | undefined) ?? {}, split.left);
        return reply(response, 200, answer.headers, Buffer.from(JSON.stringify(output)));
      }
    }

    const answer = await send(incoming, body);
    reply(response, answer.status, answer.headers, answer.body);
  };

  const server: TestHttpServer = await startTestServer(handle);
  return { endpoint: server.origin, faults, close: () => server.close() };
}

/** Keeps a random part of a batch (at least one entry), leaving the rest; undefined for a batch of one. */
function splitBatch(
  operation: 'BatchWriteItem' | 'BatchGetItem',
  requestItems: Json,
  random: Random,
): { kept: Json; left: Json; leftCount: number } | undefined {
  const entries = Object.entries(requestItems).flatMap(([table, value]) => {
    const list = operation === 'BatchWriteItem' ? (value as unknown[]) : (value as { Keys: unknown[] }).Keys;
    return list.map((entry) => ({ table, entry }));
  });
  if (entries.length < 2) return undefined;
  const keepCount = random.int(1, entries.length - 1);
  const keep = new Set(random.sample(entries, keepCount));
  const kept: Json = {};
  const left: Json = {};
  for (const [table, value] of Object.entries(requestItems)) {
    const mine = entries.filter((candidate) => candidate.table === table);
    const keptEntries = mine.filter((candidate) => keep.has(candidate)).map((candidate) => candidate.entry);
    const leftEntries = mine.filter((candidate) => !keep.has(candidate)).map((candidate) => candidate.entry);
    const wrap = (list: unknown[]) =>
      operation === 'BatchWriteItem' ? list : { ...(value as Json), Keys: list };
    if (keptEntries.length > 0) kept[table] = wrap(keptEntries);
    if (leftEntries.length > 0) left[table] = wrap(leftEntries);
  }
  return { kept, left, leftCount: entries.length - keepCount };
}

function mergeUnprocessed(operation: 'BatchWriteItem' | 'BatchGetItem', existing: Json, left: Json): Json {
  const merged: Json = { ...existing };
  for (const [table, value] of Object.entries(left)) {
    const before = merged[table];
    if (!before) {
      merged[table] = value;
    } else if (operation === 'BatchWriteItem') {
      merged[table] = [...(before as unknown[]), ...(value as unknown[])];
    } else {
      const keys = [...(before as { Keys: unknown[] }).Keys, ...(value as { Keys: unknown[] }).Keys];
      merged[table] = { ...(value as Json), Keys: keys };
    }
  }
  return merged;
}
