/**
 * The two halves of a probe transport, as the engine sees them. Real ones use raw and UDP sockets; tests
 * pass fakes that deliver packets through a simulated network on a fake clock. Keeping the interface
 * this small is what lets the engine be tested without sockets or sleeps.
 */

export interface ProbeSender {
  /**
   * Sends a complete IPv4 packet towards `firstHop`. `stamp` is called immediately before the packet
   * leaves, so the send time written into the payload is as close to the wire as the socket allows.
   */
  send(packet: Buffer, firstHop: string, stamp: () => void): void;
  /**
   * Optional: sends a whole round on the sender's own schedule (the engine's: probe i to path
   * i % paths at (i / paths) * interval + (i % paths) * interval / paths), stamping each probe itself
   * right before it leaves. `onSent` reports every probe's send time (or the errno code that stopped
   * it), possibly after its reply has arrived; resolves with the number sent once all are reported.
   * The engine uses it for unsigned probes when present.
   */
  sendRound?(plan: RoundPlan, onSent: (slot: number, sentNs: bigint, errorCode?: string) => void): Promise<number>;
  close(): void;
}

/** One round as handed to a sender that paces and stamps by itself. Slot = path * count + sequence. */
export interface RoundPlan {
  /** One unsigned probe per path, its sequence and send time at `sequenceAt`, UDP checksum at `checksumAt`. */
  paths: { packet: Buffer; firstHop: string; sequenceAt: number; checksumAt: number }[];
  count: number;
  intervalMs: number;
}

export interface ProbeReceiver {
  /** The local UDP port replies come back to; probes are addressed to it. */
  readonly port: number;
  /** Registers the single consumer of returning UDP payloads. */
  onPayload(handler: (payload: Buffer, receivedNs: bigint) => void): void;
  close(): void;
}

/** Time as the engine needs it: a monotonic nanosecond clock and a way to wait. */
export interface Clock {
  nowNs(): bigint;
  sleepMs(ms: number): Promise<void>;
  /**
   * Lets pending I/O run and resumes as soon as it has (setImmediate), for waits shorter than a timer
   * can do. Optional: without it the engine calls sleepMs(0).
   */
  yieldNow?(): Promise<void>;
}

export const systemClock: Clock = {
  nowNs: () => process.hrtime.bigint(),
  sleepMs: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  yieldNow: () => new Promise((resolve) => setImmediate(resolve)),
};
