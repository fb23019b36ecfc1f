/**
 * The Node.js process series (CPU, memory, heap, event-loop lag, file descriptors, GC) from prom-client's
 * defaults, less three gauges whose names break the exposition conventions: `nodejs_active_handles_total`,
 * `nodejs_active_requests_total` and `nodejs_active_resources_total` are gauges named like counters,
 * which `promtool check metrics` rejects and `rate()` would misread. Nothing is lost: each is the sum of
 * its per-type gauge (`sum(nodejs_active_handles)`).
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

export const DROPPED_PROCESS_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_PROCESS_METRICS) registry.removeSingleMetric(name);
}
