/**
 * One probing round: every path gets `count` probes, spaced `intervalMs` apart, and each probe waits at
 * most `timeoutMs` for its reply.
 *
 * Sends for different paths are spread evenly across each interval instead of leaving in one burst, so
 * a round over many paths does not queue behind itself at the first router and measure its own burst.
 * Replies are matched by (session, path, sequence) against the send time this process recorded; the
 * time written in the payload must agree with it, so a forged or replayed packet cannot bend a figure,
 * and with `signer` set every reply must also carry a valid HMAC tag. Everything that is not one of our
 * probes is counted and dropped. The clock and the sockets come in through `RoundDeps`, so tests run
 * whole rounds on a fake clock.
 *
 * Built for rate: one prebuilt template per path patched in place, send times in a typed array, no
 * per-probe timer. A sender that can pace and stamp a whole round itself (`sendRound`, the probe-tx
 * helper) gets the round in one call and reports send times back; otherwise this loop sends. The send loop sends everything due (up to `BURST` probes) and then yields, to a
 * timer when the next probe is at least a millisecond away and to the event loop's check phase
 * otherwise, so replies are read between bursts even when sending cannot keep up with the schedule.
 *
 * `runProbeRound` encodes every path's template afresh; a caller that probes the same routes round
 * after round (the monitor) should use `createRoundRunner` (round-runner.ts), which keeps them. Both
 * end in `runTemplatedRound`. What a round returns is built for 100,000 routes: per-path samples are
 * views into one array, not copies, and the round's histograms are only built if someone reads them.
 */
import { randomInt } from 'node:crypto';
import { decode as decodePayload } from '../codec/probe-payload.js';
import { ProbeTemplate, type ProbeAddressing } from '../nested-gre.js';
import type { ProbeSigner } from '../auth/probe-hmac.js';
import { roundStats, type RoundStats } from '../stats/round-stats.js';
import { PathHistograms } from '../stats/path-histograms.js';
import type { Clock, ProbeReceiver, ProbeSender } from '../transport/transport.js';

export interface RoundOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /** Fill `samplesNs` with every RTT (default true). Off, `samplesNs` holds empty arrays. */
  keepSamples?: boolean;
  /** Sign probes and accept only replies with a valid tag. */
  signer?: ProbeSigner;
  /** Subtracted from every RTT: the prober's own send+receive cost (see measureProberOverhead). */
  overheadNs?: number;
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
  /** Our session but a path or sequence we never sent, a send time that does not match ours, or a bad tag. */
  forged: number;
}

export interface RoundResult {
  perPath: RoundStats[];
  /**
   * Each path's RTTs in ns, in sequence order, NaN for a probe that did not return in time: views into
   * one array for the round (copy one to keep it on its own). Empty when `keepSamples` is false.
   */
  samplesNs: Float64Array[];
  drops: DropCounts;
  /** This round's RTT distribution per path (index = path index), to merge into a long-run view; built when first read. */
  readonly histograms: PathHistograms;
  /** From the first send to the last, so a caller can tell the rate it actually achieved. */
  sendSpanNs: number;
}

/** Probes sent back to back before the loop yields to read replies. */
const BURST = 64;

/** What `samplesNs` holds for every path when samples are not kept: one shared empty array. */
const NO_SAMPLES = new Float64Array(0);

/** The session a round runs under: the caller's fixed one, or a fresh random one per round. */
export function roundSessionId(deps: RoundDeps): number {
  return deps.sessionId ?? randomInt(0, 2 ** 32 - 1);
}

export async function runProbeRound(deps: RoundDeps, paths: PathAddressing[], options: RoundOptions): Promise<RoundResult> {
  const sessionId = roundSessionId(deps);
  const port = deps.receiver.port;
  const { signer } = options;
  const templates = paths.map((addressing, pathId) => new ProbeTemplate({ ...addressing, sourcePort: port, destinationPort: port }, { sessionId, pathId }, { signer }));
  return runTemplatedRound(
    deps,
    templates,
    paths.map((addressing) => addressing.hops[0]!),
    sessionId,
    options,
  );
}

/**
 * One round over prebuilt templates: `templates[i]` must carry `sessionId` and path id i, addressed to
 * the receiver's port and signed with `options.signer` (or not), and `firstHops[i]` is its outer
 * destination.
 */
export async function runTemplatedRound(deps: RoundDeps, templates: readonly ProbeTemplate[], firstHops: readonly string[], sessionId: number, options: RoundOptions): Promise<RoundResult> {
  const { sender, receiver, clock } = deps;
  const { count, intervalMs, timeoutMs, signer } = options;
  const overheadNs = options.overheadNs ?? 0;
  const pathCount = templates.length;
  const slots = pathCount * count;
  // 0 = not sent: a monotonic clock never reads 0 once a process runs.
  const sentAtNs = new BigUint64Array(slots);
  const rttNs = new Float64Array(slots).fill(NaN);
  const late = new Uint32Array(pathCount);
  const duplicates = new Uint32Array(pathCount);
  const drops: DropCounts = { malformed: 0, otherSession: 0, forged: 0 };
  const timeoutNs = BigInt(Math.round(timeoutMs * 1e6));
  let outstanding = slots;
  let allAnswered: () => void = () => {};

  // With a self-stamping sender (sendRound), a send time is learnt from the sender's report, which
  // can come after the reply itself: such a reply waits here for its report, and is forged if none
  // comes by the time every probe has been reported.
  const selfStamping = typeof sender.sendRound === 'function' && !signer;
  let reportsOpen = selfStamping;
  const awaitingReport = new Map<number, { receivedNs: bigint; sendTimeNs: bigint }>();

  const accept = (slot: number, pathId: number, receivedNs: bigint, sentNs: bigint) => {
    if (!Number.isNaN(rttNs[slot]!)) return void duplicates[pathId]!++;
    const rtt = receivedNs - sentNs;
    if (rtt > timeoutNs) return void late[pathId]!++;
    const measured = Math.max(0, Number(rtt) - overheadNs);
    rttNs[slot] = measured;
    if (--outstanding === 0) allAnswered();
  };

  receiver.onPayload((payload, receivedNs) => {
    let probe;
    try {
      probe = decodePayload(payload, 0);
    } catch {
      drops.malformed++;
      return;
    }
    if (probe.sessionId !== sessionId) return void drops.otherSession++;
    if (probe.pathId >= pathCount || probe.sequence >= count) return void drops.forged++;
    const slot = probe.pathId * count + probe.sequence;
    const sentNs = sentAtNs[slot]!;
    if (sentNs === 0n && reportsOpen && !awaitingReport.has(slot)) {
      awaitingReport.set(slot, { receivedNs, sendTimeNs: probe.sendTimeNs });
      return;
    }
    if (sentNs === 0n || sentNs !== probe.sendTimeNs) return void drops.forged++;
    if (signer && !signer.verify(payload)) return void drops.forged++;
    accept(slot, probe.pathId, receivedNs, sentNs);
  });

  const startNs = clock.nowNs();
  const spacingMs = intervalMs / Math.max(1, pathCount);
  const dueMs = (index: number) => Math.floor(index / pathCount) * intervalMs + (index % pathCount) * spacingMs;
  const elapsedMs = () => Number(clock.nowNs() - startNs) / 1e6;
  let firstSendNs = 0n;
  let lastSendNs = 0n;
  if (selfStamping) {
    const plan = {
      paths: templates.map((template, pathId) => ({ packet: template.packet, firstHop: firstHops[pathId]!, sequenceAt: template.sequenceAt, checksumAt: template.checksumAt })),
      count,
      intervalMs,
    };
    await sender.sendRound!(plan, (slot, sentNs, errorCode) => {
      if (errorCode !== undefined || slot >= slots) return;
      sentAtNs[slot] = sentNs;
      if (firstSendNs === 0n || sentNs < firstSendNs) firstSendNs = sentNs;
      if (sentNs > lastSendNs) lastSendNs = sentNs;
      const early = awaitingReport.get(slot);
      if (!early) return;
      awaitingReport.delete(slot);
      if (early.sendTimeNs !== sentNs) return void drops.forged++;
      accept(slot, (slot - (slot % count)) / count, early.receivedNs, sentNs);
    });
    reportsOpen = false;
    drops.forged += awaitingReport.size;
    awaitingReport.clear();
  }
  for (let index = selfStamping ? slots : 0; index < slots; ) {
    const horizonMs = elapsedMs() + 1;
    for (let burst = 0; burst < BURST && index < slots && dueMs(index) < horizonMs; burst++, index++) {
      const pathId = index % pathCount;
      const sequence = (index - pathId) / pathCount;
      const template = templates[pathId]!;
      const slot = pathId * count + sequence;
      sender.send(template.packet, firstHops[pathId]!, () => {
        const now = clock.nowNs();
        sentAtNs[slot] = now;
        template.stamp(sequence, now);
        if (firstSendNs === 0n) firstSendNs = now;
        lastSendNs = now;
      });
    }
    if (index >= slots) break;
    const waitMs = dueMs(index) - elapsedMs();
    if (waitMs >= 1) await clock.sleepMs(waitMs);
    else await (clock.yieldNow ? clock.yieldNow() : clock.sleepMs(0));
  }

  // Wait for the last probe's timeout, or less if every reply is already in.
  const lastDueMs = slots === 0 ? 0 : dueMs(slots - 1);
  const deadlineMs = Math.max(lastDueMs, elapsedMs()) + timeoutMs;
  const finished = new Promise<void>((resolve) => (allAnswered = resolve));
  // Short sleeps, so a round that is answered early leaves no long timer behind.
  for (let remainingMs = deadlineMs; outstanding > 0 && remainingMs > 0; ) {
    await Promise.race([finished, clock.sleepMs(Math.min(remainingMs, 50))]);
    remainingMs = deadlineMs - elapsedMs();
  }
  receiver.onPayload(() => {});

  const perPath = new Array<RoundStats>(pathCount);
  for (let pathId = 0; pathId < pathCount; pathId++) perPath[pathId] = roundStats(rttNs, late[pathId]!, duplicates[pathId]!, pathId * count, count);
  const keep = options.keepSamples ?? true;
  const samplesNs = new Array<Float64Array>(pathCount);
  for (let pathId = 0; pathId < pathCount; pathId++) samplesNs[pathId] = keep ? rttNs.subarray(pathId * count, (pathId + 1) * count) : NO_SAMPLES;
  let histograms: PathHistograms | undefined;
  return {
    perPath,
    samplesNs,
    drops,
    // Built on first read: one histogram per path is a 1 KiB array per path per round, which the
    // monitor never reads.
    get histograms() {
      return (histograms ??= PathHistograms.fromSamples(rttNs, pathCount, count));
    },
    sendSpanNs: Number(lastSendNs - firstSendNs),
  };
}
