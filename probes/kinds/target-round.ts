/**
 * One probing round over targets, for any kind (icmp, tcp, udp): every target gets `count` probes,
 * `intervalMs` apart, each waiting at most `timeoutMs` for its reply. The same shape as the nested-GRE
 * engine (probes/engine/probe-round.ts), so a target's figures mean what a path's mean: sends for
 * different targets are spread evenly across each interval, send and receive times come from the helper
 * (the send time taken right before sendto(), the receive time the kernel's), and the statistics are the
 * same `roundStats`.
 *
 * A kind only builds probes and reads replies (kind-codec.ts); this engine then checks every claimed
 * reply against what it sent: that the slot was sent, that the reply comes from the target's address
 * (and port), that it went to the port the probe left from. Anything else is counted and dropped, never
 * matched, so a forged or stray packet cannot bend a figure. Send reports always come before any reply
 * to the same probe (one helper thread does both), so there is no "reply before its send time" case.
 */
import { randomInt } from 'node:crypto';
import { isAddress } from '../codec/ipv4.js';
import { roundStats, type RoundStats } from '../stats/round-stats.js';
import type { Clock } from '../transport/transport.js';
import type { KindCodec, ReceivedDatagram } from './kind-codec.js';
import { TargetProbeError } from './kind-errors.js';
import type { KindDropCounts, TargetAddressing, TargetRoundOptions, TargetRoundResult } from './probe-kind.js';
import { randomEphemeralBase, sourcePortFor, validateSourcePort } from './source-ports.js';
import type { SendReport, TargetIo } from './target-io.js';

export interface TargetRoundDeps {
  io: TargetIo;
  clock: Clock;
  /** Distinguishes this round's probes from another prober's or an earlier round's. Random by default. */
  sessionId?: number;
  /** The source address probes to an address leave from (tcp checksums); default: the target's own source or 0.0.0.0. */
  localAddressFor?: (address: string) => string;
}

/** Probes queued back to back before the loop flushes them to the helper and yields to read replies. */
const BURST = 64;
const PROGRESS_EVERY_MS = 1000;
/** Longest a round waits for the helper's barrier after its deadline. */
const SYNC_WAIT_MS = 5000;

export function validateRound(codec: KindCodec, targets: readonly TargetAddressing[], options: TargetRoundOptions): void {
  const { count, intervalMs, timeoutMs } = options;
  if (!Number.isInteger(count) || count < 1) throw new TargetProbeError(`probes.targetRound: count ${count} is not a whole number of probes; expected 1 or more`);
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0)) throw new TargetProbeError(`probes.targetRound: intervalMs ${intervalMs} is not a time; expected 0 or more`);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TargetProbeError(`probes.targetRound: timeoutMs ${timeoutMs} is not a time; expected more than 0`);
  if (targets.length * count > 0xfffffffe) throw new TargetProbeError(`probes.targetRound: ${targets.length} targets × ${count} probes is more than one round can number`);
  targets.forEach((target, index) => {
    if (!isAddress(target.address))
      throw new TargetProbeError(`probes.targetRound: targets[${index}].address ${JSON.stringify(target.address)} is not a dotted-quad IPv4 address; resolve names before the round`);
    if (target.sourceAddress !== undefined && !isAddress(target.sourceAddress)) {
      throw new TargetProbeError(`probes.targetRound: targets[${index}].sourceAddress ${JSON.stringify(target.sourceAddress)} is not a dotted-quad IPv4 address`);
    }
    if (codec.ported) {
      if (!(Number.isInteger(target.port) && target.port! >= 1 && target.port! <= 65535)) {
        throw new TargetProbeError(`probes.targetRound: targets[${index}].port ${String(target.port)} (${target.address}) is not a port; a ${codec.name} target needs one in 1..65535`);
      }
      validateSourcePort(target.sourcePort, `targets[${index}].sourcePort`);
    }
  });
  codec.validate(targets, count);
}

export async function runTargetRound(deps: TargetRoundDeps, codec: KindCodec, targets: readonly TargetAddressing[], options: TargetRoundOptions): Promise<TargetRoundResult> {
  validateRound(codec, targets, options);
  const { io, clock } = deps;
  const { count, intervalMs, timeoutMs } = options;
  const sessionId = deps.sessionId ?? randomInt(0, 2 ** 32 - 1);
  const targetCount = targets.length;
  const slots = targetCount * count;
  const localAddressFor = deps.localAddressFor ?? ((address: string) => targets.find((t) => t.address === address)?.sourceAddress ?? '0.0.0.0');
  const round = codec.startRound({ sessionId, targets, count, identifier: io.identifier, localAddressFor });

  // 0 = not sent: a monotonic clock never reads 0 once a process runs.
  const sentAtNs = new BigUint64Array(slots);
  const rttNs = new Float64Array(slots).fill(NaN);
  const sourcePorts = new Uint16Array(slots);
  const late = new Uint32Array(targetCount);
  const duplicates = new Uint32Array(targetCount);
  const refused = new Uint32Array(targetCount);
  const answered = new Uint8Array(slots);
  const portsInUse = new Set<number>();
  const drops: KindDropCounts = { malformed: 0, foreign: 0, forged: 0 };
  const sendErrors: Record<string, number> = {};
  const timeoutNs = BigInt(Math.round(timeoutMs * 1e6));
  let outstanding = slots;
  let sent = 0;
  let received = 0;
  let firstSendNs = 0n;
  let lastSendNs = 0n;
  let allAnswered: () => void = () => {};

  io.onSent((report: SendReport) => {
    const { slot } = report;
    if (!(slot < slots)) return;
    if (report.errorCode !== undefined) {
      sendErrors[report.errorCode] = (sendErrors[report.errorCode] ?? 0) + 1;
      return;
    }
    sentAtNs[slot] = report.sentNs;
    sent++;
    if (codec.ported) {
      sourcePorts[slot] = report.sourcePort;
      portsInUse.add(report.sourcePort);
    }
    if (firstSendNs === 0n) firstSendNs = report.sentNs;
    lastSendNs = report.sentNs;
  });

  io.onReceive((datagram: ReceivedDatagram, receivedNs: bigint) => {
    let verdict;
    try {
      verdict = round.match(datagram);
    } catch {
      drops.malformed++;
      return;
    }
    if ('drop' in verdict) {
      if (verdict.drop !== 'ignored') drops[verdict.drop]++;
      return;
    }
    const { slot } = verdict;
    const known = Number.isInteger(slot) && slot >= 0 && slot < slots && sentAtNs[slot] !== 0n;
    // A raw TCP socket sees every segment: one to a port this round never used is somebody else's.
    if (codec.ported && verdict.toPort !== undefined && !portsInUse.has(verdict.toPort)) return;
    if (!known) return void drops.forged++;
    const targetIndex = (slot - (slot % count)) / count;
    const target = targets[targetIndex]!;
    if (verdict.fromAddress !== target.address || datagram.fromAddress !== target.address) return void drops.forged++;
    if (codec.ported && (verdict.fromPort !== target.port || verdict.toPort !== sourcePorts[slot])) return void drops.forged++;
    if (answered[slot]) return void duplicates[targetIndex]!++;
    answered[slot] = 1;
    const rtt = receivedNs - sentAtNs[slot]!;
    if (rtt > timeoutNs || rtt < 0n) return void late[targetIndex]!++;
    rttNs[slot] = Number(rtt);
    received++;
    if (verdict.refused) refused[targetIndex]!++;
    if (verdict.followUp) {
      io.queue(0xffffffff, verdict.followUp.destination, 0, 0, verdict.followUp.data, false);
      io.flush();
    }
    if (--outstanding === 0) allAnswered();
  });

  const startNs = clock.nowNs();
  const spacingMs = intervalMs / Math.max(1, targetCount);
  const dueMs = (index: number) => Math.floor(index / targetCount) * intervalMs + (index % targetCount) * spacingMs;
  const elapsedMs = () => Number(clock.nowNs() - startNs) / 1e6;
  const chosenBase = randomEphemeralBase();
  let nextProgressMs = PROGRESS_EVERY_MS;
  const progress = () => {
    if (!options.onProgress) return;
    const now = elapsedMs();
    if (now < nextProgressMs) return;
    nextProgressMs = now + PROGRESS_EVERY_MS;
    options.onProgress({ sent, received, elapsedMs: now });
  };

  try {
    for (let index = 0; index < slots; ) {
      const horizonMs = elapsedMs() + 1;
      for (let burst = 0; burst < BURST && index < slots && dueMs(index) < horizonMs; burst++, index++) {
        const targetIndex = index % targetCount;
        const sequence = (index - targetIndex) / targetCount;
        const slot = targetIndex * count + sequence;
        const target = targets[targetIndex]!;
        const sourcePort = codec.ported ? sourcePortFor(codec.name as 'tcp' | 'udp', target, sequence, slot, chosenBase) : 0;
        const probe = round.build(targetIndex, sequence, slot, sourcePort);
        io.queue(slot, target.address, target.port ?? 0, sourcePort, probe.data);
      }
      io.flush();
      progress();
      if (index >= slots) break;
      const waitMs = dueMs(index) - elapsedMs();
      if (waitMs >= 1) await clock.sleepMs(waitMs);
      else await (clock.yieldNow ? clock.yieldNow() : clock.sleepMs(0));
    }

    // Wait for the last probe's timeout, or less if every reply is already in.
    const lastDueMs = slots === 0 ? 0 : dueMs(slots - 1);
    const deadlineMs = Math.max(lastDueMs, elapsedMs()) + timeoutMs;
    const finished = new Promise<void>((resolve) => (allAnswered = resolve));
    if (outstanding === 0) allAnswered();
    for (let remainingMs = deadlineMs - elapsedMs(); outstanding > 0 && remainingMs > 0; ) {
      // Never a zero sleep: a clock that rounds to whole nanoseconds would not move for one.
      await Promise.race([finished, clock.sleepMs(Math.min(Math.max(remainingMs, 0.01), 50))]);
      progress();
      remainingMs = deadlineMs - elapsedMs();
    }
    // Replies the kernel stamped in time may still sit in the helper's pipe when this process lags
    // (a loaded machine): read up to a barrier, bounded so a wedged helper cannot hold the round.
    if (outstanding > 0 && io.sync) await Promise.race([io.sync(), clock.sleepMs(SYNC_WAIT_MS)]);
  } finally {
    io.onReceive(() => {});
    io.onSent(() => {});
  }

  const perTarget = new Array<RoundStats>(targetCount);
  const samplesNs = new Array<Float64Array>(targetCount);
  const failedSourcePorts = new Array<number[]>(targetCount);
  for (let targetIndex = 0; targetIndex < targetCount; targetIndex++) {
    const start = targetIndex * count;
    perTarget[targetIndex] = roundStats(rttNs, late[targetIndex]!, duplicates[targetIndex]!, start, count);
    samplesNs[targetIndex] = rttNs.slice(start, start + count);
    const failed = new Set<number>();
    if (codec.ported) {
      const target = targets[targetIndex]!;
      for (let sequence = 0; sequence < count; sequence++) {
        const slot = start + sequence;
        if (!Number.isNaN(rttNs[slot]!)) continue;
        // A probe that never left has no reported port: the one it was meant to leave from.
        const port = sourcePorts[slot] || sourcePortFor(codec.name as 'tcp' | 'udp', target, sequence, slot, chosenBase);
        if (port !== 0) failed.add(port);
      }
    }
    failedSourcePorts[targetIndex] = [...failed].sort((a, b) => a - b);
  }
  return {
    perTarget,
    samplesNs,
    refused: [...refused],
    failedSourcePorts,
    drops,
    sendErrors,
    sendSpanNs: Number(lastSendNs - firstSendNs),
  };
}
