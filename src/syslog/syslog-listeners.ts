/**
 * The sockets: UDP (RFC 5426, one message per datagram), TCP (RFC 6587) and TLS (RFC 5425), each
 * feeding the ingest. TCP and TLS share one connection handler: a FrameDecoder per connection (its
 * memory bounded by maxLineBytes), counted at close for a cut or unterminated last frame, and paused as
 * a whole when the ingest queue is full, so a fast sender is slowed by TCP's own flow control instead
 * of growing pathmon's memory. UDP cannot be slowed: the ingest drops and counts instead.
 *
 * A listen address that cannot be bound, or a TLS certificate that cannot be read, fails start-up with
 * an error naming the config field; after start nothing a sender does (resets, garbage, half-open
 * connections, handshake failures) can throw out of here: errors are counted per connection.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { FrameDecoder } from './frame-decoder.js';
import { SyslogError } from './syslog-error.js';
import type { SyslogIngest } from './syslog-ingest.js';
import type { SyslogTransport } from './syslog-event.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[V6]:PORT` or `PORT` (all IPv4 addresses); the schema has checked the form. */
export function parseSyslogListen(spec: string, field: string): ListenAddress {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(spec);
  const plain = /^([A-Za-z0-9.-]*):(\d{1,5})$/.exec(spec);
  const bare = /^(\d{1,5})$/.exec(spec);
  const host = bracketed?.[1] ?? (plain ? plain[1] || '0.0.0.0' : bare ? '0.0.0.0' : null);
  const port = Number(bracketed?.[2] ?? plain?.[2] ?? bare?.[1] ?? NaN);
  if (host === null || !Number.isInteger(port) || port > 65535) {
    throw new SyslogError('bad-config', `syslog.${field}: "${spec}" is not a listen address; expected HOST:PORT, [IPV6]:PORT or PORT (e.g. 0.0.0.0:514)`);
  }
  return { host, port };
}

export interface Listeners {
  /** Ports as bound (the real one where 0 was asked for). */
  ports: { udp: number | null; tcp: number | null; tls: number | null };
  close(): Promise<void>;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, from a dual-stack socket) as the IPv4 address devices are known by. */
function senderAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export async function openListeners(ingest: SyslogIngest, log: (line: string) => void): Promise<Listeners> {
  const settings = ingest.settings;
  const closers: (() => Promise<void>)[] = [];
  const ports: Listeners['ports'] = { udp: null, tcp: null, tls: null };
  const streams = new StreamConnections(ingest);
  try {
    if (settings.udp) {
      const address = parseSyslogListen(settings.udp, 'udp');
      const socket = await bindUdp(address, ingest, log);
      ports.udp = socket.address().port;
      closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
    }
    if (settings.tcp) {
      const address = parseSyslogListen(settings.tcp, 'tcp');
      const server = createTcpServer((socket) => streams.attach(socket, 'tcp'));
      ports.tcp = await listen(server, address, 'tcp', settings.maxConnections, ingest);
      closers.push(() => closeServer(server));
    }
    if (settings.tls) {
      const address = parseSyslogListen(settings.tls.listen, 'tls.listen');
      const read = (file: string, field: string) => {
        try {
          return readFileSync(file);
        } catch (error) {
          throw new SyslogError('bad-config', `syslog.tls.${field}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected a PEM file pathmon can read`);
        }
      };
      let server: Server;
      try {
        server = createTlsServer(
          {
            cert: read(settings.tls.certFile, 'certFile'),
            key: read(settings.tls.keyFile, 'keyFile'),
            ...(settings.tls.caFile ? { ca: read(settings.tls.caFile, 'caFile'), requestCert: true, rejectUnauthorized: true } : {}),
          },
          (socket) => streams.attach(socket, 'tls'),
        );
      } catch (error) {
        if (error instanceof SyslogError) throw error;
        throw new SyslogError('bad-config', `syslog.tls: the certificate or key is not usable: ${(error as Error).message}; expected a PEM certificate and its private key`);
      }
      server.on('tlsClientError', () => {
        ingest.counters.connectionsRefused++;
      });
      ports.tls = await listen(server, address, 'tls.listen', settings.maxConnections, ingest);
      closers.push(() => closeServer(server));
    }
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
  return {
    ports,
    async close() {
      // Servers stop accepting at once but report closed only when their connections are gone: ended next.
      const closing = closers.map((close) => close().catch(() => undefined));
      await streams.endAll();
      await Promise.all(closing);
    },
  };
}

async function bindUdp(address: ListenAddress, ingest: SyslogIngest, log: (line: string) => void): Promise<UdpSocket> {
  const socket = createSocket({ type: isIP(address.host) === 6 ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  socket.on('message', (message, remote) => {
    ingest.accept(withoutTrailingNewline(message), { sourceAddress: senderAddress(remote.address), transport: 'udp' });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new SyslogError(
          'listen-failed',
          `syslog.udp: cannot bind ${address.host}:${address.port}: ${error.code ?? error.message}; expected a free port on a local address (below 1024 needs CAP_NET_BIND_SERVICE)`,
        ),
      ),
    );
    socket.bind(address.port, address.host, () => resolve());
  });
  socket.on('error', (error) => log(`syslog: UDP socket error: ${error.message}`));
  return socket;
}

/** Some senders end a datagram with LF (or CRLF), which is framing there too. */
function withoutTrailingNewline(message: Buffer): Buffer {
  let end = message.length;
  while (end > 0 && (message[end - 1] === 0x0a || message[end - 1] === 0x0d)) end--;
  return end === message.length ? message : message.subarray(0, end);
}

async function listen(server: Server, address: ListenAddress, field: string, maxConnections: number, ingest: SyslogIngest): Promise<number> {
  server.maxConnections = maxConnections;
  server.on('drop', () => {
    ingest.counters.connectionsRefused++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new SyslogError(
          'listen-failed',
          `syslog.${field}: cannot listen on ${address.host}:${address.port}: ${error.code ?? error.message}; expected a free port on a local address (below 1024 needs CAP_NET_BIND_SERVICE)`,
        ),
      ),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  server.on('error', () => undefined);
  const bound = server.address();
  return typeof bound === 'object' && bound ? bound.port : address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The open TCP and TLS connections: framing each, pausing all while the queue is full. */
class StreamConnections {
  private readonly sockets = new Set<Socket>();
  private paused = false;

  constructor(private readonly ingest: SyslogIngest) {}

  attach(socket: Socket, transport: SyslogTransport): void {
    const counters = this.ingest.counters;
    counters.connectionsOpen++;
    counters.connectionsTotal++;
    this.sockets.add(socket);
    if (this.paused) socket.pause();
    const sourceAddress = senderAddress(socket.remoteAddress);
    const decoder = new FrameDecoder(this.ingest.settings.maxLineBytes);
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) this.ingest.accept(frame.bytes, { sourceAddress, transport, truncated: frame.truncated });
      if (this.ingest.full) this.pauseAll();
    });
    socket.on('error', () => {
      counters.connectionErrors++;
    });
    socket.on('close', () => {
      const last = decoder.end();
      if (last) {
        if (last.cutAtClose) counters.cutAtClose++;
        if (last.unterminated) counters.unterminatedAtClose++;
        this.ingest.accept(last.bytes, { sourceAddress, transport, truncated: last.truncated || last.cutAtClose });
      }
      counters.connectionsOpen--;
      this.sockets.delete(socket);
    });
  }

  /** Ends every connection; resolves once each one's last frame has been handed to the ingest. */
  async endAll(): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.destroy();
          }),
      ),
    );
  }

  private pauseAll(): void {
    if (this.paused) return;
    this.paused = true;
    this.ingest.counters.backpressurePauses++;
    for (const socket of this.sockets) socket.pause();
    void this.ingest.whenNotFull().then(() => {
      this.paused = false;
      for (const socket of this.sockets) socket.resume();
    });
  }
}
