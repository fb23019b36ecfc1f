/**
 * Self-calibration: the prober's own share of every RTT. Probes that never leave the host (plain
 * UDP from `source` to `source`, no GRE) go through the same template, stamp, sender and receiver as
 * real ones, so their RTT is this prober's send+receive cost: user space to the kernel on the way
 * out, the kernel's receive path and timestamp on the way back, with no network in between. Its
 * median can be passed to runProbeRound as `overheadNs`, and is reported so a reader can tell what
 * part of a sub-millisecond RTT is the prober's. They go one at a time, so they never queue behind
 * each other.
 */
import { randomInt } from 'node:crypto';
import { decode as decodePayload } from '../codec/probe-payload.js';
import { ProbeTemplate, probePacketLength } from '../nested-gre.js';
import { nearestRank } from '../stats/round-stats.js';
import type { Clock, ProbeReceiver, ProbeSender } from '../transport/transport.js';

export interface ProberOverhead {
  samples: number;
  minNs: number;
  medianNs: number;
  p99Ns: number;
}

export async function measureProberOverhead(
  deps: { sender: ProbeSender; receiver: ProbeReceiver; clock: Clock },
  source: string,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<ProberOverhead> {
  const { sender, receiver, clock } = deps;
  const count = options.count ?? 200;
  const timeoutMs = options.timeoutMs ?? 100;
  const sessionId = randomInt(0, 2 ** 32 - 1);
  const port = receiver.port;
  // One GRE layer addressed to ourselves, of which only the inner IPv4+UDP is sent.
  const template = new ProbeTemplate({ source, hops: [source], returnAddress: source, sourcePort: port, destinationPort: port }, { sessionId, pathId: 0 });
  const core = template.packet.subarray(probePacketLength(1) - probePacketLength(0));
  const rtts: number[] = [];
  let sentNs = 0n;
  let waiting: ((rttNs: number) => void) | undefined;
  receiver.onPayload((payload, receivedNs) => {
    try {
      const probe = decodePayload(payload, 0);
      if (probe.sessionId === sessionId && probe.sendTimeNs === sentNs) waiting?.(Number(receivedNs - sentNs));
    } catch {
      // not ours
    }
  });
  for (let sequence = 0; sequence < count; sequence++) {
    const reply = new Promise<number | undefined>((resolve) => {
      waiting = resolve;
      void clock.sleepMs(timeoutMs).then(() => resolve(undefined));
    });
    sender.send(core, source, () => {
      sentNs = clock.nowNs();
      template.stamp(sequence, sentNs);
    });
    const rtt = await reply;
    if (rtt !== undefined) rtts.push(rtt);
  }
  receiver.onPayload(() => {});
  const sorted = Float64Array.from(rtts).sort();
  return {
    samples: sorted.length,
    minNs: sorted.length ? sorted[0]! : NaN,
    medianNs: sorted.length ? nearestRank(sorted, 50) : NaN,
    p99Ns: sorted.length ? nearestRank(sorted, 99) : NaN,
  };
}
