/**
 * A network and clock in memory, for engine tests without sockets or sleeps. Sending a probe decodes it
 * (so the engine's packets must be real, well-formed probes), asks `fate` what happens to it, and
 * delivers the returning UDP payload at the virtual time it is due. Sleeping advances virtual time and
 * delivers everything due on the way.
 */
import { decodeProbePacket, probePayload, type Clock, type ProbeReceiver, type ProbeSender } from '../../probes/index.js';

/** RTT in milliseconds, or null for a lost probe. */
export type Fate = (pathId: number, sequence: number, hops: string[]) => number | null;

interface InFlight {
  dueNs: bigint;
  payload: Buffer;
}

export class SimulatedNetwork implements Clock {
  nowNsValue = 1_000_000_000n;
  private inFlight: InFlight[] = [];
  private handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  readonly sentPackets: Buffer[] = [];

  constructor(private readonly fate: Fate) {}

  nowNs(): bigint {
    return this.nowNsValue;
  }

  async sleepMs(ms: number): Promise<void> {
    const target = this.nowNsValue + BigInt(Math.round(Math.max(0, ms) * 1e6));
    this.inFlight.sort((a, b) => (a.dueNs < b.dueNs ? -1 : a.dueNs > b.dueNs ? 1 : 0));
    while (this.inFlight.length > 0 && this.inFlight[0]!.dueNs <= target) {
      const next = this.inFlight.shift()!;
      this.nowNsValue = next.dueNs;
      this.handler(next.payload, next.dueNs);
    }
    this.nowNsValue = target;
    await Promise.resolve();
  }

  /** Puts a datagram on the probe port at a given delay, as a stranger would. */
  inject(payload: Buffer, afterMs = 0): void {
    this.inFlight.push({ dueNs: this.nowNsValue + BigInt(Math.round(afterMs * 1e6)), payload });
  }

  readonly sender: ProbeSender = {
    send: (packet, _firstHop, stamp) => {
      stamp();
      this.sentPackets.push(Buffer.from(packet));
      const decoded = decodeProbePacket(packet);
      const rttMs = this.fate(
        decoded.payload.pathId,
        decoded.payload.sequence,
        decoded.layers.map((layer) => layer.destination),
      );
      if (rttMs === null) return;
      const udpPayload = probePayload.encode(decoded.payload);
      this.inject(udpPayload, rttMs);
    },
    close: () => {},
  };

  readonly receiver: ProbeReceiver = {
    port: 40000,
    onPayload: (handler) => {
      this.handler = handler;
    },
    close: () => {},
  };
}
