/**
 * Whole-monitor series: probes and rounds, foreign packets dropped on the probe port, the round results'
 * way to the database (`pathmon_results_*`: buffered, spilled, unsaved, dropped), the topology's
 * freshness and age, and the ExaBGP session. `pathmon_topology_age_seconds` is how out of date the graph
 * in use may be: 0 while the source is live, converging or a static file, and the time since the feed
 * went stale otherwise, which is what an alert wants ("probing on a topology 10 minutes old").
 */
import type { Registry } from 'prom-client';
import type { TopologyFreshness } from '../live/topology-source.js';
import type { MonitorView } from '../monitor/monitor-view.js';
import type { ResultWriterView } from '../store/index.js';
import { registerFamily } from './metric-family.js';

const FRESHNESS: TopologyFreshness[] = ['static', 'converging', 'live', 'stale'];

export function registerMonitorMetrics(registry: Registry, view: MonitorView, clock: () => number): void {
  registerFamily(registry, 'pathmon_probes_sent_total', 'Probes sent since start, all paths.', 'counter', () => [{ value: view.counters().probesSent }]);
  registerFamily(registry, 'pathmon_probes_received_total', 'Probe replies received in time since start, all paths.', 'counter', () => [{ value: view.counters().probesReceived }]);
  registerFamily(registry, 'pathmon_rounds_total', 'Probing rounds completed since start.', 'counter', () => [{ value: view.counters().rounds }]);
  registerFamily(registry, 'pathmon_probe_port_drops_total', 'Packets on the probe port that were not ours, by reason.', 'counter', () => {
    const { drops } = view.counters();
    return [
      { labels: { reason: 'malformed' }, value: drops.malformed },
      { labels: { reason: 'other_session' }, value: drops.otherSession },
      { labels: { reason: 'forged' }, value: drops.forged },
    ];
  });
  registerFamily(registry, 'pathmon_last_round_timestamp_seconds', 'When the last round finished (Unix time).', 'gauge', () => {
    const atMs = view.counters().lastRoundAtMs;
    return atMs === null ? [] : [{ value: atMs / 1000 }];
  });
  registerFamily(registry, 'pathmon_replan_duration_seconds', "The last re-plan's delay from topology change to new plan.", 'gauge', () => {
    const ms = view.counters().lastReplanMs;
    return ms === null ? [] : [{ value: ms / 1000 }];
  });

  // Round results on their way to the database: absent for a view without a writer. unsaved_rows above
  // zero means rows held only in memory because neither the database nor the spill directory took them.
  const writer = () => (view as MonitorView & ResultWriterView).resultWriter?.() ?? null;
  const fromWriter = (value: (stats: NonNullable<ReturnType<typeof writer>>) => number) => () => {
    const stats = writer();
    return stats ? [{ value: value(stats) }] : [];
  };
  registerFamily(
    registry,
    'pathmon_results_written_total',
    'Round result rows the database accepted since start.',
    'counter',
    fromWriter((s) => s.written),
  );
  registerFamily(
    registry,
    'pathmon_results_buffered_rows',
    'Round result rows waiting in memory for the database.',
    'gauge',
    fromWriter((s) => s.buffered),
  );
  registerFamily(
    registry,
    'pathmon_results_spilled_rows',
    'Round result rows waiting in spill files for the database.',
    'gauge',
    fromWriter((s) => s.spilled),
  );
  registerFamily(
    registry,
    'pathmon_results_unsaved_rows',
    'Round result rows neither written nor spilled (the spill directory refused them): lost if the monitor stops.',
    'gauge',
    fromWriter((s) => s.unsaved),
  );
  registerFamily(
    registry,
    'pathmon_results_dropped_total',
    'Round result rows lost: beyond the memory bound, or refused and not set aside.',
    'counter',
    fromWriter((s) => s.dropped),
  );
  registerFamily(
    registry,
    'pathmon_results_spill_failures_total',
    'Spill-directory writes and reads that failed (full disk, no access).',
    'counter',
    fromWriter((s) => s.spillFailures),
  );
  registerFamily(
    registry,
    'pathmon_results_write_failures_total',
    'Failed writes of round results to the database.',
    'counter',
    fromWriter((s) => s.failedWrites),
  );
  registerFamily(
    registry,
    'pathmon_results_rejected_total',
    'Round result rows the database refused, set aside in rejected-*.jsonl.',
    'counter',
    fromWriter((s) => s.rejected),
  );

  registerFamily(registry, 'pathmon_topology_age_seconds', 'How out of date the topology in use may be: 0 unless the source is stale, then seconds since it went stale.', 'gauge', () => {
    const status = view.topology().status;
    return [{ value: status.freshness === 'stale' && status.staleSinceMs !== null ? Math.max(0, clock() - status.staleSinceMs) / 1000 : 0 }];
  });
  registerFamily(registry, 'pathmon_topology_last_change_timestamp_seconds', 'When the topology graph last changed (Unix time).', 'gauge', () => {
    const atMs = view.topology().status.lastChangeMs;
    return atMs === null ? [] : [{ value: atMs / 1000 }];
  });
  registerFamily(registry, 'pathmon_topology_freshness', "The topology source's freshness: 1 on the current one.", 'gauge', () => {
    const { freshness } = view.topology().status;
    return FRESHNESS.map((name) => ({ labels: { freshness: name }, value: name === freshness ? 1 : 0 }));
  });
  registerFamily(registry, 'pathmon_topology_nodes', 'Nodes in the topology graph.', 'gauge', () => [{ value: view.topology().graph.graph.order }]);
  registerFamily(registry, 'pathmon_topology_links', 'Directed links in the topology graph.', 'gauge', () => [{ value: view.topology().graph.graph.size }]);
  registerFamily(registry, 'pathmon_topology_skipped_lines_total', 'Topology feed lines skipped as invalid or unusable.', 'counter', () => [{ value: view.topology().status.skippedLines }]);
  registerFamily(registry, 'pathmon_exabgp_session_up', 'Whether the ExaBGP BGP-LS session is up (1) or not (0); absent for a file topology.', 'gauge', () => {
    const status = view.topology().status;
    return status.spec.startsWith('exabgp:') ? [{ value: status.sessionUp ? 1 : 0 }] : [];
  });
  registerFamily(registry, 'pathmon_exabgp_restarts_total', 'ExaBGP restarts (exits, hangs, silence past hold time) since start.', 'counter', () => {
    const status = view.topology().status;
    return status.spec.startsWith('exabgp:') ? [{ value: status.restarts }] : [];
  });
}
