import type { Server } from 'node:http';
import { PortInUseError } from '../core/errors.ts';

/**
 * Listens on loopback and turns EADDRINUSE into an error that names the port and the setting
 * that moves it, instead of a bare stack trace.
 */
export function listenOnLoopback(
  server: Server,
  port: number,
  what: string,
  variable: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `${what} cannot start: port ${port} is already in use by another program. Stop that program or choose another port with ${variable}=<port>.`,
          ),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
