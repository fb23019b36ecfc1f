/**
 * `lab forward`: reach a TCP service that runs inside a lab node's namespace (the dashboard of a
 * `pathmon run --listen 127.0.0.1:8080` started with `lab exec`) from the host, at 127.0.0.1:PORT.
 *
 * A namespace's loopback is its own, so the host cannot connect to it, and the lab's veths carry only
 * lab addresses. Filesystem (Unix) sockets, though, belong to no network namespace: one relay process
 * started inside the namespace listens on a Unix socket in a private directory and, per connection,
 * connects to the service there; the host side accepts TCP on 127.0.0.1 and joins each connection to
 * that socket. One process for the whole forward (not one per connection, which would cost a Node
 * start per browser request), and nothing listens beyond the host's loopback unless asked.
 *
 * The relay ends when its stdin closes, so it cannot outlive the forward even if the forward is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDir, readPlan } from './lab-state.js';

/** Runs inside the namespace (CommonJS via `node -e`): argv is SOCKET HOST PORT. */
const RELAY = `
const net = require('net');
const [socketPath, host, port] = process.argv.slice(1);
const server = net.createServer((client) => {
  const target = net.connect(Number(port), host);
  client.pipe(target);
  target.pipe(client);
  target.on('error', (error) => {
    process.stderr.write('cannot reach ' + host + ':' + port + ' (' + (error.code || error.message) + ')\\n');
    client.destroy();
  });
  client.on('error', () => target.destroy());
});
server.on('error', (error) => { process.stderr.write('relay: ' + error.message + '\\n'); process.exit(1); });
server.listen(socketPath, () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface ForwardOptions {
  /** Where the host listens; default 127.0.0.1. */
  listenHost?: string;
  /** The host port; default the target port; 0 picks a free one. */
  listenPort?: number;
  /** The address the service listens on inside the namespace; default 127.0.0.1. */
  targetHost?: string;
  /** Problems reaching the service, one line each. */
  log?: (line: string) => void;
}

export interface NamespaceForward {
  /** The host address and port actually listening. */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Forwards host `listenHost:listenPort` to `targetHost:targetPort` inside `namespace`. */
export async function forwardIntoNamespace(namespace: string, targetPort: number, options: ForwardOptions = {}): Promise<NamespaceForward> {
  if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65_535) {
    throw new Error(`lab.forwardIntoNamespace: port ${targetPort} is not a TCP port; expected 1 to 65535`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const targetHost = options.targetHost ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-forward-'));
  const socketPath = join(dir, 'relay.sock');
  const relay = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', RELAY, socketPath, targetHost, String(targetPort)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    relay.stdin?.end();
    if (relay.exitCode === null && relay.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => relay.kill('SIGKILL'), 2000);
        relay.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await relayReady(relay, namespace);
    relay.stderr!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) log(`lab forward: ${namespace}: ${line}; expected a service listening on ${targetHost}:${targetPort} in the namespace`);
    });
    server = createServer((client) => {
      const upstream = createConnection(socketPath);
      sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    const listening = server;
    const listenHost = options.listenHost ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      listening.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `lab.forwardIntoNamespace: cannot listen on ${listenHost}:${options.listenPort ?? targetPort} (${error.code ?? error.message}); expected a free port (give another with --listen-port)`,
          ),
        ),
      );
      listening.listen(options.listenPort ?? targetPort, listenHost, () => resolve());
    });
    const address = listening.address();
    const port = typeof address === 'object' && address ? address.port : (options.listenPort ?? targetPort);
    return { host: listenHost, port, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The namespace of `node` in `lab`. @throws naming the nodes there are. */
export function namespaceOfNode(lab: string, node: string): string {
  const plan = readPlan(labDir(lab));
  const target = plan.nodes.find((candidate) => candidate.name === node);
  if (!target) throw new Error(`lab.forward: no node "${node}" in lab ${lab}; expected one of: ${plan.nodes.map((n) => n.name).join(', ')}`);
  return target.namespace;
}

function relayReady(relay: ChildProcess, namespace: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let errors = '';
    relay.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    relay.stdout!.once('data', () => resolve());
    relay.once('error', (error) => reject(new Error(`lab.forwardIntoNamespace: cannot start the relay in ${namespace} (${error.message}); expected iproute2's ip on PATH`)));
    relay.once('exit', (code) => reject(new Error(`lab.forwardIntoNamespace: the relay in namespace ${namespace} exited (${code}): ${errors.trim() || 'no message'}; expected an existing namespace`)));
  });
}
