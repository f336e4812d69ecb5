import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { closeServer, listenOnLoopback } from './listen.ts';
import { PORT_VARIABLES } from './local-settings.ts';
import { ApiStandIn, type ApiStandInOptions } from './api-stand-in.ts';

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

/**
 * Serves content/snapshots on loopback like a real feed host: Content-Type, ETag and
 * Last-Modified, 304 on a matching conditional GET. Offline runs exercise the same fetch path
 * as live ones, conditional GET included. Under `/pubmed/` and `/clinicaltrials/` it is a
 * stand-in of those APIs, answering from their recordings (see ApiStandIn).
 */
export async function startSnapshotServer(
  directory: string,
  port: number,
  options: ApiStandInOptions = {},
): Promise<SnapshotServer> {
  const apis = new ApiStandIn(directory, options);
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
        const [body, info] = await Promise.all([readFile(file), stat(file)]);
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
  source: { readonly kind?: string; readonly snapshot?: string },
): string | undefined {
  if (!source.snapshot) return undefined;
  if (source.kind === 'pubmed' || source.kind === 'clinicaltrials') {
    return `${baseUrl}/${source.kind}/${source.snapshot}/`;
  }
  return `${baseUrl}/${source.snapshot}`;
}
