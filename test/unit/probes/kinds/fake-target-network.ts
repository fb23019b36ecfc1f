/**
 * A target network and clock in memory, for the target engine without sockets or sleeps: it plays the
 * target-io helper (TargetIo). Every queued probe is reported sent at the virtual now, then `answer`
 * says what comes back and when; replies are real packets built here from the probe's bytes, the way
 * the target's kernel would (an echo reply with the request's identifier, sequence and data; a SYN/ACK or
 * a RST/ACK acknowledging the SYN; the UDP payload echoed). `inject` puts any packet on the wire, as a
 * stranger would. Sleeping advances virtual time and delivers everything due on the way.
 */
import { ipv4, icmpEcho, tcpHeader, type Clock, type ReceivedDatagram, type SendReport, type TargetIo, type TargetIoMode } from '../../../../probes/index.js';

export interface SentProbe {
  slot: number;
  destination: string;
  destinationPort: number;
  sourcePort: number;
  data: Buffer;
  report: boolean;
}

/** What the network does with one probe: reply after `afterMs` (as `reply` says), or nothing (null). */
export type Answer = (probe: SentProbe) => { afterMs: number; reply?: 'echo' | 'syn-ack' | 'rst' } | null;

/** The port a udp probe from "port 0" leaves from: the helper's own ephemeral socket. */
export const DEFAULT_UDP_PORT = 45000;
export const PROBER_ADDRESS = '10.9.0.1';

interface InFlight {
  dueNs: bigint;
  datagram: ReceivedDatagram;
}

export class FakeTargetNetwork implements Clock, TargetIo {
  nowNsValue = 1_000_000_000n;
  readonly sent: SentProbe[] = [];
  /** Slots whose send fails with this errno name. */
  readonly failSends = new Map<number, string>();
  /** Called for every probe sent: where a test's stranger reacts to the prober's traffic. */
  onProbe: ((probe: SentProbe) => void) | undefined;
  private pending: SentProbe[] = [];
  private inFlight: InFlight[] = [];
  private sentHandler: (report: SendReport) => void = () => {};
  private receiveHandler: (datagram: ReceivedDatagram, receivedNs: bigint) => void = () => {};

  constructor(
    readonly mode: TargetIoMode,
    private readonly answer: Answer,
    readonly identifier?: number,
  ) {}

  nowNs(): bigint {
    return this.nowNsValue;
  }

  async sleepMs(ms: number): Promise<void> {
    const target = this.nowNsValue + BigInt(Math.round(Math.max(0, ms) * 1e6));
    this.inFlight.sort((a, b) => (a.dueNs < b.dueNs ? -1 : a.dueNs > b.dueNs ? 1 : 0));
    while (this.inFlight.length > 0 && this.inFlight[0]!.dueNs <= target) {
      const next = this.inFlight.shift()!;
      this.nowNsValue = next.dueNs;
      this.receiveHandler(next.datagram, next.dueNs);
    }
    this.nowNsValue = target;
    await Promise.resolve();
  }

  inject(datagram: ReceivedDatagram, afterMs = 0): void {
    this.inFlight.push({ dueNs: this.nowNsValue + BigInt(Math.round(afterMs * 1e6)), datagram });
  }

  queue(slot: number, destination: string, destinationPort: number, sourcePort: number, data: Buffer, report = true): void {
    this.pending.push({ slot, destination, destinationPort, sourcePort, data: Buffer.from(data), report });
  }

  flush(): void {
    for (const probe of this.pending) {
      this.sent.push(probe);
      if (!probe.report) continue;
      this.onProbe?.(probe);
      const port = this.mode === 'udp' && probe.sourcePort === 0 ? DEFAULT_UDP_PORT : probe.sourcePort;
      const error = this.failSends.get(probe.slot);
      this.sentHandler({ slot: probe.slot, sentNs: this.nowNsValue, sourcePort: port, ...(error ? { errorCode: error } : {}) });
      if (error) continue;
      const fate = this.answer({ ...probe, sourcePort: port });
      if (fate) this.inject(this.replyTo({ ...probe, sourcePort: port }, fate.reply ?? 'echo'), fate.afterMs);
    }
    this.pending = [];
  }

  onSent(handler: (report: SendReport) => void): void {
    this.sentHandler = handler;
  }

  onReceive(handler: (datagram: ReceivedDatagram, receivedNs: bigint) => void): void {
    this.receiveHandler = handler;
  }

  async close(): Promise<void> {}

  /** The reply the target's kernel would send to `probe`. */
  replyTo(probe: SentProbe, kind: 'echo' | 'syn-ack' | 'rst'): ReceivedDatagram {
    if (this.mode === 'udp') {
      return { data: probe.data, withIpHeader: false, length: probe.data.length, fromAddress: probe.destination, fromPort: probe.destinationPort, localPort: probe.sourcePort };
    }
    if (this.mode === 'tcp') {
      const syn = tcpHeader.decode(probe.data);
      const flags = kind === 'rst' ? tcpHeader.FLAG_RST | tcpHeader.FLAG_ACK : tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK;
      const segment = tcpHeader.encode(
        { sourcePort: syn.destinationPort, destinationPort: syn.sourcePort, sequence: 777, acknowledgment: (syn.sequence + 1) >>> 0, flags, window: 1000 },
        probe.destination,
        PROBER_ADDRESS,
      );
      return withIp(segment, 6, probe.destination);
    }
    const request = icmpEcho.decode(probe.data);
    const message = icmpEcho.encode({ type: icmpEcho.TYPE_ECHO_REPLY, identifier: this.identifier ?? request.identifier, sequence: request.sequence, data: request.data });
    if (this.mode === 'icmp-dgram') return { data: message, withIpHeader: false, length: message.length, fromAddress: probe.destination, fromPort: 0, localPort: 0 };
    return withIp(message, 1, probe.destination);
  }
}

/** `payload` under an IPv4 header from `source` to the prober, as a raw socket delivers it. */
export function withIp(payload: Buffer, protocol: number, source: string, destination = PROBER_ADDRESS): ReceivedDatagram {
  const header = ipv4.encode({ protocol, source, destination, payloadLength: payload.length });
  const data = Buffer.concat([header, payload]);
  return { data, withIpHeader: true, length: data.length, fromAddress: source, fromPort: 0, localPort: 0 };
}
