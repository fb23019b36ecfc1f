/**
 * Sends complete IPv4 packets (our own headers, every layer) through a raw socket.
 *
 * IPPROTO_RAW implies IP_HDRINCL on Linux, so the kernel sends the outer header we built instead of
 * writing its own; that is what lets every GRE layer and the innermost UDP carry the prober's address.
 * raw-socket calls `stamp` right before the sendto() syscall, which is where the send time belongs.
 * Send errors (a downed link gives ENETUNREACH) are counted, not thrown: a probe that could not leave is
 * a lost probe, and the round goes on.
 */
import raw from 'raw-socket';
import type { ProbeSender } from './transport.js';

const IPPROTO_RAW = 255;

export interface SendErrorCounts {
  [code: string]: number;
}

export class RawIpv4Sender implements ProbeSender {
  readonly sendErrors: SendErrorCounts = {};
  private readonly socket = raw.createSocket({ protocol: IPPROTO_RAW });

  constructor() {
    // A send-only socket: stop raw-socket from polling it for reads that can never come.
    this.socket.pauseRecv();
    this.socket.on('error', (error) => this.count(error));
  }

  send(packet: Buffer, firstHop: string, stamp: () => void): void {
    this.socket.send(packet, 0, packet.length, firstHop, stamp, (error) => {
      if (error) this.count(error);
    });
  }

  close(): void {
    this.socket.close();
  }

  private count(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    this.sendErrors[code] = (this.sendErrors[code] ?? 0) + 1;
  }
}
