/**
 * A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL in the store's tests). `cut()` destroys
 * every connection through it and refuses new ones; `restore()` lets connections through again. That is
 * how tests make "the database is unreachable" without stopping the machine's PostgreSQL server, which
 * other tests (and other engineers) are using at the same time.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CutProxy {
  /** The port on 127.0.0.1 to connect to instead of the server's. */
  readonly port: number;
  /** The connections passed through so far (accepted while not cut). */
  readonly connectionsAccepted: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCutProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (isCut) {
      // Refused: closed at once, as a dead server's port would (the client sees the connection end).
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test.startCutProxy: no TCP address after listen');
  return {
    port: address.port,
    get connectionsAccepted() {
      return accepted;
    },
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      isCut = false;
    },
    async close() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
