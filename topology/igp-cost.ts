/**
 * A path's IGP cost: the sum of its links' IGP metrics in the direction travelled. A link-state IGP
 * sends user traffic along the cheapest path (several when they tie: ECMP), so these costs say which of
 * a pair's paths carries the traffic, and where it moves when a link's metric is raised to isolate it.
 */
import type { TopologyLink } from './model.js';

/** Null when a link has no metric (a topology file without them): no path can be called the IGP's choice then. */
export function igpCost(links: readonly Pick<TopologyLink, 'igpMetric'>[]): number | null {
  let cost = 0;
  for (const link of links) {
    if (link.igpMetric === undefined) return null;
    cost += link.igpMetric;
  }
  return cost;
}

/** Indexes of the cheapest of the costs (every tie); empty when no cost is known. */
export function cheapestIndexes(costs: readonly (number | null)[]): Set<number> {
  const known = costs.filter((cost): cost is number => cost !== null);
  if (known.length === 0) return new Set();
  const least = Math.min(...known);
  return new Set(costs.flatMap((cost, index) => (cost === least ? [index] : [])));
}
