import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { closeServer, listenOnLoopback } from './listen.ts';
import { PORT_VARIABLES } from './local-settings.ts';
import { ApiStandIn, type ApiStandInOptions } from './api-stand-in.ts';
import { shiftFeedDates } from './snapshot-dates.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.xml': 'application/xml; charset=utf-8',
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.rdf': 'application/rdf+xml; charset=utf-8',
};

export interface SnapshotServer {
  readonly baseUrl: string;
  readonly port: number;
  /** The stand-in of PubMed's E-utilities and ClinicalTrials.gov (its request log, its faults). */
  readonly apis: ApiStandIn;
  stop(): Promise<void>;
}

export interface SnapshotServerOptions {
  /**
   * Days to move every date of a feed by when serving it, asked on each request (see
   * snapshot-dates.ts): `npm start` and the tests serve the snapshots as if taken today.
   */
  readonly shiftDays?: () => number;
  /** How the API stand-in answers (see ApiStandIn). */
  readonly apis?: ApiStandInOptions;
}

/**
 * Serves content/snapshots on loopback like a real feed host: Content-Type, ETag and
 * Last-Modified, 304 on a matching conditional GET. Offline runs exercise the same fetch path
 * as live ones, conditional GET included. Under `/pubmed/` and `/clinicaltrials/` it is a
 * stand-in of those APIs, answering from their recordings (see ApiStandIn).
 */
export async function startSnapshotServer(
  directory: string,
  port: number,
  options: SnapshotServerOptions = {},
): Promise<SnapshotServer> {
  const apis = new ApiStandIn(directory, {
    ...(options.shiftDays ? { shiftDays: options.shiftDays } : {}),
    ...options.apis,
  });
  const server: Server = createServer((request, response) => {
    if (apis.handles(request, response)) return;
    void (async () => {
      const name = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname.slice(1));
      if (!/^[A-Za-z0-9._-]+$/.test(name)) {
        response.writeHead(404).end();
        return;
      }
      const file = path.join(directory, name);
      try {
        const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
        const days = options.shiftDays?.() ?? 0;
        // The snapshots are UTF-8: read as text, their dates moved, and served as UTF-8 again.
        const body = days === 0 ? bytes : Buffer.from(shiftFeedDates(bytes.toString('utf8'), days));
        const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
        const lastModified = info.mtime.toUTCString();
        if (request.headers['if-none-match'] === etag) {
          response.writeHead(304, { etag, 'last-modified': lastModified }).end();
          return;
        }
        response
          .writeHead(200, {
            'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
            'content-length': body.length,
            etag,
            'last-modified': lastModified,
          })
          .end(body);
      } catch {
        response.writeHead(404).end();
      }
    })();
  });
  const actualPort = await listenOnLoopback(server, port, 'Feed snapshot server', PORT_VARIABLES.snapshots);
  return {
    baseUrl: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    apis,
    stop: () => closeServer(server),
  };
}

/**
 * Where a source is fetched from when offline: a feed's snapshot file, or the stand-in's base
 * URL for an API source's recording; undefined for a source without a snapshot.
 */
export function snapshotUrlFor(
  baseUrl: string,
  source: { readonly via?: string; readonly snapshot?: string },
): string | undefined {
  if (!source.snapshot) return undefined;
  if (source.via === 'pubmed' || source.via === 'clinicaltrials') {
    return `${baseUrl}/${source.via}/${source.snapshot}/`;
  }
  return `${baseUrl}/${source.snapshot}`;
}
