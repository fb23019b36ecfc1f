/**
 * Per-path series. Labels are `path_id` and `group` only: both are bounded by the probe plan (maxPaths
 * per endpoint pair), while hop names or addresses on every series would multiply series on every
 * topology change. The names live on one series per path instead, `pathmon_path_info{path_id, group,
 * from, to, hops}` (value 1), which PromQL joins on (`* on(path_id) group_left(from, to, hops)`). GONE
 * paths have no series at all. Units follow Prometheus conventions: seconds and ratios (0..1).
 *
 * The per-path RTT histogram is most of a path's series (one per bucket, plus sum and count), so
 * `pathHistograms: false` drops it; the per-group histogram (group-rtt.ts) stays for heatmaps.
 */
import type { Registry } from 'prom-client';
import type { LivePath, MonitorView } from '../monitor/monitor-view.js';
import { pathStateNames } from '../monitor/path-state.js';
import type { GroupHistogram, GroupRttTotals } from './group-rtt.js';
import { registerFamily, type Sample } from './metric-family.js';
import { pathInfoLabels } from './path-labels.js';
import type { ProbeTotals } from './probe-totals.js';
import type { RttBucketSelector, SourceHistogram } from './rtt-buckets.js';

const LIVE_STATES = pathStateNames.filter((state) => state !== 'GONE');

export interface PathMetricsOptions {
  buckets: RttBucketSelector;
  pathHistograms: boolean;
}

export function registerPathMetrics(registry: Registry, view: MonitorView, totals: ProbeTotals, groupRtt: GroupRttTotals, options: PathMetricsOptions): void {
  // One view read per scrape, shared by the families (prom-client collects them in turn).
  let snapshot: { at: number; paths: LivePath[] } | null = null;
  const livePaths = (): LivePath[] => {
    const now = Date.now();
    if (!snapshot || now - snapshot.at > 500) {
      const all = view.paths();
      // GONE paths too: their last replies belong to the group's totals.
      groupRtt.update(all);
      const paths = all.filter((path) => path.state !== 'GONE');
      totals.retain(new Set(paths.map((path) => path.record.id)));
      snapshot = { at: now, paths };
    }
    return snapshot.paths;
  };
  const labelsOf = (path: LivePath) => ({ path_id: path.record.id, group: path.record.group });

  registerFamily(registry, 'pathmon_path_info', 'One series per path (value 1) naming it: endpoints and hops by node name, for joins on path_id.', 'gauge', () =>
    livePaths().map((path) => ({ labels: pathInfoLabels(path.record), value: 1 })),
  );
  if (options.pathHistograms) {
    registerFamily(registry, 'pathmon_path_rtt_seconds', 'Round-trip time of every probe reply since start, per path.', 'histogram', () =>
      livePaths().flatMap((path) => histogramSamples('pathmon_path_rtt_seconds', labelsOf(path), path.rttHistogram, options.buckets)),
    );
  }
  registerFamily(registry, 'pathmon_group_rtt_seconds', 'Round-trip time of every probe reply since start, all paths of the group (paths that left included).', 'histogram', () => {
    livePaths(); // brings the group totals up to date
    return [...groupRtt.histograms()].flatMap(([group, histogram]) => histogramSamples('pathmon_group_rtt_seconds', { group }, histogram, options.buckets));
  });
  registerFamily(registry, 'pathmon_path_loss_ratio', "Share of the last round's probes that did not come back (0..1).", 'gauge', () =>
    livePaths().flatMap((path) => (path.lastRound ? [{ labels: labelsOf(path), value: path.lastRound.lossPct / 100 }] : [])),
  );
  registerFamily(registry, 'pathmon_path_jitter_seconds', 'Mean absolute difference of consecutive RTTs in the last round (RFC 5481 IPDV).', 'gauge', () =>
    livePaths().flatMap((path) => (path.lastRound?.jitterMs != null ? [{ labels: labelsOf(path), value: path.lastRound.jitterMs / 1000 }] : [])),
  );
  registerFamily(registry, 'pathmon_path_state', "The path's state: 1 on the series whose state label is the current one, 0 on the others.", 'gauge', () =>
    livePaths().flatMap((path) => LIVE_STATES.map((state) => ({ labels: { ...labelsOf(path), state }, value: path.state === state ? 1 : 0 }))),
  );
  registerFamily(registry, 'pathmon_path_state_since_timestamp_seconds', 'When the path entered its current state (Unix time).', 'gauge', () =>
    livePaths().map((path) => ({ labels: labelsOf(path), value: path.stateSinceMs / 1000 })),
  );
  registerFamily(registry, 'pathmon_path_probes_sent_total', 'Probes sent on the path since start.', 'counter', () =>
    livePaths().flatMap((path) => {
      const total = totals.get(path.record.id);
      return total ? [{ labels: labelsOf(path), value: total.sent }] : [];
    }),
  );
  registerFamily(registry, 'pathmon_path_probes_received_total', 'Probe replies received in time on the path since start.', 'counter', () =>
    livePaths().flatMap((path) => {
      const total = totals.get(path.record.id);
      return total ? [{ labels: labelsOf(path), value: total.received }] : [];
    }),
  );
  registerFamily(registry, 'pathmon_paths', 'Monitored paths by state, GONE included.', 'gauge', () => {
    const counts = new Map(pathStateNames.map((state) => [state, 0]));
    for (const path of view.paths()) counts.set(path.state, (counts.get(path.state) ?? 0) + 1);
    return [...counts].map(([state, value]) => ({ labels: { state }, value }));
  });
}

function histogramSamples(name: string, labels: Record<string, string>, histogram: SourceHistogram | GroupHistogram, buckets: RttBucketSelector): Sample[] {
  const { boundsMs, sourceIndexes } = buckets.select(histogram.upperBoundsMs);
  const samples: Sample[] = boundsMs.map((boundMs, i) => ({
    metricName: `${name}_bucket`,
    labels: { ...labels, le: boundMs / 1000 },
    value: histogram.cumulativeCounts[sourceIndexes[i]!] ?? 0,
  }));
  samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: histogram.count });
  samples.push({ metricName: `${name}_sum`, labels, value: histogram.sumMs / 1000 });
  samples.push({ metricName: `${name}_count`, labels, value: histogram.count });
  return samples;
}
