/**
 * Series only ICMP/TCP/UDP targets have. A target's RTT, loss, jitter, state and probe counts are the
 * per-path series (`pathmon_path_*{path_id, group}`), and `pathmon_path_info` names it (from the prober,
 * to the target as written, hops `tcp db1:5432`); what a path has no word for is here:
 * `pathmon_target_info{path_id, group, kind, target, port}` for joins on the probe kind, the share of
 * the last round's TCP probes answered by RST (closed port, host reachable), and whether the last round
 * was lost because the name did not resolve. The resolved address is not a label: it changes with DNS
 * and would start a new series each time.
 */
import type { Registry } from 'prom-client';
import type { LivePath, MonitorView } from '../monitor/monitor-view.js';
import { registerFamily } from './metric-family.js';

export function registerTargetMetrics(registry: Registry, view: MonitorView): void {
  const liveTargets = (): (LivePath & { target: NonNullable<LivePath['target']> })[] =>
    view.paths().filter((path): path is LivePath & { target: NonNullable<LivePath['target']> } => path.target !== undefined && path.state !== 'GONE');
  const labelsOf = (path: LivePath) => ({ path_id: path.record.id, group: path.record.group });

  registerFamily(registry, 'pathmon_target_info', 'One series per ICMP/TCP/UDP target (value 1): its probe kind, the target as written and its port.', 'gauge', () =>
    liveTargets().map((path) => ({
      labels: { ...labelsOf(path), kind: path.kind ?? 'gre', target: path.target.host, port: path.target.port === null ? '' : String(path.target.port) },
      value: 1,
    })),
  );
  registerFamily(registry, 'pathmon_target_refused_ratio', "Share of the last round's TCP probes answered by RST (port closed, host reachable), 0..1.", 'gauge', () =>
    liveTargets().flatMap((path) => (path.lastRound && path.lastRound.sent > 0 ? [{ labels: labelsOf(path), value: path.target.refused / path.lastRound.sent }] : [])),
  );
  registerFamily(registry, 'pathmon_target_unresolved', "1 when the target's last round was lost because its DNS name did not resolve, else 0.", 'gauge', () =>
    liveTargets().flatMap((path) => (path.lastRound ? [{ labels: labelsOf(path), value: path.target.problem !== null && path.target.address === null ? 1 : 0 }] : [])),
  );
}
