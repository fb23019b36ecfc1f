/**
 * Which source port each TCP or UDP probe leaves from. A pinned port is an application's own (probe as
 * its packets travel); a range is swept one port per probe in turn, so with enough probes every port is
 * tried and an ECMP member that drops shows up as the source ports that fail (fbtracert's method).
 * Absent, the engine chooses: for tcp a different port per probe from the ephemeral range, starting at a
 * random place each round, so a round never reuses a port the previous one left half-open; for udp 0,
 * which the helper reads as "its own ephemeral socket".
 */
import { TargetProbeError } from './kind-errors.js';
import type { TargetAddressing } from './probe-kind.js';

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_COUNT = 60999 - EPHEMERAL_FIRST + 1;

/** Throws unless `sourcePort` is absent, a port 1..65535, or an ordered range of them. */
export function validateSourcePort(sourcePort: TargetAddressing['sourcePort'], field: string): void {
  if (sourcePort === undefined) return;
  const isPort = (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
  if (typeof sourcePort === 'number') {
    if (!isPort(sourcePort)) throw new TargetProbeError(`probes.targetRound: ${field} ${sourcePort} is not a port; expected 1..65535`);
    return;
  }
  const [first, last] = sourcePort;
  if (!isPort(first) || !isPort(last) || first > last) {
    throw new TargetProbeError(`probes.targetRound: ${field} ${JSON.stringify(sourcePort)} is not a port range; expected [first, last] with 1 <= first <= last <= 65535`);
  }
}

/**
 * The source port of probe `sequence` to `target`; `chosenBase` is the round's random offset into the
 * ephemeral range, `slot` the probe's slot in the round.
 */
export function sourcePortFor(kind: 'tcp' | 'udp', target: TargetAddressing, sequence: number, slot: number, chosenBase: number): number {
  const pinned = target.sourcePort;
  if (typeof pinned === 'number') return pinned;
  if (pinned) return pinned[0] + (sequence % (pinned[1] - pinned[0] + 1));
  if (kind === 'udp') return 0;
  return EPHEMERAL_FIRST + ((chosenBase + slot) % EPHEMERAL_COUNT);
}

export function randomEphemeralBase(): number {
  return Math.floor(Math.random() * EPHEMERAL_COUNT);
}
