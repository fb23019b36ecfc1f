/**
 * A target as the monitor watches it: one route per (group, target), with a stable id, the name
 * reports, tickets and /metrics give it (`tcp db1:5432`, `icmp 10.2.0.9`), and the group's settings
 * resolved against the config's `probing:` and `thresholds:` so nothing downstream looks them up again.
 *
 * The id is a digest of group, kind, host and port, not a counter, so a restart (or a reordered file)
 * finds the same history, states and open tickets.
 */
import { createHash } from 'node:crypto';
import type { TargetAddressing, TargetRoundOptions } from '../../probes/index.js';
import type { ProbingConfig, Thresholds } from '../config/index.js';
import type { TargetGroupConfig, TargetSpec } from '../config/target-groups-schema.js';

export interface TargetRoute {
  /** `target-` and 16 hex digits of sha256(group, kind, host, port). */
  id: string;
  group: string;
  kind: TargetGroupConfig['kind'];
  target: TargetSpec;
  /** Destination port (the target's own, else the group's); null for icmp. */
  port: number | null;
  /** `tcp db1:5432`: the kind and the target as written (with the group's port when it set one). */
  label: string;
  /** The prober node the probes leave from (reports show paths and targets from the same place). */
  from: string;
  /** Everything of the probe's addressing but the address, which is resolved each round. */
  addressing: Omit<TargetAddressing, 'address'>;
  options: TargetRoundOptions;
  /** Time between the group's rounds; null: every monitor round. */
  everyMs: number | null;
  thresholds: Thresholds;
}

export interface TargetDefaults {
  probing: Pick<ProbingConfig, 'probesPerRound' | 'probeSpacingMs' | 'timeoutMs'>;
  thresholds: Thresholds;
  /** The prober node's name (config `prober.node`). */
  from: string;
}

/** Every target of every group, in config order. */
export function targetRoutes(groups: readonly TargetGroupConfig[], defaults: TargetDefaults): TargetRoute[] {
  return groups.flatMap((group) => group.targets.map((target) => targetRoute(group, target, defaults)));
}

export function targetRoute(group: TargetGroupConfig, target: TargetSpec, defaults: TargetDefaults): TargetRoute {
  const port = group.kind === 'icmp' ? null : (target.port ?? group.port);
  const written = target.port === null && port !== null ? `${target.text}:${port}` : target.text;
  const addressing: Omit<TargetAddressing, 'address'> = {
    ...(port !== null && { port }),
    ...(group.sourceAddress !== null && { sourceAddress: group.sourceAddress }),
    ...(group.sourcePort !== null && { sourcePort: group.sourcePort }),
    ...(group.payloadBytes !== null && { payloadBytes: group.payloadBytes }),
  };
  return {
    id: targetRouteId(group.name, group.kind, target.host, port),
    group: group.name,
    kind: group.kind,
    target,
    port,
    label: `${group.kind} ${written}`,
    from: defaults.from,
    addressing,
    options: {
      count: group.probesPerRound ?? defaults.probing.probesPerRound,
      intervalMs: group.probeSpacingMs ?? defaults.probing.probeSpacingMs,
      timeoutMs: group.timeoutMs ?? defaults.probing.timeoutMs,
    },
    everyMs: group.intervalMs,
    thresholds: { ...defaults.thresholds, ...group.thresholds },
  };
}

export function targetRouteId(group: string, kind: string, host: string, port: number | null): string {
  const digest = createHash('sha256')
    .update(`${group}\n${kind}\n${host.toLowerCase()}\n${port ?? ''}`)
    .digest('hex');
  return `target-${digest.slice(0, 16)}`;
}
