/**
 * A small BGP speaker for tests: the peer ExaBGP connects to. It answers ExaBGP's OPEN with one that
 * offers BGP-LS (AFI 16388, SAFI 71) and 4-octet AS numbers, keeps the session alive, and then sends
 * whatever raw UPDATEs a test gives it: the hex lines of test/fixtures/exabgp/edge-case-updates.hex.txt,
 * which are complete BGP messages. Nothing here is pathmon code; it stands in for gobgpd so each
 * decoder fault can be sent on its own, on loopback, without a lab.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fixturePath } from '../../helpers/repo-root.js';

export const SPEAKER_AS = 65001;
const MARKER = Buffer.alloc(16, 0xff);

export function edgeCaseUpdates(): Map<string, Buffer> {
  const text = readFileSync(fixturePath('exabgp', 'edge-case-updates.hex.txt'), 'utf8');
  const out = new Map<string, Buffer>();
  for (const line of text.split('\n')) {
    const [name, hex] = line.trim().split(/\s+/);
    if (name && hex) out.set(name, Buffer.from(hex, 'hex'));
  }
  return out;
}

function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(19);
  MARKER.copy(header);
  header.writeUInt16BE(19 + body.length, 16);
  header[18] = type;
  return Buffer.concat([header, body]);
}

function openMessage(holdTimeS: number): Buffer {
  const caps = Buffer.from([
    2,
    12, // optional parameter: capabilities, 12 bytes
    1,
    4,
    0x40,
    0x04,
    0x00,
    0x47, // multiprotocol: AFI 16388 (BGP-LS), SAFI 71
    65,
    4,
    0x00,
    0x00,
    (SPEAKER_AS >> 8) & 0xff,
    SPEAKER_AS & 0xff, // 4-octet AS
  ]);
  const body = Buffer.alloc(10);
  body[0] = 4;
  body.writeUInt16BE(SPEAKER_AS, 1);
  body.writeUInt16BE(holdTimeS, 3);
  Buffer.from([2, 2, 2, 2]).copy(body, 5);
  body[9] = caps.length;
  return message(1, Buffer.concat([body, caps]));
}

export const KEEPALIVE = message(4, Buffer.alloc(0));
/** End-of-RIB for BGP-LS: an UPDATE whose only attribute is an empty MP_UNREACH_NLRI (RFC 4724 §2). */
export const BGPLS_EOR = message(2, Buffer.from([0, 0, 0, 6, 0x80, 15, 3, 0x40, 0x04, 0x47]));

/**
 * The same UPDATE with its BGP-LS attribute (type 29) emptied: what gobgpd sends when it dropped every
 * TLV it did not know, and what ExaBGP turns into a withdraw.
 */
export function withEmptyLsAttribute(update: Buffer): Buffer {
  const withdrawnLength = update.readUInt16BE(19);
  const attrsStart = 19 + 2 + withdrawnLength + 2;
  const attrsLength = update.readUInt16BE(19 + 2 + withdrawnLength);
  const attrs: Buffer[] = [];
  for (let at = attrsStart; at < attrsStart + attrsLength; ) {
    const flags = update[at]!;
    const type = update[at + 1]!;
    const extended = (flags & 0x10) !== 0;
    const length = extended ? update.readUInt16BE(at + 2) : update[at + 2]!;
    const headerLength = extended ? 4 : 3;
    const whole = update.subarray(at, at + headerLength + length);
    attrs.push(type === 29 ? Buffer.from([0x80, 29, 0]) : whole);
    at += headerLength + length;
  }
  const body = Buffer.concat(attrs);
  const lengths = Buffer.alloc(4);
  lengths.writeUInt16BE(0, 0);
  lengths.writeUInt16BE(body.length, 2);
  return message(2, Buffer.concat([lengths, body]));
}

export interface SpeakerSession {
  /** Sends raw BGP messages. */
  send(...messages: Buffer[]): void;
  readonly socket: Socket;
  /** Resolves when ExaBGP closed the connection; gives what it sent last (e.g. a NOTIFICATION). */
  readonly closed: Promise<{ notification: { code: number; subcode: number } | null }>;
}

export class BgpSpeaker {
  private readonly server: Server;
  private readonly sessions: SpeakerSession[] = [];
  private readonly waiters: ((session: SpeakerSession) => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly host: string,
    private readonly holdTimeS: number,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async listen(host = '127.0.0.2', holdTimeS = 30): Promise<BgpSpeaker> {
    const speaker = new BgpSpeaker(host, holdTimeS);
    speaker.server.listen(0, host);
    await once(speaker.server, 'listening');
    return speaker;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves with the next established session (OPENs and KEEPALIVEs exchanged). */
  nextSession(): Promise<SpeakerSession> {
    const ready = this.sessions.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let buffer = Buffer.alloc(0);
    let established = false;
    let notification: { code: number; subcode: number } | null = null;
    let keepalive: NodeJS.Timeout | null = null;
    let resolveClosed!: (value: { notification: { code: number; subcode: number } | null }) => void;
    const closed = new Promise<{ notification: { code: number; subcode: number } | null }>((resolve) => (resolveClosed = resolve));
    const session: SpeakerSession = {
      socket,
      closed,
      send: (...messages) => {
        if (!socket.destroyed) socket.write(Buffer.concat(messages));
      },
    };
    socket.on('error', () => {});
    socket.on('close', () => {
      if (keepalive) clearInterval(keepalive);
      this.sockets.delete(socket);
      resolveClosed({ notification });
    });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 19) {
        const length = buffer.readUInt16BE(16);
        if (length < 19 || buffer.length < length) break;
        const type = buffer[18];
        const body = buffer.subarray(19, length);
        buffer = buffer.subarray(length);
        if (type === 1) {
          socket.write(Buffer.concat([openMessage(this.holdTimeS), KEEPALIVE]));
        } else if (type === 4 && !established) {
          established = true;
          keepalive = setInterval(() => session.send(KEEPALIVE), Math.max(1000, (this.holdTimeS * 1000) / 3));
          keepalive.unref();
          const waiter = this.waiters.shift();
          if (waiter) waiter(session);
          else this.sessions.push(session);
        } else if (type === 3) {
          notification = { code: body[0] ?? 0, subcode: body[1] ?? 0 };
        }
      }
    });
  }
}
