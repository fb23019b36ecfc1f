/**
 * src/metrics: pathmon's Prometheus exposition, computed from a MonitorView at scrape time. The web
 * server serves it at `/metrics`; nothing here opens a socket. Families: per path (path-metrics.ts), per
 * directed link and incident (link-metrics.ts), and the whole monitor (monitor-metrics.ts).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { MonitorView } from '../monitor/monitor-view.js';
import { registerLinkMetrics } from './link-metrics.js';
import { registerMonitorMetrics } from './monitor-metrics.js';
import { registerPathMetrics } from './path-metrics.js';
import { ProbeTotals } from './probe-totals.js';

export interface PathmonMetrics {
  /** The Content-Type of `render()`'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

export function createMetrics(view: MonitorView, options: { clock?: () => number; processMetrics?: boolean } = {}): PathmonMetrics {
  const registry = new Registry();
  const totals = new ProbeTotals(view);
  registerPathMetrics(registry, view, totals);
  registerMonitorMetrics(registry, view, options.clock ?? Date.now);
  registerLinkMetrics(registry, view);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: () => {
      totals.close();
      registry.clear();
    },
  };
}
