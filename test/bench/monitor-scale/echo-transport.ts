/**
 * A transport that answers every probe at once, in memory, for measuring the engine's own CPU per
 * round: what it costs pathmon's event loop to build, send, match and summarise a round, without the
 * kernel, the network or the C helpers (which run outside the monitor process in production).
 *
 * Two sender shapes, as in production: `round` is the probe-tx helper's (the engine hands over the
 * whole round and learns each send time from a report: what `pathmon run` uses where the helper
 * builds), `send` is the raw-socket sender's (the engine paces and stamps every probe itself). Replies
 * are the probe's innermost UDP payload, copied into a shared slab and handed to the engine a batch at a
 * time on the next event-loop turn, as views, the way the probe-rx helper's records arrive.
 */
import type { ProbeReceiver, ProbeSender, RoundPlan } from '../../../probes/index.js';

const SLAB_BYTES = 1 << 20;
const GRE = 47;
/** Slots reported and answered per event-loop turn by the round-shaped sender (probe-tx reports come in pipe chunks). */
const CHUNK = 2048;

export type EchoShape = 'round' | 'send';

/** The UDP payload at the core of a nested-GRE probe: peels IPv4+GRE layers by their protocol byte. */
function innerPayload(packet: Buffer): Buffer {
  let at = 0;
  while (packet[at + 9] === GRE) at += 24;
  const totalLength = packet.readUInt16BE(at + 2);
  return packet.subarray(at + 28, at + totalLength);
}

export class EchoTransport {
  private handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private slabAt = 0;
  private queued: Buffer[] = [];
  private flushScheduled = false;
  sent = 0;

  readonly receiver: ProbeReceiver = {
    port: 40000,
    onPayload: (handler) => void (this.handler = handler),
    close: () => {},
  };

  readonly sender: ProbeSender;

  constructor(shape: EchoShape) {
    const send = (packet: Buffer, _firstHop: string, stamp: () => void): void => {
      stamp();
      this.sent++;
      this.queue(innerPayload(packet));
    };
    this.sender = shape === 'send' ? { send, close: () => {} } : { send, close: () => {}, sendRound: (plan, onSent) => this.sendRound(plan, onSent) };
  }

  private async sendRound(plan: RoundPlan, onSent: (slot: number, sentNs: bigint, errorCode?: string) => void): Promise<number> {
    const pathCount = plan.paths.length;
    const total = pathCount * plan.count;
    for (let index = 0; index < total; ) {
      for (const end = Math.min(total, index + CHUNK); index < end; index++) {
        const pathId = index % pathCount;
        const sequence = (index - pathId) / pathCount;
        const path = plan.paths[pathId]!;
        const nowNs = process.hrtime.bigint();
        // What probe-tx would put on the wire: its own copy, stamped; the template stays untouched.
        const reply = this.copy(innerPayload(path.packet));
        const at = path.sequenceAt - (path.packet.length - reply.length);
        reply.writeUInt32BE(sequence, at);
        reply.writeBigUInt64BE(nowNs, at + 4);
        this.sent++;
        onSent(pathId * plan.count + sequence, nowNs);
        this.queued.push(reply);
      }
      this.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  private copy(payload: Buffer): Buffer {
    if (this.slabAt + payload.length > this.slab.length) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.slabAt = 0;
    }
    const view = this.slab.subarray(this.slabAt, this.slabAt + payload.length);
    payload.copy(view);
    this.slabAt += payload.length;
    return view;
  }

  private queue(payload: Buffer): void {
    this.queued.push(this.copy(payload));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    const receivedNs = process.hrtime.bigint();
    for (const payload of batch) this.handler(payload, receivedNs);
  }
}
