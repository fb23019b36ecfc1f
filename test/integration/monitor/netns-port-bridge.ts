/**
 * Makes TCP services on the test's loopback reachable from inside a lab namespace, on the same
 * 127.0.0.1 ports. `pathmon run` must run inside dev1 (where the prober's raw sockets are), but the fake
 * Freshdesk, the SMTP sink and the cut proxy in front of PostgreSQL listen on the test process's
 * loopback, which a network namespace cannot see. Unix sockets live in the file system, which the
 * namespace shares: a child process inside the namespace accepts on 127.0.0.1:PORT and connects to
 * DIR/PORT.sock; the test process accepts on DIR/PORT.sock and connects to 127.0.0.1:PORT.
 *
 * Run as a script (`node netns-port-bridge.js DIR PORT...`) it is the namespace side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function pipeBoth(a: Socket, b: Socket): void {
  const drop = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', drop).on('close', drop);
  b.on('error', drop).on('close', drop);
  a.pipe(b);
  b.pipe(a);
}

export interface PortBridge {
  close(): Promise<void>;
}

/** Starts both sides; resolves once the namespace side listens on every port. */
export async function startPortBridge(namespace: string, ports: number[]): Promise<PortBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-bridge-'));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  for (const port of ports) {
    const server = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.on('close', () => sockets.delete(client));
      upstream.on('close', () => sockets.delete(upstream));
      pipeBoth(client, upstream);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(join(dir, `${port}.sock`), resolve));
    servers.push(server);
  }
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, fileURLToPath(import.meta.url), dir, ...ports.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`test.startPortBridge: namespace side exited with ${code}`)));
  });
  return {
    async close() {
      child.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function namespaceSide(dir: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    const server = createServer((client) => pipeBoth(client, connect(join(dir, `${port}.sock`))));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  }
  process.stdout.write('ready\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, ...ports] = process.argv.slice(2);
  namespaceSide(dir!, ports.map(Number)).catch((error: unknown) => {
    process.stderr.write(`netns-port-bridge: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
