/**
 * A metric family whose samples are computed at scrape time from the monitor's view, registered in a
 * prom-client Registry (which does the text-format escaping and layout). prom-client's own Gauge and
 * Histogram keep label sets until told to remove them; computing every family from the view at each
 * scrape means a path that left the plan (GONE) simply has no series any more, so series stay bounded
 * by the plan without bookkeeping.
 */
import type { Registry } from 'prom-client';

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface Sample {
  metricName?: string;
  labels?: Record<string, string | number>;
  value: number;
}

export function registerFamily(registry: Registry, name: string, help: string, type: MetricType, samples: () => Sample[]): void {
  const family = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
    // prom-client calls these on reset/removal; there is nothing to reset in a computed family.
    reset: () => undefined,
  };
  registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
}
