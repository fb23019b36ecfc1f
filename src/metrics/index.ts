/**
 * src/metrics: pathmon's Prometheus exposition, computed from a MonitorView at scrape time. The web
 * server serves it at `/metrics`; nothing here opens a socket. Families: per path and per group
 * (path-metrics.ts), per directed link and incident (link-metrics.ts), the whole monitor
 * (monitor-metrics.ts), build info and the Node.js process. `kit/` holds what a Prometheus and Grafana
 * owner installs beside it: alerting and recording rules, a dashboard and its provisioning files.
 */
import { registerAgentMetrics } from '../fleet/agent-metrics.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { Registry } from 'prom-client';
import { defaultMetrics } from '../config/index.js';
import type { MonitorView } from '../monitor/monitor-view.js';
import { registerBuildInfo } from './build-info.js';
import { GroupRttTotals } from './group-rtt.js';
import { registerLinkMetrics } from './link-metrics.js';
import { registerMonitorMetrics } from './monitor-metrics.js';
import { registerPathMetrics } from './path-metrics.js';
import { registerTargetMetrics } from './target-metrics.js';
import { ProbeTotals } from './probe-totals.js';
import { registerProcessMetrics } from './process-metrics.js';
import { RttBucketSelector } from './rtt-buckets.js';

export { pathmonVersion } from './build-info.js';
export { hopsLabel, MAX_HOPS_CHARS } from './path-labels.js';

export interface MetricsOptions {
  /** Epoch milliseconds; tests pass a fake clock. */
  clock?: () => number;
  /** The Node.js process series (default true). */
  processMetrics?: boolean;
  /** RTT histogram bounds to export (config `metrics.rttBucketsMs`); default the config's default. */
  rttBucketsMs?: readonly number[];
  /** Export each path's RTT histogram (config `metrics.pathHistograms`, default true). */
  pathHistograms?: boolean;
  /** `pathmon_build_info`'s version label; default the package's version. */
  version?: string;
  /** Fleet mode: the fleet's name and its database, for the per-agent series (`pathmon_agent_up`, ...). */
  fleet?: { name: string; client: () => SqlQueryable | null };
}

export interface PathmonMetrics {
  /** The Content-Type of `render()`'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

export function createMetrics(view: MonitorView, options: MetricsOptions = {}): PathmonMetrics {
  const registry = new Registry();
  const totals = new ProbeTotals(view);
  const buckets = new RttBucketSelector(options.rttBucketsMs ?? defaultMetrics.rttBucketsMs);
  registerPathMetrics(registry, view, totals, new GroupRttTotals(), { buckets, pathHistograms: options.pathHistograms ?? defaultMetrics.pathHistograms });
  registerMonitorMetrics(registry, view, options.clock ?? Date.now);
  registerLinkMetrics(registry, view);
  registerTargetMetrics(registry, view);
  registerBuildInfo(registry, options.version);
  if (options.fleet) registerAgentMetrics(registry, options.fleet.client, options.fleet.name);
  if (options.processMetrics ?? true) registerProcessMetrics(registry);
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: () => {
      totals.close();
      registry.clear();
    },
  };
}
