import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TestHttpServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order (method, path, headers). */
  readonly requests: { readonly path: string; readonly headers: IncomingMessage['headers'] }[];
  /** How many TCP connections were opened to this server. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free loopback port, for tests of code that speaks HTTP: no mocked
 * fetch, the bytes go through node's HTTP stack both ways.
 */
export async function startTestServer(
  handler: (request: IncomingMessage, response: ServerResponse) => unknown,
): Promise<TestHttpServer> {
  const requests: TestHttpServer['requests'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((request, response) => {
    requests.push({ path: request.url ?? '/', headers: request.headers });
    void Promise.resolve(handler(request, response)).catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
