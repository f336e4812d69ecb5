import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export interface LoopbackServer {
  readonly baseUrl: string;
  /** Puts the app behind the server (it is built after the port is known, for SITE_URL). */
  mount(app: Hono): void;
  stop(): Promise<void>;
}

/** An HTTP server on a free loopback port, the way `npm start` serves the API (@hono/node-server). */
export async function startLoopbackServer(): Promise<LoopbackServer> {
  let app: Hono | undefined;
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) =>
      app ? app.fetch(request, env) : new Response('not mounted yet', { status: 503 }),
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    mount: (mounted) => {
      app = mounted;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
