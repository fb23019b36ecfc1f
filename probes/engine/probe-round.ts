/**
 * One probing round: every path gets `count` probes, spaced `intervalMs` apart, and each probe waits at
 * most `timeoutMs` for its reply.
 *
 * Sends for different paths are spread evenly across each interval instead of leaving in one burst, so
 * a round over many paths does not queue behind itself at the first router and measure its own burst.
 * Replies are matched by (session, path, sequence) against the send time this process recorded; the
 * time written in the payload must agree with it, so a forged or replayed packet cannot bend a figure.
 * Everything that is not one of our probes is counted and dropped. The clock and the sockets come in
 * through `RoundDeps`, so tests run whole rounds on a fake clock.
 */
import { randomInt } from 'node:crypto';
import { decode as decodePayload } from '../codec/probe-payload.js';
import { ProbeTemplate, type ProbeAddressing } from '../nested-gre.js';
import { roundStats, type RoundStats } from '../stats/round-stats.js';
import type { Clock, ProbeReceiver, ProbeSender } from '../transport/transport.js';

export interface RoundOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface RoundDeps {
  sender: ProbeSender;
  receiver: ProbeReceiver;
  clock: Clock;
  /** Distinguishes this run's probes from another prober's or an earlier run's. Random by default. */
  sessionId?: number;
}

/** Where to send one path's probes; `firstHop` is the outermost destination. */
export type PathAddressing = Omit<ProbeAddressing, 'sourcePort' | 'destinationPort'>;

export interface DropCounts {
  /** Not a pathmon probe at all (wrong magic, truncated, unknown version). */
  malformed: number;
  /** A pathmon probe from another session. */
  otherSession: number;
  /** Our session but a path or sequence we never sent, or a send time that does not match ours. */
  forged: number;
}

export interface RoundResult {
  perPath: RoundStats[];
  /** Each path's RTTs in ns, in sequence order, NaN for a probe that did not return in time. */
  samplesNs: Float64Array[];
  drops: DropCounts;
}

export async function runProbeRound(deps: RoundDeps, paths: PathAddressing[], options: RoundOptions): Promise<RoundResult> {
  const { sender, receiver, clock } = deps;
  const sessionId = deps.sessionId ?? randomInt(0, 2 ** 32 - 1);
  const { count, intervalMs, timeoutMs } = options;
  const port = receiver.port;
  const templates = paths.map(
    (addressing, pathId) => new ProbeTemplate({ ...addressing, sourcePort: port, destinationPort: port }, { sessionId, pathId }),
  );

  const slots = paths.length * count;
  const sentAtNs = new Array<bigint>(slots);
  const rttNs = new Float64Array(slots).fill(NaN);
  const late = new Uint32Array(paths.length);
  const duplicates = new Uint32Array(paths.length);
  const drops: DropCounts = { malformed: 0, otherSession: 0, forged: 0 };
  const timeoutNs = BigInt(Math.round(timeoutMs * 1e6));
  let outstanding = slots;
  let allAnswered: () => void = () => {};

  receiver.onPayload((payload, receivedNs) => {
    let probe;
    try {
      probe = decodePayload(payload, 0);
    } catch {
      drops.malformed++;
      return;
    }
    if (probe.sessionId !== sessionId) return void drops.otherSession++;
    if (probe.pathId >= paths.length || probe.sequence >= count) return void drops.forged++;
    const slot = probe.pathId * count + probe.sequence;
    const sentNs = sentAtNs[slot];
    if (sentNs === undefined || sentNs !== probe.sendTimeNs) return void drops.forged++;
    if (!Number.isNaN(rttNs[slot]!)) return void duplicates[probe.pathId]!++;
    const rtt = receivedNs - sentNs;
    if (rtt > timeoutNs) return void late[probe.pathId]!++;
    rttNs[slot] = Number(rtt);
    if (--outstanding === 0) allAnswered();
  });

  const startNs = clock.nowNs();
  const spacingMs = intervalMs / Math.max(1, paths.length);
  for (let sequence = 0; sequence < count; sequence++) {
    for (let pathId = 0; pathId < paths.length; pathId++) {
      const dueMs = sequence * intervalMs + pathId * spacingMs;
      const waitMs = dueMs - Number(clock.nowNs() - startNs) / 1e6;
      if (waitMs >= 1) await clock.sleepMs(waitMs);
      const template = templates[pathId]!;
      const slot = pathId * count + sequence;
      sender.send(template.packet, paths[pathId]!.hops[0]!, () => {
        const now = clock.nowNs();
        sentAtNs[slot] = now;
        template.stamp(sequence, now);
      });
    }
  }

  // Wait for the last probe's timeout, or less if every reply is already in.
  const lastDueMs = (count - 1) * intervalMs + (paths.length - 1) * spacingMs;
  const deadlineMs = lastDueMs + timeoutMs;
  const finished = new Promise<void>((resolve) => (allAnswered = resolve));
  // Short sleeps, so a round that is answered early leaves no long timer behind.
  for (let remainingMs = deadlineMs; outstanding > 0 && remainingMs > 0; ) {
    await Promise.race([finished, clock.sleepMs(Math.min(remainingMs, 50))]);
    remainingMs = deadlineMs - Number(clock.nowNs() - startNs) / 1e6;
  }
  receiver.onPayload(() => {});

  const perPath = paths.map((_, pathId) =>
    roundStats(rttNs.subarray(pathId * count, (pathId + 1) * count), late[pathId]!, duplicates[pathId]!),
  );
  const samplesNs = paths.map((_, pathId) => rttNs.slice(pathId * count, (pathId + 1) * count));
  return { perPath, samplesNs, drops };
}
