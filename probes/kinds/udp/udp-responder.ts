/**
 * The far end of the udp kind (`pathmon respond`): a UDP echo server that returns well-formed pathmon
 * probe payloads to where they came from, unchanged, and counts and drops everything else. It keeps no
 * state per client, so memory is bounded whoever sends; echoes are limited by a token bucket so that a
 * spoofed flood cannot turn it into an amplifier at more than `maxEchoesPerSecond` (an echo is never
 * larger than what came in, so it amplifies nothing in bytes either).
 */
import { createSocket, type Socket } from 'node:dgram';
import * as probePayload from '../../codec/probe-payload.js';

export interface UdpResponderOptions {
  address: string;
  port: number;
  /** Default 100,000: far above a monitor's rate, far below what would hurt a network. */
  maxEchoesPerSecond?: number;
  /** Monotonic milliseconds, for tests; default performance.now. */
  nowMs?: () => number;
}

export interface UdpResponderCounts {
  echoed: number;
  /** Not a pathmon probe payload (garbage, truncated, wrong magic or version). */
  malformed: number;
  /** Well formed, but over the echo rate. */
  rateLimited: number;
}

/** Whether a datagram is a probe the responder should return. */
export function isProbeDatagram(datagram: Buffer): boolean {
  try {
    probePayload.decode(datagram, 0);
    return true;
  } catch {
    return false;
  }
}

export class UdpResponder {
  readonly counts: UdpResponderCounts = { echoed: 0, malformed: 0, rateLimited: 0 };
  private tokens: number;
  private lastMs: number;
  private readonly rate: number;
  private readonly nowMs: () => number;

  private constructor(
    private readonly socket: Socket,
    options: UdpResponderOptions,
  ) {
    this.rate = options.maxEchoesPerSecond ?? 100_000;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.tokens = this.rate;
    this.lastMs = this.nowMs();
    socket.on('message', (datagram, from) => this.handle(datagram, from.address, from.port));
    socket.on('error', () => {}); // ICMP errors for echoes to vanished senders: nothing to do
  }

  static async bind(options: UdpResponderOptions): Promise<UdpResponder> {
    const rate = options.maxEchoesPerSecond ?? 100_000;
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`probes.UdpResponder.bind: maxEchoesPerSecond ${rate} is not a rate; expected more than 0`);
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.address, port: options.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpResponder(socket, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private handle(datagram: Buffer, address: string, port: number): void {
    if (!isProbeDatagram(datagram)) return void this.counts.malformed++;
    const now = this.nowMs();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.lastMs) / 1000) * this.rate);
    this.lastMs = now;
    if (this.tokens < 1) return void this.counts.rateLimited++;
    this.tokens -= 1;
    this.counts.echoed++;
    this.socket.send(datagram, port, address);
  }
}
